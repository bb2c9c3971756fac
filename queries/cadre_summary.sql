-- 村干部队伍概况：两委、后备干部、党务专员人数，平均年龄（按该年计），大专及以上占比，学历提升与参训，无后备干部的村(社区)
-- params: $year (integer), $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部)
-- grain: one row (cadres 0 when the roster is empty)
with units as (
    select * from scoped_units($town::varchar, $area::varchar, $villages::varchar[])
),

people as (
    select
        c.*,
        $year - c.birth_year as age,
        c.education in ('大专', '本科', '研究生') as college
    from cadres as c
    inner join units as u on c.town = u.town and c.village = u.village
),

without_reserve as (
    select
        u.town,
        u.village
    from units as u
    where not exists (
        select 1 from people as p where p.town = u.town and p.village = u.village and p.role = '后备干部'
    )
),

final as (
    select
        count(*) as cadres,
        count(*) filter (where role = '两委干部') as committee,
        count(*) filter (where role = '后备干部') as reserves,
        count(*) filter (where role = '党务专员') as clerks,
        round(avg(age) filter (where role = '两委干部'), 1) as committee_average_age,
        round(avg(age) filter (where role = '后备干部'), 1) as reserve_average_age,
        share_pct(count(*) filter (where role = '两委干部' and college), count(*) filter (where role = '两委干部'))
            as committee_college_pct,
        share_pct(count(*) filter (where role = '后备干部' and college), count(*) filter (where role = '后备干部'))
            as reserve_college_pct,
        count(*) filter (where upgrading) as upgrading,
        count(*) filter (where not college) as below_college,
        cast(coalesce(sum(trainings), 0) as bigint) as trainings,
        round(avg(trainings), 1) as average_trainings,
        (select count(*) from units) as units,
        (select count(*) from without_reserve) as units_without_reserve,
        -- 跨镇时写作 镇·村：村名在不同镇会重复
        (
            select
                string_agg(
                    unit_label(town, village, (select count(distinct town) from units) > 1),
                    '、' order by town, village
                )
            from without_reserve
        ) as without_reserve_names
    from people
)

select * from final
