-- 项目进度分布：谋划、在建、完工的项目个数与投资
-- params: $year (integer), $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部)
-- grain: one row per status, in the order 谋划 → 在建 → 完工 (未填 last)
with final as (
    select
        coalesce(status, '未填') as status,
        count(*) as projects,
        sum(planned_investment) as planned_investment,
        coalesce(sum(completed_investment), 0) as completed_investment
    from scoped_projects($year, $town::varchar, $area::varchar, $villages::varchar[])
    group by coalesce(status, '未填')
)

select * from final
order by case status when '谋划' then 1 when '在建' then 2 when '完工' then 3 else 4 end
