-- 各镇(街道)对比：某年每个镇(街道)各领域的核心指标，供多镇数据的汇总表和镇级排名
-- params: $year (integer), $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部), $t1 (decimal, 元), $t3 (decimal, 元)
-- grain: one row per town in scope, by town name; a domain without data that year has NULLs, not zeros
with unit_counts as (
    select
        town,
        count(*) as units
    from scoped_units($town::varchar, $area::varchar, $villages::varchar[])
    group by town
),

-- no $t2: the rollup's villages_t2 is not shown here
rollup as (
    select *
    from scoped_rollup(
        $year, $town::varchar, $area::varchar, $villages::varchar[],
        $t1::decimal(18, 2), null::decimal(18, 2), $t3::decimal(18, 2)
    )
),

final as (
    select
        c.town,
        c.units,
        r.villages_with_income,
        r.villages_t1,
        share_pct(r.villages_t1, r.villages_with_income) as t1_pct,
        r.villages_t3,
        r.total_income,
        r.projects,
        r.planned_investment,
        r.completed_investment,
        r.five_star,
        r.weak_units,
        r.tickets,
        share_pct(r.satisfied, r.rated) as satisfied_pct,
        r.problems,
        share_pct(r.rectified, r.problems) as rectified_pct
    from unit_counts as c
    left join rollup as r on c.town = r.town
)

select * from final
order by town
