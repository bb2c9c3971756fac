-- 五单服务工单按类型：群众建议（件）、支部派单（件次）、服务代办（人次），已办结与未办结
-- params: $year (integer), $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部)
-- grain: one row per ticket kind present in $year, most tickets first; a ticket's year is the year of 点单时间
-- Counted from ticket_counts (one row per village, kind and month), not from the tickets themselves;
-- the average is the sum of ratings over the rated tickets, as avg(rating) computes it.
with final as (
    select
        c.kind,
        sum(c.tickets)::bigint as tickets,
        sum(c.done)::bigint as done,
        (sum(c.tickets) - sum(c.done))::bigint as open,
        round(sum(c.rating_sum) / nullif(sum(c.rated), 0), 2) as average_rating
    from scoped_ticket_counts($year, $town::varchar, $area::varchar, $villages::varchar[]) as c
    group by c.kind
)

select * from final
order by tickets desc, kind
