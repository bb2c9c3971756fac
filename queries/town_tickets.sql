-- 各镇(街道)五单服务：工单数、办结数、满意率
-- params: $year (integer), $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部)
-- grain: one row per town in scope that has tickets in $year, by town name
select
    t.town,
    count(*) as tickets,
    count(t.done_at) as done,
    share_pct(count(*) filter (where t.rating >= 3), count(t.rating)) as satisfied_pct
from scoped_tickets($year, $town::varchar, $area::varchar, $villages::varchar[]) as t
group by t.town
order by t.town
