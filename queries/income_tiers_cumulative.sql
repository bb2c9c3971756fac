-- 村财收入分档（累计）：收入达到各分档线的村数和占比；只计“村”，社区另列
-- params: $year (integer), $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部), $t1 (decimal, 元), $t2 (decimal, 元), $t3 (decimal, 元)
-- grain: one row per threshold, lowest first; thresholds are inclusive lower bounds
with incomes as (
    select
        village,
        total_income,
        income_tier(total_income, $t1::decimal(18, 2), $t2::decimal(18, 2), $t3::decimal(18, 2)) as tier
    from scoped_income($year, $town::varchar, $area::varchar, $villages::varchar[])
    where kind = '村'
),

final as (
    select
        t.tier,
        income_tier_label(t.lower_bound, null) as tier_label,
        t.lower_bound,
        count(i.village) as villages,
        (select count(*) from incomes) as villages_with_income,
        share_pct(count(i.village), (select count(*) from incomes)) as share_pct,
        string_agg(short_name(i.village), '、' order by i.total_income desc, i.village) as short_names
    from income_tiers($t1::decimal(18, 2), $t2::decimal(18, 2), $t3::decimal(18, 2)) as t
    left join incomes as i on i.tier >= t.tier
    where t.tier >= 1
    group by t.tier, t.lower_bound
)

select * from final
order by tier
