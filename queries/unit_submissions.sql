-- 某村(社区)的报送记录：每次报送的任务、时间、报送人、行数、确认的异常波动，以及是否已撤销
-- params: $town (varchar), $unit (varchar)
-- grain: one row per submission of the unit, newest first
select
    s.import_id,
    r.round_id,
    r.title,
    r.due,
    s.submitted_at,
    s.submitted_by,
    s.row_count,
    s.changes_confirmed,
    i.file_name,
    i.undone_at,
    i.undone_by
from round_submissions as s
inner join rounds as r on s.round_id = r.round_id
inner join imports as i on s.import_id = i.import_id
where r.town = coalesce($town, r.town) and s.unit = $unit
order by s.import_id desc
