-- 最活跃的乡贤：按参与事项数量排名，并列同名次
-- params: $year (integer), $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部), $limit (integer)
-- grain: one row per named sage and town (names repeat across towns) within the top $limit of $year
with by_sage as (
    select
        a.town,
        a.sage,
        string_agg(distinct a.village, '、' order by a.village) as sage_villages,
        count(*) as activities,
        cast(sum(a.quantity) as bigint) as quantity,
        cast(coalesce(sum(a.quantity) filter (where a.kind = '民意收集'), 0) as bigint) as opinions,
        cast(coalesce(sum(a.quantity) filter (where a.kind = '矛盾调解'), 0) as bigint) as disputes
    from scoped_sages($year, $town::varchar, $area::varchar, $villages::varchar[]) as a
    where a.sage is not null
    group by a.town, a.sage
),

ranked as (
    select
        rank() over (order by quantity desc, activities desc) as sage_rank,
        *
    from by_sage
)

select * from ranked
where sage_rank <= $limit
order by sage_rank, town, sage
