-- 乡贤参与按类型：民意收集、矛盾调解、献言献策、政策宣传、回乡创业的数量和活动次数
-- params: $year (integer), $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部)
-- grain: one row per kind with activities in $year, in the data model's order
select
    a.kind,
    cast(sum(a.quantity) as bigint) as quantity,
    count(*) as activities
from scoped_sages($year, $town::varchar, $area::varchar, $villages::varchar[]) as a
group by a.kind
order by list_position(['民意收集', '矛盾调解', '献言献策', '政策宣传', '回乡创业'], a.kind), a.kind
