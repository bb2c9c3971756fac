-- 问题整改概况：问题总数、已整改、整改率、逾期未整改（整改时限早于 $today 且未整改完成）
-- params: $year (integer), $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部), $today (date)
-- grain: one row
with final as (
    select
        count(*) as problems,
        count(*) filter (where is_rectified(status)) as rectified,
        count(*) filter (where not is_rectified(status)) as unrectified,
        rectified_pct(status) as rectified_pct,
        count(*) filter (where is_overdue(status, deadline, $today::date)) as overdue,
        count(*) filter (where category = '共性') as common_problems,
        count(*) filter (where category = '个性') as individual_problems
    from scoped_problems($year, $town::varchar, $area::varchar, $villages::varchar[])
)

select * from final
