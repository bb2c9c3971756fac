-- 村干部学历结构：两委干部与后备干部（及党务专员）各学历人数
-- params: $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部)
-- grain: one row per role and education level that has people, lowest level first
with final as (
    select
        c.role,
        coalesce(c.education, '未填') as education,
        count(*) as cadres,
        count(*) filter (where c.upgrading) as upgrading
    from scoped_cadres($town::varchar, $area::varchar, $villages::varchar[]) as c
    group by c.role, coalesce(c.education, '未填')
)

select * from final
order by
    list_position(['两委干部', '后备干部', '党务专员'], role),
    coalesce(list_position(['初中及以下', '高中/中专', '大专', '本科', '研究生'], education), 6)
