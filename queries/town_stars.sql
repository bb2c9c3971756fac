-- 各镇(街道)达标创星：参评单位、五星级、软弱涣散数
-- params: $year (integer), $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部)
-- grain: one row per town in scope that has ratings in $year, by town name
select
    s.town,
    count(*) as rated_units,
    count(*) filter (where is_five_star(s.stars)) as five_star,
    count(*) filter (where s.weak) as weak_units
from scoped_stars($year, $town::varchar, $area::varchar, $villages::varchar[]) as s
group by s.town
order by s.town
