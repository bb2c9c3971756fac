-- 预警·无后备干部的村(社区)：花名册中已报送干部、但没有一名后备干部的单位（当前花名册，不分年度）
-- params: $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部)
-- grain: one row; the units' names (跨镇时写作 镇·村) by town and name
with people as (
    select
        c.town,
        c.village,
        c.role
    from scoped_cadres($town::varchar, $area::varchar, $villages::varchar[]) as c
),

by_unit as (
    select
        town,
        village,
        count(*) filter (where role = '后备干部') as reserves
    from people
    group by all
),

final as (
    select
        (select count(*) from scoped_units($town::varchar, $area::varchar, $villages::varchar[])) as units,
        count(*) as reported_units,
        count(*) filter (where reserves = 0) as without_reserve,
        coalesce(
            list(
                unit_label(town, village, (select count(distinct town) from by_unit) > 1)
                order by town, village
            ) filter (where reserves = 0),
            []
        ) as without_reserve_villages
    from by_unit
)

select * from final
