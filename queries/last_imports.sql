-- 各台账最近一次导入的时间、文件和操作人（不含已撤销的导入）
-- params: none
-- grain: one row per dataset that has a live import
select
    dataset,
    max(imported_at) as last_imported_at,
    arg_max(file_name, imported_at) as file_name,
    arg_max(imported_by, imported_at) as imported_by
from imports
where undone_at is null
group by dataset
order by dataset
