-- 工单月度走势：每月各类型点单数
-- params: $year (integer), $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部)
-- grain: one row per month and ticket kind that has tickets
select
    month(t.ordered_at) as month,
    t.kind,
    count(*) as tickets
from service_tickets as t
inner join scoped_units($town::varchar, $area::varchar, $villages::varchar[]) as u
    on t.town = u.town and t.village = u.village
-- a range on the column itself, not year(): DuckDB then skips blocks of other years
where
    t.ordered_at >= make_timestamp($year, 1, 1, 0, 0, 0)
    and t.ordered_at < make_timestamp($year + 1, 1, 1, 0, 0, 0)
group by month(t.ordered_at), t.kind
order by month, t.kind
