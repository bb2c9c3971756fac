-- 各村(社区)项目：项目个数与投资；镇级项目合为一行“镇级项目”
-- params: $year (integer), $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部)
-- grain: one row per village with projects (plus 镇级项目), largest planned investment first
with scoped as (
    select * from scoped_projects($year, $town::varchar, $area::varchar, $villages::varchar[])
),

final as (
    select
        town,
        coalesce(village, '镇级项目') as village,
        village is null as town_level,
        count(*) as projects,
        sum(planned_investment) as planned_investment,
        coalesce(sum(completed_investment), 0) as completed_investment
    from scoped
    group by town, village
)

select * from final
order by planned_investment desc, village
