-- 历年总览：每年各领域的核心指标（村财分档、项目、星级、工单、问题整改）
-- params: $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部), $t1 (decimal, 元), $t2 (decimal, 元), $t3 (decimal, 元)
-- grain: one row per year that has data in any domain; a domain without data that year has NULLs, not zeros;
--   scope_villages and scope_units count the 村 and all units in scope (to say when a ledger covers only some)
with units as (
    select * from scoped_units($town::varchar, $area::varchar, $villages::varchar[])
),

final as (
    select
        r.year::bigint as year,
        sum(r.villages_with_income)::bigint as villages_with_income,
        sum(r.villages_t1)::bigint as villages_t1,
        sum(r.villages_t2)::bigint as villages_t2,
        sum(r.villages_t3)::bigint as villages_t3,
        sum(r.projects)::bigint as projects,
        sum(r.planned_investment) as planned_investment,
        sum(r.rated_units)::bigint as rated_units,
        sum(r.five_star)::bigint as five_star,
        sum(r.weak_units)::bigint as weak_units,
        sum(r.tickets)::bigint as tickets,
        share_pct(sum(r.satisfied), sum(r.rated)) as satisfied_pct,
        sum(r.problems)::bigint as problems,
        share_pct(sum(r.rectified), sum(r.problems)) as rectified_pct,
        (select count(*) from units where kind = '村') as scope_villages,
        (select count(*) from units) as scope_units
    from scoped_rollup(
        null, $town::varchar, $area::varchar, $villages::varchar[],
        $t1::decimal(18, 2), $t2::decimal(18, 2), $t3::decimal(18, 2)
    ) as r
    group by r.year
)

select * from final
order by year
