-- 报送进度汇总：某轮报送任务的村(社区)总数，按时报送、逾期报送、未报送的个数，报送行数和已确认的异常波动
-- params: $round_id (integer)
-- grain: one row (counts are 0 for a round that does not exist)
select
    count(*) as units,
    count(*) filter (where status = 'submitted') as submitted,
    count(*) filter (where status = 'late') as late,
    count(*) filter (where status = 'missing') as missing,
    count(*) filter (where status <> 'missing') as reported,
    coalesce(sum(row_count), 0) as row_count,
    coalesce(sum(changes_confirmed), 0) as changes_confirmed
from round_unit_status($round_id)
