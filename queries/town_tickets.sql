-- 各镇(街道)五单服务：工单数、办结数、满意率
-- params: $year (integer), $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部)
-- grain: one row per town in scope that has tickets in $year, by town name
select
    t.town,
    count(*) as tickets,
    count(t.done_at) as done,
    share_pct(count(*) filter (where t.rating >= 3), count(t.rating)) as satisfied_pct
from service_tickets as t
inner join scoped_units($town::varchar, $area::varchar, $villages::varchar[]) as u
    on t.town = u.town and t.village = u.village
-- a range on the column itself, not year(): DuckDB then skips blocks of other years
where
    t.ordered_at >= make_timestamp($year, 1, 1, 0, 0, 0)
    and t.ordered_at < make_timestamp($year + 1, 1, 1, 0, 0, 0)
group by t.town
order by t.town
