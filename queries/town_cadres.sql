-- 各镇(街道)村干部队伍：村(社区)数、两委干部、后备干部人数、尚无后备干部的村(社区)数
-- params: $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部)
-- grain: one row per town in scope, by town name (花名册为当前名单，不分年度)
with units as (
    select * from scoped_units($town::varchar, $area::varchar, $villages::varchar[])
),

per_unit as (
    select
        u.town,
        u.village,
        count(c.name) filter (where c.role = '两委干部') as committee,
        count(c.name) filter (where c.role = '后备干部') as reserves
    from units as u
    left join cadres as c on c.town = u.town and c.village = u.village
    group by u.town, u.village
)

select
    town,
    count(*) as units,
    cast(sum(committee) as bigint) as committee,
    cast(sum(reserves) as bigint) as reserves,
    count(*) filter (where reserves = 0) as units_without_reserve
from per_unit
group by town
order by town
