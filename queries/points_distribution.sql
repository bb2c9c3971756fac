-- 各支部积分分布：本期按10分一档的党员人数
-- params: $year (integer), $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部)
-- grain: one row per 10-point band and branch that has members in the latest period of $year, lowest band first
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
        cast(floor(total_points / 10) * 10 as integer) as band_start,
        cast(floor(total_points / 10) * 10 as integer) || '–' || cast(floor(total_points / 10) * 10 + 10 as integer)
        || '分' as band_label,
        count(*) as members
    from latest
    group by all
)

select * from final
order by band_start, town, village
