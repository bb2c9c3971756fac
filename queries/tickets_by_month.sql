-- 工单月度走势：每月各类型点单数，及该类型全年点单数
-- params: $year (integer), $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部)
-- grain: one row per month and ticket kind that has tickets; kind_tickets repeats the kind's total for the year
-- The kind's total rides along (a sum over at most 12 rows here) so that the 五单服务 page, which shows
-- it on a card, does not scan the year's tickets a second time for tickets_by_kind.
-- Counted from ticket_counts (one row per village, kind and month), not from the tickets themselves.
with months as (
    select
        c.month::bigint as month,
        c.kind,
        sum(c.tickets)::bigint as tickets
    from scoped_ticket_counts($year, $town::varchar, $area::varchar, $villages::varchar[]) as c
    group by c.month, c.kind
)

select
    month,
    kind,
    tickets,
    sum(tickets) over (partition by kind)::bigint as kind_tickets
from months
order by month, kind
