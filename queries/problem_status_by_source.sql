-- 各来源问题的整改状态：已整改、整改中、未整改条数
-- params: $year (integer), $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部)
-- grain: one row per source, most problems first
select
    coalesce(p.source, '未填') as source,
    count(*) as problems,
    count(*) filter (where is_rectified(p.status)) as rectified,
    count(*) filter (where p.status = '整改中') as in_progress,
    count(*) filter (where p.status = '未整改') as not_started
from scoped_problems($year, $town::varchar, $area::varchar, $villages::varchar[]) as p
group by coalesce(p.source, '未填')
order by problems desc, source
