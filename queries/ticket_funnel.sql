-- 五单闭环漏斗：群众点单 → 网格领单 → 支部派单 → 党员晒单 → 群众评单，各环节到达的工单数
-- params: $year (integer), $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部)
-- grain: one row per step, in order; 评单 counts tickets with a rating
with tickets as (
    select t.*
    from scoped_tickets($year, $town::varchar, $area::varchar, $villages::varchar[]) as t
),

steps as (
    select 1 as step, '群众点单' as step_label, count(*) as tickets from tickets
    union all
    select 2, '网格领单', count(claimed_at) from tickets
    union all
    select 3, '支部派单', count(dispatched_at) from tickets
    union all
    select 4, '党员晒单', count(done_at) from tickets
    union all
    select 5, '群众评单', count(rating) from tickets
),

final as (
    select
        step,
        step_label,
        tickets,
        share_pct(tickets, first_value(tickets) over (order by step)) as pct_of_ordered,
        coalesce(lag(tickets) over (order by step) - tickets, 0) as dropped
    from steps
)

select * from final
order by step
