-- 村财收入分档（区间）：各收入区间的村数和占比；只计“村”，社区另列
-- params: $year (integer), $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部), $t1 (decimal, 元), $t2 (decimal, 元), $t3 (decimal, 元)
-- grain: one row per bin (4 bins), lowest first; each bin includes its lower bound
with incomes as (
    select income_tier(total_income, $t1::decimal(18, 2), $t2::decimal(18, 2), $t3::decimal(18, 2)) as tier
    from scoped_income($year, $town::varchar, $area::varchar, $villages::varchar[])
    where kind = '村'
),

final as (
    select
        b.tier as bin,
        income_tier_label(b.lower_bound, b.upper_bound) as bin_label,
        b.lower_bound,
        b.upper_bound,
        count(i.tier) as villages,
        share_pct(count(i.tier), (select count(*) from incomes)) as share_pct
    from income_tiers($t1::decimal(18, 2), $t2::decimal(18, 2), $t3::decimal(18, 2)) as b
    left join incomes as i on i.tier = b.tier
    group by b.tier, b.lower_bound, b.upper_bound
)

select * from final
order by bin
