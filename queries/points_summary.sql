-- 党员积分概况：参与支部和党员数、本期（该年最近一个积分周期）平均积分、低于提醒线的人数
-- params: $year (integer), $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部), $threshold (decimal)
-- grain: one row (members 0 when the year has no points)
with points as (
    select p.*
    from member_points as p
    inner join scoped_units($town::varchar, $area::varchar, $villages::varchar[]) as u
        on p.town = u.town and p.village = u.village
    where left(p.period, 4) = cast($year as varchar)
),

latest as (
    select max(period) as period from points
),

final as (
    select
        count(distinct (town, village, member)) as members,
        count(distinct (town, village)) as branches,
        count(distinct period) as periods,
        (select period from latest) as latest_period,
        round(avg(total_points), 1) as average_points,
        round(avg(total_points) filter (where period = (select period from latest)), 1) as latest_average,
        count(distinct (town, village, member)) filter (
            where period = (select period from latest) and total_points < $threshold
        ) as low_members
    from points
)

select * from final
