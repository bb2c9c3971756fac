-- 乡贤参与月度走势：每月各类型事项数量
-- params: $year (integer), $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部)
-- grain: one row per month and kind that has activities in $year
select
    month(a.date) as month,
    a.kind,
    cast(sum(a.quantity) as bigint) as quantity,
    count(*) as activities
from scoped_sages($year, $town::varchar, $area::varchar, $villages::varchar[]) as a
group by month(a.date), a.kind
order by month, a.kind
