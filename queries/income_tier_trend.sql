-- 村财收入分档历年趋势：每年达到各分档线的村数和占比；只计“村”
-- params: $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部), $t1 (decimal, 元), $t2 (decimal, 元), $t3 (decimal, 元)
-- grain: one row per year and threshold
with incomes as (
    select
        i.year,
        i.total_income
    from scoped_income(null, $town::varchar, $area::varchar, $villages::varchar[]) as i
    where i.kind = '村'
),

thresholds as (
    select
        tier,
        lower_bound
    from (
        values (1, $t1::decimal(18, 2)), (2, $t2::decimal(18, 2)), (3, $t3::decimal(18, 2))
    ) as t (tier, lower_bound)
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
        printf('%g万元以上', t.lower_bound / 10000) as tier_label,
        count(i.total_income) as villages,
        y.villages_with_income,
        share_pct(count(i.total_income), y.villages_with_income) as share_pct
    from years as y
    cross join thresholds as t
    left join incomes as i on i.year = y.year and i.total_income >= t.lower_bound
    group by y.year, y.villages_with_income, t.tier, t.lower_bound
)

select * from final
order by year, tier
