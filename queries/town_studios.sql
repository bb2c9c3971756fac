-- 各镇(街道)书记工作室：村(社区)数、截至该年年底已建工作室数和覆盖率
-- params: $year (integer), $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部)
-- grain: one row per town in scope, by town name (towns without a studio included, coverage 0)
with units as (
    select * from scoped_units($town::varchar, $area::varchar, $villages::varchar[])
),

studios as (
    select
        s.town,
        count(*) as studios
    from secretary_studios as s
    inner join units as u on s.town = u.town and s.village = u.village
    where year(s.established_on) <= $year
    group by s.town
),

unit_counts as (
    select
        town,
        count(*) as units
    from units
    group by town
)

select
    c.town,
    c.units,
    coalesce(s.studios, 0) as studios,
    share_pct(coalesce(s.studios, 0), c.units) as coverage_pct
from unit_counts as c
left join studios as s on c.town = s.town
order by c.town
