-- 书记工作室逐季累计：每季度末已建工作室个数（从第一个工作室所在季度起）
-- params: $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部)
-- grain: one row per quarter from the first studio's quarter to the latest studio's quarter
with studios as (
    select s.established_on
    from secretary_studios as s
    inner join scoped_units($town::varchar, $area::varchar, $villages::varchar[]) as u
        on s.town = u.town and s.village = u.village
),

quarters as (
    select unnest(
        generate_series(
            date_trunc('quarter', min(established_on)), date_trunc('quarter', max(established_on)), interval 3 month
        )
    ) as quarter_start
    from studios
),

final as (
    select
        cast(q.quarter_start as date) as quarter_start,
        cast(q.quarter_start + interval 3 month - interval 1 day as date) as quarter_end,
        year(q.quarter_start) || 'Q' || quarter(q.quarter_start) as quarter_label,
        count(s.established_on) filter (where date_trunc('quarter', s.established_on) = q.quarter_start) as established,
        count(s.established_on) as studios
    from quarters as q
    left join studios as s on s.established_on < q.quarter_start + interval 3 month
    group by q.quarter_start
)

select * from final
order by quarter_start
