-- 各镇(街道)五单服务：工单数、办结数、满意率
-- params: $year (integer), $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部)
-- grain: one row per town in scope that has tickets in $year, by town name
-- Counted from ticket_counts (one row per village, kind and month), not from the tickets themselves.
select
    c.town,
    sum(c.tickets)::bigint as tickets,
    sum(c.done)::bigint as done,
    share_pct(sum(c.satisfied), sum(c.rated)) as satisfied_pct
from scoped_ticket_counts($year, $town::varchar, $area::varchar, $villages::varchar[]) as c
group by c.town
order by c.town
