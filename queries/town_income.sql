-- 各镇(街道)村财收入：有收入数据的村数、达到最低档线的村数和占比、总收入（只计“村”）
-- params: $year (integer), $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部), $t1 (decimal, 元)
-- grain: one row per town in scope that has income data in $year, by town name
select
    town,
    count(*) as villages_with_income,
    count(*) filter (where income_reaches(total_income, $t1::decimal(18, 2))) as villages_t1,
    share_pct(count(*) filter (where income_reaches(total_income, $t1::decimal(18, 2))), count(*)) as t1_pct,
    sum(total_income) as total_income
from scoped_income($year, $town::varchar, $area::varchar, $villages::varchar[])
where kind = '村'
group by town
order by town
