-- 村干部年龄结构：两委干部与后备干部（及党务专员）各年龄段人数（年龄按该年计）
-- params: $year (integer), $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部)
-- grain: one row per role and age band that has people; bands 35岁及以下, 36–45岁, 46–55岁, 56岁及以上, 未填
with people as (
    select
        c.role,
        $year - c.birth_year as age
    from scoped_cadres($town::varchar, $area::varchar, $villages::varchar[]) as c
),

banded as (
    select
        role,
        case
            when age is null then 5
            when age <= 35 then 1
            when age <= 45 then 2
            when age <= 55 then 3
            else 4
        end as band_order
    from people
),

final as (
    select
        role,
        band_order,
        ['35岁及以下', '36–45岁', '46–55岁', '56岁及以上', '未填'][band_order] as age_band,
        count(*) as cadres
    from banded
    group by role, band_order
)

select * from final
order by list_position(['两委干部', '后备干部', '党务专员'], role), band_order
