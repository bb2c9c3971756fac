-- 工单明细：筛选范围内某年的工单，未办结的在前（一页：跳过 $offset 条后至多 $limit 条）
-- params: $year (integer), $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部), $limit (integer), $offset (integer)
-- grain: one row per ticket; open tickets first, then newest first
-- A page is cut from the open and the finished tickets separately and then merged: two top-N
-- on one key are ~5× cheaper than one top-N on (finished?, time, id) over a city's million tickets.
with scoped as not materialized (
    select
        t.*,
        t.done_at is not null as finished
    from scoped_tickets($year, $town::varchar, $area::varchar, $villages::varchar[]) as t
),

open_tickets as (
    select * from scoped
    where not finished
    order by ordered_at desc, ticket_id
    limit $limit + $offset
),

finished_tickets as (
    select * from scoped
    where finished
    order by ordered_at desc, ticket_id
    limit $limit + $offset
),

final as (
    select * from open_tickets
    union all
    select * from finished_tickets
)

select
    ticket_id,
    town,
    village,
    grid,
    kind,
    category,
    content,
    ordered_at,
    claimed_at,
    dispatched_at,
    done_at,
    rating,
    case
        when done_at is not null then '已办结'
        when dispatched_at is not null then '待晒单'
        when claimed_at is not null then '待派单'
        else '待领单'
    end as stage,
    round(epoch(done_at - ordered_at) / 3600, 1) as hours
from final
order by finished, ordered_at desc, ticket_id
limit $limit
offset $offset
