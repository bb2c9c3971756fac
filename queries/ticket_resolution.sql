-- 工单办理时效与满意度：办结用时（点单到晒单）中位数和 P90（小时），平均评分，满意率（评单为满意或基本满意的比例）
-- params: $year (integer), $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部)
-- grain: one row
with tickets as (
    select
        t.done_at,
        t.rating,
        epoch(t.done_at - t.ordered_at) / 3600 as hours
    from scoped_tickets($year, $town::varchar, $area::varchar, $villages::varchar[]) as t
),

final as (
    select
        count(*) as tickets,
        count(done_at) as done,
        count(*) - count(done_at) as open,
        share_pct(count(done_at), count(*)) as done_pct,
        -- one aggregate for both (one sort of the year's tickets, not two; median = quantile_cont 0.5)
        round(quantile_cont(hours, [0.5, 0.9])[1], 1) as median_hours,
        round(quantile_cont(hours, [0.5, 0.9])[2], 1) as p90_hours,
        count(rating) as rated,
        round(avg(rating), 2) as average_rating,
        share_pct(count(*) filter (where rating >= 3), count(rating)) as satisfied_pct
    from tickets
)

select * from final
