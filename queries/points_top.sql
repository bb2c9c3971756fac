-- 晒分榜（露露脸）：本期总积分最高的党员，并列同名次
-- params: $year (integer), $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部), $limit (integer)
-- grain: one row per member ranked within the top $limit of the latest period of $year
-- not materialized: DuckDB would copy the year's points once for the latest period's lookup (~40% of the time)
with points as not materialized (
    select p.*
    from scoped_points($year, $town::varchar, $area::varchar, $villages::varchar[]) as p
),

ranked as (
    select
        rank() over (order by total_points desc) as points_rank,
        period,
        town,
        village,
        member,
        total_points,
        bonus_points
    from points
    where period = (select max(period) from points)
)

select * from ranked
where points_rank <= $limit
order by points_rank, town, village, member
