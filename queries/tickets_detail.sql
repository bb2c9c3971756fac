-- 工单明细：筛选范围内某年的工单，未办结的在前（一页：跳过 $offset 条后至多 $limit 条）
-- params: $year (integer), $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部), $limit (integer), $offset (integer)
-- grain: one row per ticket; open tickets first, then newest first
-- A page holds at most the $limit + $offset newest open and finished tickets. A count per day finds,
-- for each, the day from which on there are that many; only tickets from that day on are read in
-- full and sorted, and the scan skips the blocks before it (tickets are stored roughly in time
-- order). A top-N over the year's million tickets cost ~110 ms on a city, this ~30 ms.
with scoped as not materialized (
    select
        t.*,
        t.done_at is not null as finished
    from scoped_tickets($year, $town::varchar, $area::varchar, $villages::varchar[]) as t
),

days as (
    select
        finished,
        date_trunc('day', ordered_at) as day_start,
        count(*) as tickets
    from scoped
    group by finished, date_trunc('day', ordered_at)
),

newer as (
    select
        finished,
        day_start,
        sum(tickets) over (partition by finished order by day_start desc) as tickets_since
    from days
),

-- per kind: the latest day with at least $limit + $offset tickets from it on; with fewer, the first day
-- (no tickets of a kind: NULL, and no ticket of that kind is read)
bounds as (
    select
        coalesce(
            max(day_start) filter (where not finished and tickets_since >= $limit + $offset),
            min(day_start) filter (where not finished)
        ) as open_since,
        coalesce(
            max(day_start) filter (where finished and tickets_since >= $limit + $offset),
            min(day_start) filter (where finished)
        ) as finished_since
    from newer
),

candidates as (
    select s.*
    from scoped as s
    -- an inequality join on the one-row bounds: DuckDB pushes it into the scan as a block filter
    inner join bounds as b
        on s.ordered_at >= least(b.open_since, b.finished_since)
    where s.ordered_at >= (case when s.finished then b.finished_since else b.open_since end)
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
    -- hours to one decimal, half up on the exact value: tenths of an hour are 360,000,000 µs, and a
    -- double of hours (epoch() / 3600) can sit just below a tie that the microseconds reach exactly
    hours_of_micros(epoch_us(done_at) - epoch_us(ordered_at)) as hours
from candidates
order by finished, ordered_at desc, ticket_id
limit $limit
offset $offset
