-- 达标创星星级分布：各星级的村(社区)数（含零个的星级）
-- params: $year (integer), $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部)
-- grain: one row per star level, five stars first
with ratings as (
    select s.stars
    from scoped_stars($year, $town::varchar, $area::varchar, $villages::varchar[]) as s
),

levels as (
    select
        stars,
        star_level(stars) as star_label
    from range(0, 6) as r (stars)
),

final as (
    select
        l.stars,
        l.star_label,
        count(r.stars) as units,
        share_pct(count(r.stars), (select count(*) from ratings)) as share_pct
    from levels as l
    left join ratings as r on l.stars = r.stars
    group by l.stars, l.star_label
)

select * from final
order by stars desc
