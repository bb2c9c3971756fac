-- 村财收入分档（区间）：各收入区间的村数和占比；只计“村”，社区另列
-- params: $year (integer), $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部), $t1 (decimal, 元), $t2 (decimal, 元), $t3 (decimal, 元)
-- grain: one row per bin (4 bins), lowest first; each bin includes its lower bound
with incomes as (
    select i.total_income
    from scoped_income($year, $town::varchar, $area::varchar, $villages::varchar[]) as i
    where i.kind = '村'
),

bins as (
    select
        bin,
        bin_label,
        lower_bound,
        upper_bound
    from (
        values
        (0, printf('%g万元以下', $t1::decimal(18, 2) / 10000), null, $t1::decimal(18, 2)),
        (1, printf('%g–%g万元', $t1::decimal(18, 2) / 10000, $t2::decimal(18, 2) / 10000), $t1::decimal(18, 2), $t2::decimal(18, 2)),
        (2, printf('%g–%g万元', $t2::decimal(18, 2) / 10000, $t3::decimal(18, 2) / 10000), $t2::decimal(18, 2), $t3::decimal(18, 2)),
        (3, printf('%g万元以上', $t3::decimal(18, 2) / 10000), $t3::decimal(18, 2), null)
    ) as b (bin, bin_label, lower_bound, upper_bound)
),

final as (
    select
        b.bin,
        b.bin_label,
        b.lower_bound,
        b.upper_bound,
        count(i.total_income) as villages,
        share_pct(count(i.total_income), (select count(*) from incomes)) as share_pct
    from bins as b
    left join incomes as i
        on (b.lower_bound is null or i.total_income >= b.lower_bound)
        and (b.upper_bound is null or i.total_income < b.upper_bound)
    group by b.bin, b.bin_label, b.lower_bound, b.upper_bound
)

select * from final
order by bin
