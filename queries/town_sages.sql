-- 各镇(街道)乡贤参与：收集民意（条）、化解纠纷（起）、活动次数、参与乡贤人数
-- params: $year (integer), $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部)
-- grain: one row per town in scope that has activities in $year, by town name
select
    a.town,
    cast(coalesce(sum(a.quantity) filter (where a.kind = '民意收集'), 0) as bigint) as opinions,
    cast(coalesce(sum(a.quantity) filter (where a.kind = '矛盾调解'), 0) as bigint) as disputes,
    cast(coalesce(sum(a.quantity) filter (where a.kind in ('民意收集', '矛盾调解')), 0) as bigint)
        as opinions_and_disputes,
    count(*) as activities,
    count(distinct a.sage) as sages
from scoped_sages($year, $town::varchar, $area::varchar, $villages::varchar[]) as a
group by a.town
order by a.town
