-- 五大擂台项目分布：各擂台项目个数、计划与已完成投资、占计划总投资比重
-- params: $year (integer), $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部)
-- grain: one row per arena (未分类 for projects without one), largest planned investment first
with final as (
    select
        coalesce(arena, '未分类') as arena,
        count(*) as projects,
        sum(planned_investment) as planned_investment,
        coalesce(sum(completed_investment), 0) as completed_investment,
        round(sum(planned_investment) * 100 / nullif(sum(sum(planned_investment)) over (), 0), 1) as planned_share_pct
    from scoped_projects($year, $town::varchar, $area::varchar, $villages::varchar[])
    group by coalesce(arena, '未分类')
)

select * from final
order by planned_investment desc, arena
