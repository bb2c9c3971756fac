-- 项目投资总览：项目个数、计划总投资、已完成投资、投资完成率
-- params: $year (integer), $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部)
-- grain: one row
with scoped as (
    select * from scoped_projects($year, $town::varchar, $area::varchar, $villages::varchar[])
),

final as (
    select
        count(*) as projects,
        count(*) filter (where village is null) as town_level_projects,
        coalesce(sum(planned_investment), 0) as planned_investment,
        coalesce(sum(completed_investment), 0) as completed_investment,
        round(sum(completed_investment) * 100 / nullif(sum(planned_investment), 0), 1) as completion_pct,
        count(*) filter (where status = '完工') as finished_projects,
        count(*) filter (where status = '在建') as ongoing_projects,
        count(*) filter (where status = '谋划') as planned_projects
    from scoped
)

select * from final
