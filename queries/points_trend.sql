-- 各支部平均积分走势：每个积分周期的平均总积分
-- params: $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部)
-- grain: one row per branch and period, periods in order
select
    p.period,
    p.town,
    p.village,
    count(*) as members,
    round(avg(p.total_points), 1) as average_points
from member_points as p
inner join scoped_units($town::varchar, $area::varchar, $villages::varchar[]) as u
    on p.town = u.town and p.village = u.village
group by p.period, p.town, p.village
order by p.period, p.town, p.village
