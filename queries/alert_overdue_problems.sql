-- 预警·逾期未整改问题：该年问题中整改时限早于 $today 且尚未整改完成的条数、涉及的村(社区)和最长逾期天数
-- params: $year (integer), $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部), $today (date)
-- grain: one row; villages (跨镇时写作 镇·村) with the most overdue problems first
with problems_in_scope as (
    select
        p.town,
        p.village,
        p.status,
        p.deadline
    from scoped_problems($year, $town::varchar, $area::varchar, $villages::varchar[]) as p
),

overdue as (
    select * from problems_in_scope
    where is_overdue(status, deadline, $today::date)
),

by_village as (
    select
        unit_label(town, village, (select count(distinct town) from problems_in_scope) > 1) as label,
        count(*) as overdue
    from overdue
    group by all
),

final as (
    select
        (select count(*) from problems_in_scope) as problems,
        (select count(*) from problems_in_scope where not is_rectified(status)) as unrectified,
        (select count(*) from overdue) as overdue,
        (select coalesce(list(label order by overdue desc, label), []) from by_village) as overdue_villages,
        (select max($today::date - deadline) from overdue) as longest_overdue_days
)

select * from final
