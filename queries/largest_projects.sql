-- 投资最大的项目
-- params: $year (integer), $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部), $limit (integer)
-- grain: one row per project, largest planned investment first, at most $limit rows
select
    project_id,
    name,
    town,
    coalesce(village, '镇级') as village,
    arena,
    status,
    planned_investment,
    completed_investment,
    leader
from scoped_projects($year, $town::varchar, $area::varchar, $villages::varchar[])
order by planned_investment desc, name
limit $limit
