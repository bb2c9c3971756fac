-- 问题整改按来源与类型：问题条数、已整改、整改中、未整改、整改率
-- params: $year (integer), $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部)
-- grain: one row per source and category (共性/个性), most problems first
with problems_in_scope as (
    select p.*
    from scoped_problems($year, $town::varchar, $area::varchar, $villages::varchar[]) as p
),

final as (
    select
        coalesce(source, '未填') as source,
        coalesce(category, '未填') as category,
        count(*) as problems,
        count(*) filter (where is_rectified(status)) as rectified,
        count(*) filter (where status = '整改中') as in_progress,
        count(*) filter (where status = '未整改') as not_started,
        rectified_pct(status) as rectified_pct
    from problems_in_scope
    group by coalesce(source, '未填'), coalesce(category, '未填')
)

select * from final
order by problems desc, source, category
