-- 各镇(街道)对比：某年每个镇(街道)各领域的核心指标，供多镇数据的汇总表和镇级排名
-- params: $year (integer), $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部), $t1 (decimal, 元), $t3 (decimal, 元)
-- grain: one row per town in scope, by town name; a domain without data that year has NULLs, not zeros
with units as (
    select * from scoped_units($town::varchar, $area::varchar, $villages::varchar[])
),

unit_counts as (
    select
        town,
        count(*) as units
    from units
    group by town
),

income as (
    select
        i.town,
        count(*) as villages_with_income,
        count(*) filter (where i.total_income >= $t1::decimal(18, 2)) as villages_t1,
        count(*) filter (where i.total_income >= $t3::decimal(18, 2)) as villages_t3,
        sum(i.total_income) as total_income
    from village_income as i
    inner join units as u on i.town = u.town and i.village = u.village
    where i.year = $year and u.kind = '村'
    group by i.town
),

project_totals as (
    select
        town,
        count(*) as projects,
        sum(planned_investment) as planned_investment,
        sum(completed_investment) as completed_investment
    from scoped_projects($year, $town::varchar, $area::varchar, $villages::varchar[])
    group by town
),

stars as (
    select
        s.town,
        count(*) filter (where s.stars = 5) as five_star,
        count(*) filter (where s.weak) as weak_units
    from star_ratings as s
    inner join units as u on s.town = u.town and s.village = u.village
    where s.year = $year
    group by s.town
),

-- from ticket_counts (per village, kind and month), not the year's million tickets
tickets as (
    select
        t.town,
        sum(t.tickets)::bigint as tickets,
        share_pct(sum(t.satisfied), sum(t.rated)) as satisfied_pct
    from ticket_counts as t
    inner join units as u on t.town = u.town and t.village = u.village
    where t.year = $year
    group by t.town
),

problem_totals as (
    select
        p.town,
        count(*) as problems,
        share_pct(count(*) filter (where p.status = '已整改'), count(*)) as rectified_pct
    from problems as p
    inner join units as u on p.town = u.town and p.village = u.village
    where p.year = $year
    group by p.town
),

final as (
    select
        c.town,
        c.units,
        i.villages_with_income,
        i.villages_t1,
        share_pct(i.villages_t1, i.villages_with_income) as t1_pct,
        i.villages_t3,
        i.total_income,
        p.projects,
        p.planned_investment,
        p.completed_investment,
        s.five_star,
        s.weak_units,
        t.tickets,
        t.satisfied_pct,
        q.problems,
        q.rectified_pct
    from unit_counts as c
    left join income as i on c.town = i.town
    left join project_totals as p on c.town = p.town
    left join stars as s on c.town = s.town
    left join tickets as t on c.town = t.town
    left join problem_totals as q on c.town = q.town
)

select * from final
order by town
