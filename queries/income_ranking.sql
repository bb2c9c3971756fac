-- 村财收入排名：各村(社区)本年收入、分档、与上年比较（升档/降档）
-- params: $year (integer), $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部), $t1 (decimal, 元), $t2 (decimal, 元), $t3 (decimal, 元)
-- grain: one row per unit with an income record for $year, highest income first
with tiered as (
    select
        i.*,
        income_tier(i.total_income, $t1::decimal(18, 2), $t2::decimal(18, 2), $t3::decimal(18, 2)) as tier
    from scoped_income(null, $town::varchar, $area::varchar, $villages::varchar[]) as i
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
        c.kind,
        c.area,
        c.total_income,
        c.operating_income,
        c.tier,
        income_tier_label(t.lower_bound, t.upper_bound) as tier_label,
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
        rank() over (partition by c.kind order by c.total_income desc) as rank_in_kind
    from current_year as c
    inner join income_tiers($t1::decimal(18, 2), $t2::decimal(18, 2), $t3::decimal(18, 2)) as t on c.tier = t.tier
    left join previous_year as p on c.town = p.town and c.village = p.village
)

select * from final
order by total_income desc, village
