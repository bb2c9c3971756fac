-- 预警·问题整改率变化：该年与上年的问题数、已整改数、整改率及变化（个百分点）
-- params: $year (integer), $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部)
-- grain: one row (rates NULL for a year without problems)
with problems_in_scope as (
    select
        p.year,
        p.status
    from problems as p
    inner join scoped_units($town::varchar, $area::varchar, $villages::varchar[]) as u
        on p.town = u.town and p.village = u.village
    where p.year in ($year, $year - 1)
),

final as (
    select
        count(*) filter (where year = $year) as problems,
        count(*) filter (where year = $year and status = '已整改') as rectified,
        share_pct(count(*) filter (where year = $year and status = '已整改'), count(*) filter (where year = $year))
            as rectified_pct,
        count(*) filter (where year = $year - 1) as previous_problems,
        share_pct(
            count(*) filter (where year = $year - 1 and status = '已整改'), count(*) filter (where year = $year - 1)
        ) as previous_rectified_pct
    from problems_in_scope
)

select
    *,
    rectified_pct - previous_rectified_pct as change_points
from final
