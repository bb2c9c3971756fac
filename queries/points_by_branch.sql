-- 各支部党员积分：本期人数、平均分、中位数、最高最低分和低于提醒线人数
-- params: $year (integer), $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部), $threshold (decimal)
-- grain: one row per branch with points in the latest period of $year, highest average first
-- not materialized: DuckDB would copy the year's points once for the latest period's lookup (~40% of the time)
with points as not materialized (
    select p.*
    from scoped_points($year, $town::varchar, $area::varchar, $villages::varchar[]) as p
),

latest as (
    select * from points
    where period = (select max(period) from points)
),

final as (
    select
        town,
        village,
        any_value(period) as period,
        count(*) as members,
        round(avg(total_points), 1) as average_points,
        round(median(total_points), 1) as median_points,
        max(total_points) as max_points,
        min(total_points) as min_points,
        count(*) filter (where total_points < $threshold) as low_members
    from latest
    group by town, village
)

select * from final
order by average_points desc, town, village
