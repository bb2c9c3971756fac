-- 工单办理时效与满意度：办结用时（点单到晒单）中位数和 P90（小时），平均评分，满意率（评单为满意或基本满意的比例）
-- params: $year (integer), $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部)
-- grain: one row
with tickets as (
    select
        t.done_at,
        t.rating,
        -- 点单 to 晒单 in whole microseconds: quantiles of integers cost ~30% less than of epoch() doubles
        epoch_us(t.done_at) - epoch_us(t.ordered_at) as micros
    from scoped_tickets($year, $town::varchar, $area::varchar, $villages::varchar[]) as t
),

final as (
    select
        count(*) as tickets,
        count(done_at) as done,
        count(*) - count(done_at) as open,
        share_pct(count(done_at), count(*)) as done_pct,
        -- one aggregate for both (one sort of the year's tickets, not two; median = quantile_cont 0.5),
        -- in microseconds, then hours to one decimal rounded half up on the exact value (see tickets_detail)
        hours_of_micros(quantile_cont(micros, [0.5, 0.9])[1]) as median_hours,
        hours_of_micros(quantile_cont(micros, [0.5, 0.9])[2]) as p90_hours,
        count(rating) as rated,
        round(avg(rating), 2) as average_rating,
        satisfied_pct(rating) as satisfied_pct
    from tickets
)

select * from final
