-- 各镇(街道)问题整改：问题条数、已整改、整改率
-- params: $year (integer), $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部)
-- grain: one row per town in scope that has problems in $year, by town name
select
    p.town,
    count(*) as problems,
    count(*) filter (where is_rectified(p.status)) as rectified,
    rectified_pct(p.status) as rectified_pct
from scoped_problems($year, $town::varchar, $area::varchar, $villages::varchar[]) as p
group by p.town
order by p.town
