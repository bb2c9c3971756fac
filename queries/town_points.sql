-- 各镇(街道)党员积分：本期（筛选范围内该年最新的积分周期）参与积分的党员数、平均积分、低于提醒线的人数和占比
-- params: $year (integer), $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部), $threshold (decimal)
-- grain: one row per town in scope that has points in the latest period of $year, by town name
-- not materialized: DuckDB would copy the year's points once for the latest period's lookup (~40% of the time)
with points as not materialized (
    select p.*
    from scoped_points($year, $town::varchar, $area::varchar, $villages::varchar[]) as p
),

latest as (
    select * from points
    where period = (select max(period) from points)
)

select
    town,
    count(*) as members,
    count(distinct village) as branches,
    round(avg(total_points), 1) as average_points,
    count(*) filter (where total_points < $threshold) as low_members,
    share_pct(count(*) filter (where total_points < $threshold), count(*)) as low_pct
from latest
group by town
order by town
