-- 各村(社区)乡贤参与：民意（条）、纠纷（起）、其他事项和活动次数
-- params: $year (integer), $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部)
-- grain: one row per unit with activities in $year, most opinions and disputes first
select
    a.town,
    a.village,
    cast(coalesce(sum(a.quantity) filter (where a.kind = '民意收集'), 0) as bigint) as opinions,
    cast(coalesce(sum(a.quantity) filter (where a.kind = '矛盾调解'), 0) as bigint) as disputes,
    cast(coalesce(sum(a.quantity) filter (where a.kind not in ('民意收集', '矛盾调解')), 0) as bigint) as other_items,
    count(*) as activities
from scoped_sages($year, $town::varchar, $area::varchar, $villages::varchar[]) as a
group by a.town, a.village
order by opinions + disputes desc, a.town, a.village
