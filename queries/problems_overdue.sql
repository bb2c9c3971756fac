-- 逾期未整改问题清单：整改时限早于 $today 且尚未整改完成
-- params: $year (integer), $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部), $today (date)
-- grain: one row per overdue problem, longest overdue first
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
    $today::date - p.deadline as days_overdue
from scoped_problems($year, $town::varchar, $area::varchar, $villages::varchar[]) as p
where is_overdue(p.status, p.deadline, $today::date)
order by p.deadline, p.problem_id
