-- 报送任务一览：每轮任务的数据集、年度、截止日、开关状态，以及已报送的村(社区)个数
-- params: none
-- grain: one row per round, newest first
with reported as (
    select
        s.round_id,
        count(distinct s.unit) as reported
    from round_submissions as s
    inner join imports as i on s.import_id = i.import_id
    where i.undone_at is null
    group by s.round_id
),
units as (
    select
        town,
        count(*) as units
    from villages
    group by town
)
select
    r.round_id,
    r.title,
    r.dataset,
    r.year,
    r.town,
    r.due,
    r.opened_at,
    r.opened_by,
    r.closed_at,
    r.closed_by,
    coalesce(u.units, 0) as units,
    coalesce(p.reported, 0) as reported
from rounds as r
left join units as u on r.town = u.town
left join reported as p on r.round_id = p.round_id
order by r.round_id desc
