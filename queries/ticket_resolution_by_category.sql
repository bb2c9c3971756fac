-- 各诉求类别的办理情况：工单数、办结数、办结用时中位数（小时）、平均评分、满意率
-- params: $year (integer), $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部)
-- grain: one row per 诉求类别 (未填 for tickets without one), most tickets first
with tickets as (
    select
        coalesce(t.category, '未填') as category,
        t.done_at,
        t.rating,
        epoch_us(t.done_at) - epoch_us(t.ordered_at) as micros
    from scoped_tickets($year, $town::varchar, $area::varchar, $villages::varchar[]) as t
),

final as (
    select
        category,
        count(*) as tickets,
        count(done_at) as done,
        hours_of_micros(median(micros)) as median_hours,
        round(avg(rating), 2) as average_rating,
        satisfied_pct(rating) as satisfied_pct
    from tickets
    group by category
)

select * from final
order by tickets desc, category
