-- 问题整改明细：筛选范围内某年的全部问题（一页：跳过 $offset 条后至多 $limit 条）
-- params: $year (integer), $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部), $today (date), $limit (integer), $offset (integer)
-- grain: one row per problem; unrectified first, then by deadline
select
    p.problem_id,
    p.town,
    p.village,
    p.source,
    p.category,
    p.description,
    p.responsible,
    p.deadline,
    p.status,
    p.rectified_on,
    is_overdue(p.status, p.deadline, $today::date) as overdue
from scoped_problems($year, $town::varchar, $area::varchar, $villages::varchar[]) as p
order by is_rectified(p.status), p.deadline nulls last, p.problem_id
limit $limit
offset $offset
