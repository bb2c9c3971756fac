-- 星级变化：各村(社区)本年星级与上一评定年度比较（升星、降星、持平）
-- params: $year (integer), $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部)
-- grain: one row per unit rated in $year; risers first, then fallers, then by stars
with ratings as (
    select
        s.year,
        s.town,
        s.village,
        s.stars,
        s.score,
        s.weak,
        -- the latest rating year before $year in scope, for every row
        max(s.year) filter (where s.year < $year) over () as previous_year
    from scoped_stars(null, $town::varchar, $area::varchar, $villages::varchar[]) as s
),

final as (
    select
        c.town,
        c.village,
        short_name(c.village) as short_name,
        c.stars,
        c.score,
        c.weak,
        c.previous_year,
        p.stars as previous_stars,
        c.stars - p.stars as change,
        case
            when p.stars is null then null
            when c.stars > p.stars then '升星'
            when c.stars < p.stars then '降星'
            else '持平'
        end as movement
    from ratings as c
    left join ratings as p
        on c.town = p.town and c.village = p.village and p.year = c.previous_year
    where c.year = $year
)

select * from final
order by case movement when '升星' then 1 when '降星' then 2 else 3 end, stars desc, score desc nulls last, village
