-- 工单月度走势：每月各类型点单数
-- params: $year (integer), $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部)
-- grain: one row per month and ticket kind that has tickets
select
    month(t.ordered_at) as month,
    t.kind,
    count(*) as tickets
from scoped_tickets($year, $town::varchar, $area::varchar, $villages::varchar[]) as t
group by month(t.ordered_at), t.kind
order by month, t.kind
