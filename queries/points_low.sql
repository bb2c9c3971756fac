-- 出出汗名单：本期总积分低于提醒线的党员（仅在隐私设置允许时显示姓名）
-- params: $year (integer), $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部), $threshold (decimal)
-- grain: one row per member below $threshold in the latest period of $year, lowest first
-- not materialized: DuckDB would copy the year's points once for the latest period's lookup (~40% of the time)
with points as not materialized (
    select p.*
    from scoped_points($year, $town::varchar, $area::varchar, $villages::varchar[]) as p
)

select
    period,
    town,
    village,
    member,
    total_points,
    deducted_points
from points
where period = (select max(period) from points) and total_points < $threshold
order by total_points, town, village, member
