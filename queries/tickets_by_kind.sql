-- 五单服务工单按类型：群众建议（件）、支部派单（件次）、服务代办（人次），已办结与未办结
-- params: $year (integer), $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部)
-- grain: one row per ticket kind present in $year, most tickets first; a ticket's year is the year of 点单时间
with tickets as (
    select t.*
    from scoped_tickets($year, $town::varchar, $area::varchar, $villages::varchar[]) as t
),

final as (
    select
        kind,
        count(*) as tickets,
        count(done_at) as done,
        count(*) - count(done_at) as open,
        round(avg(rating), 2) as average_rating
    from tickets
    group by kind
)

select * from final
order by tickets desc, kind
