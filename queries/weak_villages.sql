-- 经济薄弱村：总收入或经营性收入低于设定标准的村（只计“村”）
-- params: $year (integer), $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部), $total_floor (decimal, 元), $operating_floor (decimal, 元)
-- grain: one row per weak village, lowest total income first
with incomes as (
    select
        i.town,
        i.village,
        i.total_income,
        i.operating_income
    from scoped_income($year, $town::varchar, $area::varchar, $villages::varchar[]) as i
    where i.kind = '村'
),

final as (
    select
        town,
        village,
        short_name(village) as short_name,
        total_income,
        operating_income,
        concat_ws(
            '；',
            case when total_income < $total_floor::decimal(18, 2) then '总收入低于标准' end,
            case when operating_income < $operating_floor::decimal(18, 2) then '经营性收入低于标准' end
        ) as reason
    from incomes
    where
        total_income < $total_floor::decimal(18, 2)
        or operating_income < $operating_floor::decimal(18, 2)
)

select * from final
order by total_income, village
