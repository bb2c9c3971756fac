-- 报送进度明细：某轮报送任务中每个村(社区)是否已报送、何时由谁报送、行数、已确认的异常波动
-- params: $round_id (integer)
-- grain: one row per village or community of the round's town, missing first, then by name
select
    unit,
    kind,
    status,
    first_submitted_at,
    submitted_at,
    submitted_by,
    row_count,
    changes_confirmed,
    submissions
from round_unit_status($round_id)
order by
    case status when 'missing' then 0 when 'late' then 1 else 2 end,
    unit
