-- 历年总览：每年各领域的核心指标（村财分档、项目、星级、工单、问题整改）
-- params: $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部), $t1 (decimal, 元), $t2 (decimal, 元), $t3 (decimal, 元)
-- grain: one row per year that has data in any domain; a domain without data that year has NULLs, not zeros;
--   scope_villages and scope_units count the 村 and all units in scope (to say when a ledger covers only some)
with units as (
    select * from scoped_units($town::varchar, $area::varchar, $villages::varchar[])
),

income as (
    select
        i.year,
        count(*) as villages_with_income,
        count(*) filter (where i.total_income >= $t1::decimal(18, 2)) as villages_t1,
        count(*) filter (where i.total_income >= $t2::decimal(18, 2)) as villages_t2,
        count(*) filter (where i.total_income >= $t3::decimal(18, 2)) as villages_t3
    from village_income as i
    inner join units as u on i.town = u.town and i.village = u.village
    where u.kind = '村'
    group by i.year
),

project_years as (
    select distinct year from projects
),

project_totals as (
    select
        y.year,
        count(p.name) as projects,
        sum(p.planned_investment) as planned_investment
    from project_years as y
    inner join scoped_projects(y.year, $town::varchar, $area::varchar, $villages::varchar[]) as p on true
    group by y.year
),

stars as (
    select
        s.year,
        count(*) as rated_units,
        count(*) filter (where s.stars = 5) as five_star,
        count(*) filter (where s.weak) as weak_units
    from star_ratings as s
    inner join units as u on s.town = u.town and s.village = u.village
    group by s.year
),

-- from ticket_counts (per village, kind and month): every year of a city's tickets is five million rows
tickets as (
    select
        t.year::bigint as year,
        sum(t.tickets)::bigint as tickets,
        share_pct(sum(t.satisfied), sum(t.rated)) as satisfied_pct
    from ticket_counts as t
    inner join units as u on t.town = u.town and t.village = u.village
    group by t.year
),

problem_totals as (
    select
        p.year,
        count(*) as problems,
        share_pct(count(*) filter (where p.status = '已整改'), count(*)) as rectified_pct
    from problems as p
    inner join units as u on p.town = u.town and p.village = u.village
    group by p.year
),

years as (
    select year from income
    union
    select year from project_totals
    union
    select year from stars
    union
    select year from tickets
    union
    select year from problem_totals
),

final as (
    select
        y.year,
        i.villages_with_income,
        i.villages_t1,
        i.villages_t2,
        i.villages_t3,
        p.projects,
        p.planned_investment,
        s.rated_units,
        s.five_star,
        s.weak_units,
        t.tickets,
        t.satisfied_pct,
        q.problems,
        q.rectified_pct,
        (select count(*) from units where kind = '村') as scope_villages,
        (select count(*) from units) as scope_units
    from years as y
    left join income as i on y.year = i.year
    left join project_totals as p on y.year = p.year
    left join stars as s on y.year = s.year
    left join tickets as t on y.year = t.year
    left join problem_totals as q on y.year = q.year
)

select * from final
order by year
