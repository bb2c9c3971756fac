-- 村(社区)名录：筛选器的选项（镇、片区、村）
-- params: none
-- grain: one row per unit, by town, area, then name
select
    town,
    name,
    kind,
    area
from villages
order by town, area nulls last, kind, name
