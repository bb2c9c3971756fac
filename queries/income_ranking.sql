-- 村财收入排名：各村(社区)本年收入、分档、与上年比较（升档/降档）
-- params: $year (integer), $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部), $t1 (decimal, 元), $t2 (decimal, 元), $t3 (decimal, 元)
-- grain: one row per unit with an income record for $year, highest income first
with units as (
    select * from scoped_units($town::varchar, $area::varchar, $villages::varchar[])
),

tiered as (
    select
        i.year,
        i.town,
        i.village,
        i.total_income,
        i.operating_income,
        case
            when i.total_income >= $t3::decimal(18, 2) then 3
            when i.total_income >= $t2::decimal(18, 2) then 2
            when i.total_income >= $t1::decimal(18, 2) then 1
            else 0
        end as tier
    from village_income as i
    inner join units as u on i.town = u.town and i.village = u.village
    where i.year in ($year, $year - 1)
),

current_year as (
    select * from tiered where year = $year
),

previous_year as (
    select * from tiered where year = $year - 1
),

final as (
    select
        c.town,
        c.village,
        short_name(c.village) as short_name,
        u.kind,
        u.area,
        c.total_income,
        c.operating_income,
        c.tier,
        case c.tier
            when 3 then printf('%g万元以上', $t3::decimal(18, 2) / 10000)
            when 2 then printf('%g–%g万元', $t2::decimal(18, 2) / 10000, $t3::decimal(18, 2) / 10000)
            when 1 then printf('%g–%g万元', $t1::decimal(18, 2) / 10000, $t2::decimal(18, 2) / 10000)
            else printf('%g万元以下', $t1::decimal(18, 2) / 10000)
        end as tier_label,
        p.total_income as previous_income,
        c.total_income - p.total_income as change,
        round((c.total_income - p.total_income) * 100 / nullif(p.total_income, 0), 1) as change_pct,
        p.tier as previous_tier,
        case
            when p.tier is null then null
            when c.tier > p.tier then '升档'
            when c.tier < p.tier then '降档'
            else '持平'
        end as movement,
        rank() over (partition by u.kind order by c.total_income desc) as rank_in_kind
    from current_year as c
    inner join units as u on c.town = u.town and c.village = u.village
    left join previous_year as p on c.town = p.town and c.village = p.village
)

select * from final
order by total_income desc, village
