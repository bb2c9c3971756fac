-- 预警·村财低于标准：总收入低于 $t1（分档第一条线），或按经济薄弱村标准（总收入低于 $total_floor 或经营性收入低于 $operating_floor）的村（只计“村”）
-- params: $year (integer), $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部), $t1 (decimal, 元), $total_floor (decimal, 元), $operating_floor (decimal, 元)
-- grain: one row: counts, and the villages' names (跨镇时写作 镇·村) lowest total income first
with incomes as (
    select *
    from scoped_income($year, $town::varchar, $area::varchar, $villages::varchar[])
    where kind = '村'
),

flagged as (
    select
        *,
        unit_label(town, village, (select count(distinct town) from incomes) > 1) as label,
        not income_reaches(total_income, $t1::decimal(18, 2)) as below_line,
        is_weak_village(total_income, operating_income, $total_floor::decimal(18, 2), $operating_floor::decimal(18, 2))
            as weak
    from incomes
),

final as (
    select
        (select count(*) from incomes) as villages_with_income,
        count(*) filter (where below_line) as below_line,
        count(*) filter (where weak) as weak,
        count(*) filter (where weak and not below_line) as weak_only,
        coalesce(list(label order by total_income, village) filter (where below_line), []) as below_line_villages,
        coalesce(list(label order by total_income, village) filter (where weak and not below_line), [])
            as weak_only_villages,
        min(total_income) filter (where below_line) as lowest_income,
        max($t1::decimal(18, 2) - total_income) filter (where below_line) as largest_gap
    from flagged
)

select * from final
