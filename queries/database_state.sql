-- 数据库概况：记录的本镇名称、名录中的村(社区)数、有效的导入次数及其中演示台账的次数
-- （看板据此在演示数据上显示提示，在空库上显示首次使用指引；'演示数据' 即 importing.DEMO_USER）
-- params: none
-- grain: one row
select
    (select max(s.value) from app_settings as s where s.key = 'town') as town,
    (select count(*) from villages) as villages,
    (select count(*) from imports as i where i.undone_at is null) as imports,
    (
        select count(*) from imports as i
        where i.undone_at is null and i.imported_by = '演示数据'
    ) as demo_imports
