-- 乡贤参与概况：收集民意（条）、化解纠纷（起）、活动次数、参与乡贤和涉及村(社区)数
-- params: $year (integer), $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部)
-- grain: one row (activities 0 when $year has none)
with final as (
    select
        count(*) as activities,
        cast(coalesce(sum(quantity) filter (where kind = '民意收集'), 0) as bigint) as opinions,
        cast(coalesce(sum(quantity) filter (where kind = '矛盾调解'), 0) as bigint) as disputes,
        cast(coalesce(sum(quantity) filter (where kind not in ('民意收集', '矛盾调解')), 0) as bigint) as other_items,
        count(distinct (town, sage)) filter (where sage is not null) as sages,
        count(distinct (town, village)) as villages
    from scoped_sages($year, $town::varchar, $area::varchar, $villages::varchar[])
)

select * from final
