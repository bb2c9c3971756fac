-- 各镇(街道)达标创星：参评单位、五星级、软弱涣散数
-- params: $year (integer), $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部)
-- grain: one row per town in scope that has ratings in $year, by town name
select
    s.town,
    count(*) as rated_units,
    count(*) filter (where s.stars = 5) as five_star,
    count(*) filter (where s.weak) as weak_units
from star_ratings as s
inner join scoped_units($town::varchar, $area::varchar, $villages::varchar[]) as u
    on s.town = u.town and s.village = u.village
where s.year = $year
group by s.town
order by s.town
