-- 项目明细：筛选范围内某年的全部项目（一页：跳过 $offset 条后至多 $limit 条）
-- params: $year (integer), $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部), $limit (integer), $offset (integer)
-- grain: one row per project, by arena then planned investment
select
    project_id,
    name,
    town,
    coalesce(village, '镇级') as village,
    arena,
    status,
    planned_investment,
    completed_investment,
    round(completed_investment * 100 / nullif(planned_investment, 0), 1) as completion_pct,
    leader,
    start_date
from scoped_projects($year, $town::varchar, $area::varchar, $villages::varchar[])
order by arena, planned_investment desc, name, project_key
limit $limit
offset $offset
