-- 各镇(街道)项目：项目个数、计划总投资、已完成投资（含镇级项目）
-- params: $year (integer), $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部)
-- grain: one row per town in scope that has projects in $year, by town name
select
    town,
    count(*) as projects,
    sum(planned_investment) as planned_investment,
    sum(completed_investment) as completed_investment
from scoped_projects($year, $town::varchar, $area::varchar, $villages::varchar[])
group by town
order by town
