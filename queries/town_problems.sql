-- 各镇(街道)问题整改：问题条数、已整改、整改率
-- params: $year (integer), $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部)
-- grain: one row per town in scope that has problems in $year, by town name
select
    p.town,
    count(*) as problems,
    count(*) filter (where p.status = '已整改') as rectified,
    share_pct(count(*) filter (where p.status = '已整改'), count(*)) as rectified_pct
from problems as p
inner join scoped_units($town::varchar, $area::varchar, $villages::varchar[]) as u
    on p.town = u.town and p.village = u.village
where p.year = $year
group by p.town
order by p.town
