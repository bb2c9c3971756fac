-- 党员积分概况：参与支部和党员数、本期（该年最近一个积分周期）平均积分、低于提醒线的人数
-- params: $year (integer), $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部), $threshold (decimal)
-- grain: one row (members 0 when the year has no points)
-- not materialized: DuckDB would copy the year's points once for the latest period's lookup (~40% of the time)
with points as not materialized (
    select p.*
    from scoped_points($year, $town::varchar, $area::varchar, $villages::varchar[]) as p
),

latest as (
    select max(period) as period from points
),

-- one row per member (a group by: count(distinct) over a struct of three texts cost twice as much)
members as (
    select
        town,
        village,
        bool_or(period = (select period from latest) and total_points < $threshold) as low
    from points
    group by town, village, member
),

final as (
    select
        (select count(*) from members) as members,
        (select count(*) from (select distinct town, village from members)) as branches,
        count(distinct period) as periods,
        (select period from latest) as latest_period,
        round(avg(total_points), 1) as average_points,
        round(avg(total_points) filter (where period = (select period from latest)), 1) as latest_average,
        (select count(*) from members where low) as low_members
    from points
)

select * from final
