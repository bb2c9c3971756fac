-- 各村(社区)干部队伍：两委、后备干部、党务专员人数，两委平均年龄与大专及以上人数，学历提升和参训，无后备干部标记
-- params: $year (integer), $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部)
-- grain: one row per unit in scope (units without any cadre included), units without a reserve cadre first
with people as (
    select
        c.*,
        $year - c.birth_year as age
    from scoped_cadres($town::varchar, $area::varchar, $villages::varchar[]) as c
),

final as (
    select
        u.town,
        u.village,
        u.kind,
        u.area,
        count(p.name) filter (where p.role = '两委干部') as committee,
        count(p.name) filter (where p.role = '后备干部') as reserves,
        count(p.name) filter (where p.role = '党务专员') as clerks,
        round(avg(p.age) filter (where p.role = '两委干部'), 1) as committee_average_age,
        count(p.name) filter (where p.role = '两委干部' and p.education in ('大专', '本科', '研究生'))
            as committee_college,
        count(p.name) filter (where p.upgrading) as upgrading,
        cast(coalesce(sum(p.trainings), 0) as bigint) as trainings,
        count(p.name) filter (where p.role = '后备干部') = 0 as no_reserve
    from scoped_units($town::varchar, $area::varchar, $villages::varchar[]) as u
    left join people as p on p.town = u.town and p.village = u.village
    group by u.town, u.village, u.kind, u.area
)

select * from final
order by no_reserve desc, reserves, town, village
