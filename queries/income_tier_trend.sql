-- 村财收入分档历年趋势：每年达到各分档线的村数和占比；只计“村”
-- params: $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部), $t1 (decimal, 元), $t2 (decimal, 元), $t3 (decimal, 元)
-- grain: one row per year and threshold
with incomes as (
    select
        year,
        income_tier(total_income, $t1::decimal(18, 2), $t2::decimal(18, 2), $t3::decimal(18, 2)) as tier
    from scoped_income(null, $town::varchar, $area::varchar, $villages::varchar[])
    where kind = '村'
),

years as (
    select
        year,
        count(*) as villages_with_income
    from incomes
    group by year
),

final as (
    select
        y.year,
        t.tier,
        income_tier_label(t.lower_bound, null) as tier_label,
        count(i.tier) as villages,
        y.villages_with_income,
        share_pct(count(i.tier), y.villages_with_income) as share_pct
    from years as y
    cross join income_tiers($t1::decimal(18, 2), $t2::decimal(18, 2), $t3::decimal(18, 2)) as t
    left join incomes as i on i.year = y.year and i.tier >= t.tier
    where t.tier >= 1
    group by y.year, y.villages_with_income, t.tier, t.lower_bound
)

select * from final
order by year, tier
