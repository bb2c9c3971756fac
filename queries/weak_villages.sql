-- 经济薄弱村：总收入或经营性收入低于设定标准的村（只计“村”）
-- params: $year (integer), $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部), $total_floor (decimal, 元), $operating_floor (decimal, 元)
-- grain: one row per weak village, lowest total income first
with final as (
    select
        town,
        village,
        short_name(village) as short_name,
        total_income,
        operating_income,
        -- which half of the rule (is_weak_village) each village falls under
        concat_ws(
            '；',
            case when total_income < $total_floor::decimal(18, 2) then '总收入低于标准' end,
            case when operating_income < $operating_floor::decimal(18, 2) then '经营性收入低于标准' end
        ) as reason
    from scoped_income($year, $town::varchar, $area::varchar, $villages::varchar[])
    where kind = '村' and is_weak_village(total_income, operating_income, $total_floor::decimal(18, 2), $operating_floor::decimal(18, 2))
)

select * from final
order by total_income, village
