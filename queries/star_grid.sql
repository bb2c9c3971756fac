-- 历年星级一览：每个村(社区)每个评定年度的星级
-- params: $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部)
-- grain: one row per unit and rating year
select
    s.year,
    s.town,
    s.village,
    regexp_replace(s.village, '村$', '') as short_name,
    s.stars,
    s.weak
from star_ratings as s
inner join scoped_units($town::varchar, $area::varchar, $villages::varchar[]) as u
    on s.town = u.town and s.village = u.village
order by s.village, s.year
