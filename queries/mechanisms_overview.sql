-- 其他工作机制一览：党员积分、书记工作室、乡贤参与、村干部队伍的该年核心数字（无数据的为 NULL）
-- params: $year (integer), $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部), $threshold (decimal)
-- grain: one row
with units as (
    select * from scoped_units($town::varchar, $area::varchar, $villages::varchar[])
),

points as (
    select p.*
    from member_points as p
    inner join units as u on p.town = u.town and p.village = u.village
    where left(p.period, 4) = cast($year as varchar)
),

latest as (
    select * from points where period = (select max(period) from points)
),

studios as (
    select s.*
    from secretary_studios as s
    inner join units as u on s.town = u.town and s.village = u.village
    where year(s.established_on) <= $year
),

sages as (
    select a.*
    from sage_activities as a
    inner join units as u on a.town = u.town and a.village = u.village
    where year(a.date) = $year
),

people as (
    select c.*
    from cadres as c
    inner join units as u on c.town = u.town and c.village = u.village
),

final as (
    select
        $year as year,
        nullif((select count(distinct (town, village, member)) from points), 0) as points_members,
        (select round(avg(total_points), 1) from latest) as points_latest_average,
        (select count(*) from latest where total_points < $threshold) as points_low_members,
        nullif((select count(*) from studios), 0) as studios,
        (select count(*) from units) as units,
        nullif((select count(*) from sages), 0) as sage_activities,
        (select cast(sum(quantity) filter (where kind = '民意收集') as bigint) from sages) as sage_opinions,
        (select cast(sum(quantity) filter (where kind = '矛盾调解') as bigint) from sages) as sage_disputes,
        nullif((select count(*) filter (where role = '两委干部') from people), 0) as committee,
        (select count(*) filter (where role = '后备干部') from people) as reserves
)

select * from final
