-- 书记工作室覆盖：截至该年年底已建工作室的村(社区)数、各级别个数、当年新建数和覆盖率
-- params: $year (integer), $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部)
-- grain: one row (studios 0 when none had been set up by the end of $year)
with units as (
    select * from scoped_units($town::varchar, $area::varchar, $villages::varchar[])
),

studios as (
    select s.*
    from scoped_studios($year, $town::varchar, $area::varchar, $villages::varchar[]) as s
),

final as (
    select
        (select count(*) from units) as units,
        count(*) as studios,
        count(*) filter (where level = '市级示范点') as city_level,
        count(*) filter (where level = '县级') as county_level,
        count(*) filter (where level = '镇级') as town_level,
        count(*) filter (where year(established_on) = $year) as new_this_year,
        share_pct(count(*), (select count(*) from units)) as coverage_pct,
        -- 目标按镇(街道)计：跨镇时逐镇取 min(目标, 该镇单位数) 再相加（mechanisms.studio_goal）
        (select list(n order by town) from (select town, count(*) as n from units group by town)) as town_units,
        min(established_on) as first_established_on,
        max(established_on) as last_established_on
    from studios
)

select * from final
