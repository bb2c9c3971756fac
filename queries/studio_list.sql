-- 书记工作室名单：截至该年年底已建的工作室，及所在村(社区)当年星级
-- params: $year (integer), $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部)
-- grain: one row per studio set up by the end of $year, oldest first
select
    s.town,
    s.village,
    s.studio_name,
    s.level,
    s.established_on,
    s.focus,
    r.stars
from scoped_studios($year, $town::varchar, $area::varchar, $villages::varchar[]) as s
left join star_ratings as r on s.town = r.town and s.village = r.village and r.year = $year
order by s.established_on, s.town, s.village
