-- 各台账有数据的年度（用于默认年度与年度选择）
-- params: none
-- grain: one row per dataset and year, newest year first
select 'income' as dataset, year from village_income group by year
union all
select 'projects', year from projects group by year
union all
select 'stars', year from star_ratings group by year
union all
select 'tickets', year(ordered_at) from service_tickets group by year(ordered_at)
union all
select 'problems', year from problems group by year
union all
select 'member_points', cast(left(period, 4) as integer) from member_points group by left(period, 4)
union all
select 'sages', year(date) from sage_activities group by year(date)
order by year desc, dataset
