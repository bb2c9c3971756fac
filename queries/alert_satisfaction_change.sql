-- 预警·工单群众满意率变化：该年与上年已评工单数、满意率（评单 3 分及以上）及变化（个百分点）
-- params: $year (integer), $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部)
-- grain: one row (rates NULL for a year without rated tickets)
with this_year as (
    select
        sum(rated) as rated,
        sum(satisfied) as satisfied
    from scoped_ticket_counts($year, $town::varchar, $area::varchar, $villages::varchar[])
),

last_year as (
    select
        sum(rated) as rated,
        sum(satisfied) as satisfied
    from scoped_ticket_counts($year - 1, $town::varchar, $area::varchar, $villages::varchar[])
),

final as (
    select
        coalesce(t.rated, 0)::bigint as rated,
        share_pct(t.satisfied, t.rated) as satisfied_pct,
        coalesce(l.rated, 0)::bigint as previous_rated,
        share_pct(l.satisfied, l.rated) as previous_satisfied_pct
    from this_year as t, last_year as l
)

select
    *,
    satisfied_pct - previous_satisfied_pct as change_points
from final
