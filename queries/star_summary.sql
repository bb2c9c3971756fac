-- 达标创星概况：参评单位、五星级、四星级、软弱涣散数及名单，与上一评定年度比较
-- params: $year (integer), $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部)
-- grain: one row (all counts 0 and rated_units 0 when the year has no ratings)
with ratings as (
    select *
    from scoped_stars(null, $town::varchar, $area::varchar, $villages::varchar[])
),

previous_year as (
    select max(year) as year from ratings where year < $year
),

final as (
    select
        count(*) filter (where year = $year) as rated_units,
        count(*) filter (where year = $year and is_five_star(stars)) as five_star,
        count(*) filter (where year = $year and stars = 4) as four_star,
        count(*) filter (where year = $year and stars <= 3) as three_or_fewer,
        count(*) filter (where year = $year and weak) as weak_units,
        -- 跨镇时写作 镇·村：村名在不同镇会重复
        string_agg(
            unit_label(town, village, (select count(distinct town) from ratings) > 1),
            '、' order by town, village
        ) filter (where year = $year and weak) as weak_names,
        (select year from previous_year) as previous_year,
        count(*) filter (where year = (select year from previous_year) and is_five_star(stars)) as previous_five_star,
        count(*) filter (where year = (select year from previous_year) and stars = 4) as previous_four_star,
        count(*) filter (where year = (select year from previous_year) and weak) as previous_weak_units
    from ratings
)

select * from final
