-- 五单闭环漏斗：群众点单 → 网格领单 → 支部派单 → 党员晒单 → 群众评单，各环节到达的工单数
-- params: $year (integer), $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部)
-- grain: one row per step, in order; 评单 counts tickets with a rating
-- Counted from ticket_counts (one row per village, kind and month), not from the tickets themselves.
with counts as (
    select
        coalesce(sum(c.tickets), 0)::bigint as ordered,
        coalesce(sum(c.claimed), 0)::bigint as claimed,
        coalesce(sum(c.dispatched), 0)::bigint as dispatched,
        coalesce(sum(c.done), 0)::bigint as done,
        coalesce(sum(c.rated), 0)::bigint as rated
    from scoped_ticket_counts($year, $town::varchar, $area::varchar, $villages::varchar[]) as c
),

steps as (
    select 1 as step, '群众点单' as step_label, ordered as tickets from counts
    union all
    select 2, '网格领单', claimed from counts
    union all
    select 3, '支部派单', dispatched from counts
    union all
    select 4, '党员晒单', done from counts
    union all
    select 5, '群众评单', rated from counts
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
