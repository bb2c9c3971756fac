-- 历年星级一览：每个村(社区)每个评定年度的星级
-- params: $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部)
-- grain: one row per unit and rating year
select
    s.year,
    s.town,
    s.village,
    short_name(s.village) as short_name,
    s.stars,
    s.weak
from scoped_stars(null, $town::varchar, $area::varchar, $villages::varchar[]) as s
order by s.village, s.year
