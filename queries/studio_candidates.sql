-- 书记工作室培育对象：该年五星级但截至年底尚未建工作室的村(社区)（“在五星级组织中优先培育”）
-- params: $year (integer), $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部)
-- grain: one row per five-star unit of $year without a studio by the end of $year, best score first
select
    r.town,
    r.village,
    u.kind,
    u.area,
    r.stars,
    r.score
from star_ratings as r
inner join scoped_units($town::varchar, $area::varchar, $villages::varchar[]) as u
    on r.town = u.town and r.village = u.village
left join secretary_studios as s
    on r.town = s.town and r.village = s.village and year(s.established_on) <= $year
where r.year = $year and is_five_star(r.stars) and s.village is null
order by r.score desc nulls last, r.town, r.village
