-- 各村(社区)问题整改：问题条数、已整改、整改率
-- params: $year (integer), $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部)
-- grain: one row per unit with problems in $year, most problems first
select
    p.town,
    p.village,
    short_name(p.village) as short_name,
    count(*) as problems,
    count(*) filter (where is_rectified(p.status)) as rectified,
    rectified_pct(p.status) as rectified_pct
from scoped_problems($year, $town::varchar, $area::varchar, $villages::varchar[]) as p
group by p.town, p.village
order by problems desc, p.village
