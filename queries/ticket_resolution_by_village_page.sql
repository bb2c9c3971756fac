-- 各村(社区)工单办理（一页）：工单数、办结数、办结用时中位数（小时）、平均评分、满意率，及有工单的村(社区)总数
-- params: $year (integer), $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部), $limit (integer), $offset (integer)
-- grain: rows $offset + 1 … $offset + $limit of ticket_resolution_by_village (same columns and order), each with `units`, the number of its rows
-- Medians cannot be added up, and a city's 3,000 of them over a year's million tickets cost ~150 ms:
-- the units are counted and ranked first, and only the tickets of the page's units are aggregated.
with tickets as not materialized (
    select
        t.town,
        t.village,
        t.ordered_at,
        t.done_at,
        t.rating
    from scoped_tickets($year, $town::varchar, $area::varchar, $villages::varchar[]) as t
),

units as (
    select
        town,
        village,
        count(*) as tickets,
        count(*) over () as units
    from tickets
    group by town, village
),

page as (
    select *
    from units
    order by tickets desc, town, village
    limit $limit
    offset $offset
),

final as (
    select
        p.town,
        p.village,
        short_name(p.village) as short_name,
        p.tickets,
        count(t.done_at) as done,
        hours_of_micros(median(epoch_us(t.done_at) - epoch_us(t.ordered_at))) as median_hours,
        round(avg(t.rating), 2) as average_rating,
        satisfied_pct(t.rating) as satisfied_pct,
        p.units
    from page as p
    inner join tickets as t
        on p.town = t.town and p.village = t.village
    group by p.town, p.village, p.tickets, p.units
)

select * from final
order by tickets desc, town, village
