-- 工单明细：筛选范围内某年的工单，未办结的在前，至多 $limit 条
-- params: $year (integer), $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部), $limit (integer)
-- grain: one row per ticket; open tickets first, then newest first
select
    t.ticket_id,
    t.village,
    t.grid,
    t.kind,
    t.category,
    t.content,
    t.ordered_at,
    t.claimed_at,
    t.dispatched_at,
    t.done_at,
    t.rating,
    case
        when t.done_at is not null then '已办结'
        when t.dispatched_at is not null then '待晒单'
        when t.claimed_at is not null then '待派单'
        else '待领单'
    end as stage,
    round(epoch(t.done_at - t.ordered_at) / 3600, 1) as hours
from service_tickets as t
inner join scoped_units($town::varchar, $area::varchar, $villages::varchar[]) as u
    on t.town = u.town and t.village = u.village
where year(t.ordered_at) = $year
order by t.done_at is not null, t.ordered_at desc, t.ticket_id
limit $limit
