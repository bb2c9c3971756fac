-- 预警·问题整改率变化：该年与上年的问题数、已整改数、整改率及变化（个百分点）
-- params: $year (integer), $town (varchar, NULL=全部), $area (varchar, NULL=全部), $villages (varchar[], NULL=全部)
-- grain: one row (rates NULL for a year without problems)
with problems_in_scope as (
    select
        p.year,
        p.status
    from scoped_problems(null, $town::varchar, $area::varchar, $villages::varchar[]) as p
    where p.year in ($year, $year - 1)
),

final as (
    select
        count(*) filter (where year = $year) as problems,
        count(*) filter (where year = $year and is_rectified(status)) as rectified,
        share_pct(count(*) filter (where year = $year and is_rectified(status)), count(*) filter (where year = $year))
            as rectified_pct,
        count(*) filter (where year = $year - 1) as previous_problems,
        share_pct(
            count(*) filter (where year = $year - 1 and is_rectified(status)), count(*) filter (where year = $year - 1)
        ) as previous_rectified_pct
    from problems_in_scope
)

select
    *,
    rectified_pct - previous_rectified_pct as change_points
from final
