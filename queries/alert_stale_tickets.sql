-- 预警·超期未办结工单：该年点单、至 $today 已超过 $days 天仍未晒单（办结）的工单数、涉及的村(社区)和最长天数
-- params: $year (integer), $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部), $today (date), $days (integer)
-- grain: one row; villages (跨镇时写作 镇·村) with the most such tickets first
with open_tickets as (
    select
        t.town,
        t.village,
        t.ordered_at
    from scoped_tickets($year, $town::varchar, $area::varchar, $villages::varchar[]) as t
    where t.done_at is null
),

stale as (
    select * from open_tickets
    where ordered_at < $today::date - $days::integer
),

by_village as (
    select
        unit_label(town, village, (select count(distinct town) from stale) > 1) as label,
        count(*) as stale
    from stale
    group by all
),

final as (
    select
        (select count(*) from open_tickets) as open_tickets,
        (select count(*) from stale) as stale,
        (select coalesce(list(label order by stale desc, label), []) from by_village) as stale_villages,
        (select max($today::date - ordered_at::date) from stale) as longest_open_days
)

select * from final
