-- 指标规则与筛选范围：每条规则只在这里写一次，查询文件按名字调用（不是查询：文件名以 _ 开头，查询加载器跳过它）
-- The migration runner (village_stats/db.py) applies this file to the database whenever its content
-- changes; editing a macro needs no migration. Every statement is `create or replace`.
-- Order matters: DuckDB binds a table macro when it is created, so a macro comes after those it calls.

-- ---- 通用 ------------------------------------------------------------------------------------

-- 占比（%）：part/whole 四舍五入保留一位小数，用整数运算（浮点会把 0.15 算成 0.1）
create or replace macro share_pct(part, whole) as
    case
        when whole = 0 then null
        else cast(cast((part::hugeint * 2000 + whole) // (2 * whole) as decimal(18, 0)) * 0.1 as decimal(18, 1))
    end;

-- 简称：去掉“村”后缀（北垞村 → 北垞），社区不变
create or replace macro short_name(village) as regexp_replace(village, '村$', '');

-- 名单里的写法：跨镇时写作 镇·村（村名在不同镇会重复），一个镇时只写简称
create or replace macro unit_label(town, village, many_towns) as
    case when many_towns then town || '·' else '' end || short_name(village);

-- 办结用时：微秒 → 小时，一位小数，按精确值四舍五入
create or replace macro hours_of_micros(micros) as floor(micros / 360000000 + 0.5) / 10;

-- ---- 指标规则 --------------------------------------------------------------------------------

-- 问题已整改：整改状态为“已整改”
create or replace macro is_rectified(status) as status = '已整改';

-- 逾期未整改：尚未整改完成，且整改时限早于 today
create or replace macro is_overdue(status, deadline, today) as not is_rectified(status) and deadline < today;

-- 整改率（聚合）：已整改条数 / 问题条数
create or replace macro rectified_pct(status) as share_pct(count(*) filter (where is_rectified(status)), count(*));

-- 工单满意：评单为满意或基本满意（3 分及以上；满意=5，基本满意=3，不满意=1）
create or replace macro is_satisfied(rating) as rating >= 3;

-- 满意率（聚合）：满意的工单 / 已评单的工单
create or replace macro satisfied_pct(rating) as share_pct(count(*) filter (where is_satisfied(rating)), count(rating));

-- 达到档位线：档位线含本数（收入恰为 50万 算“50万元以上”）
create or replace macro income_reaches(income, line) as income >= line;

-- 村财收入分档：0 = 低于 t1，1 = t1 以上，2 = t2 以上，3 = t3 以上。
-- 设置保证 t1 ≤ t2 ≤ t3，所以“达到第 k 档线”即 income_tier(...) >= k
create or replace macro income_tier(income, t1, t2, t3) as
    case
        when income_reaches(income, t3) then 3
        when income_reaches(income, t2) then 2
        when income_reaches(income, t1) then 1
        else 0
    end;

-- 分档名称：lower_bound 为空是最低档（20万元以下），upper_bound 为空是最高档或累计档（100万元以上）
create or replace macro income_tier_label(lower_bound, upper_bound) as
    case
        when lower_bound is null then printf('%g万元以下', upper_bound / 10000)
        when upper_bound is null then printf('%g万元以上', lower_bound / 10000)
        else printf('%g–%g万元', lower_bound / 10000, upper_bound / 10000)
    end;

-- 分档表：每档的下限（含）和上限（不含）；第 0 档没有下限，第 3 档没有上限
create or replace macro income_tiers(p_t1, p_t2, p_t3) as table
    select
        tier,
        lower_bound,
        upper_bound
    from (values (0, null, p_t1), (1, p_t1, p_t2), (2, p_t2, p_t3), (3, p_t3, null)) as t (tier, lower_bound, upper_bound);

-- 经济薄弱村：总收入低于 total_floor，或经营性收入低于 operating_floor
create or replace macro is_weak_village(total_income, operating_income, total_floor, operating_floor) as
    total_income < total_floor or operating_income < operating_floor;

-- 星级名称：0–5 → 无星、一星级 … 五星级
create or replace macro star_level(stars) as ['无星', '一星级', '二星级', '三星级', '四星级', '五星级'][stars + 1];

-- 五星级
create or replace macro is_five_star(stars) as stars = 5;

-- ---- 筛选范围 --------------------------------------------------------------------------------
-- 看板的统一筛选范围：镇、片区、村(社区)清单，参数为 NULL 表示不限。
-- Every named query joins its data to this, so the sidebar filters mean the same everywhere.
create or replace macro scoped_units(p_town, p_area, p_villages) as table
    select
        town,
        name as village,
        kind,
        area
    from villages
    where
        (p_town is null or town = p_town)
        and (p_area is null or area = p_area)
        and (p_villages is null or list_contains(p_villages, name));

-- 筛选范围内的村财收入（p_year 为 NULL 时为全部年度），带所属单位的类型（村/社区）和片区
create or replace macro scoped_income(p_year, p_town, p_area, p_villages) as table
    select
        i.*,
        u.kind,
        u.area
    from village_income as i
    inner join scoped_units(p_town, p_area, p_villages) as u
        on i.town = u.town and i.village = u.village
    where p_year is null or i.year = p_year;

-- 筛选范围内的星级评定（p_year 为 NULL 时为全部年度）
create or replace macro scoped_stars(p_year, p_town, p_area, p_villages) as table
    select s.*
    from star_ratings as s
    inner join scoped_units(p_town, p_area, p_villages) as u
        on s.town = u.town and s.village = u.village
    where p_year is null or s.year = p_year;

-- 筛选范围内的问题（p_year 为 NULL 时为全部年度）
create or replace macro scoped_problems(p_year, p_town, p_area, p_villages) as table
    select p.*
    from problems as p
    inner join scoped_units(p_town, p_area, p_villages) as u
        on p.town = u.town and p.village = u.village
    where p_year is null or p.year = p_year;

-- 筛选范围内的村干部花名册（当前名单，不分年度）
create or replace macro scoped_cadres(p_town, p_area, p_villages) as table
    select c.*
    from cadres as c
    inner join scoped_units(p_town, p_area, p_villages) as u
        on c.town = u.town and c.village = u.village;

-- 筛选范围内某年的乡贤活动（按活动日期的年份）
create or replace macro scoped_sages(p_year, p_town, p_area, p_villages) as table
    select a.*
    from sage_activities as a
    inner join scoped_units(p_town, p_area, p_villages) as u
        on a.town = u.town and a.village = u.village
    where year(a.date) = p_year;

-- 筛选范围内截至 p_year 年底已建的书记工作室
create or replace macro scoped_studios(p_year, p_town, p_area, p_villages) as table
    select s.*
    from secretary_studios as s
    inner join scoped_units(p_town, p_area, p_villages) as u
        on s.town = u.town and s.village = u.village
    where year(s.established_on) <= p_year;

-- 筛选范围内某年的工单（点单时间在该年）。未按片区/村筛选时不与名录连接：每张工单的村都在名录中（导入时已校验），
-- 省掉的连接是全市一年百万工单统计的大头（docs/decisions.md）。
create or replace macro scoped_tickets(p_year, p_town, p_area, p_villages) as table
    select t.*
    from service_tickets as t
    where
        t.ordered_at >= make_timestamp(p_year, 1, 1, 0, 0, 0)
        and t.ordered_at < make_timestamp(p_year + 1, 1, 1, 0, 0, 0)
        and p_area is null
        and p_villages is null
        and (p_town is null or t.town = p_town)
    union all
    select t.*
    from service_tickets as t
    inner join scoped_units(p_town, p_area, p_villages) as u
        on t.town = u.town and t.village = u.village
    where
        t.ordered_at >= make_timestamp(p_year, 1, 1, 0, 0, 0)
        and t.ordered_at < make_timestamp(p_year + 1, 1, 1, 0, 0, 0)
        and (p_area is not null or p_villages is not null);

-- 点单时间在 p_first_year 至 p_last_year 年的工单，按 ticket_counts 的粒度计数（重算 ticket_counts 用）
create or replace macro counted_tickets(p_first_year, p_last_year) as table
    select
        year(t.ordered_at)::integer as year,
        t.town,
        t.village,
        t.kind,
        month(t.ordered_at)::integer as month,
        count(*) as tickets,
        count(t.claimed_at) as claimed,
        count(t.dispatched_at) as dispatched,
        count(t.done_at) as done,
        count(t.rating) as rated,
        count(*) filter (where is_satisfied(t.rating)) as satisfied,
        coalesce(sum(t.rating), 0)::bigint as rating_sum
    from service_tickets as t
    where
        t.ordered_at >= make_timestamp(p_first_year, 1, 1, 0, 0, 0)
        and t.ordered_at < make_timestamp(p_last_year + 1, 1, 1, 0, 0, 0)
    group by all;

-- 筛选范围内某年的工单计数（p_year 为 NULL 时为全部年度），范围规则与 scoped_tickets 相同
create or replace macro scoped_ticket_counts(p_year, p_town, p_area, p_villages) as table
    select c.*
    from ticket_counts as c
    where
        (p_year is null or c.year = p_year)
        and p_area is null
        and p_villages is null
        and (p_town is null or c.town = p_town)
    union all
    select c.*
    from ticket_counts as c
    inner join scoped_units(p_town, p_area, p_villages) as u
        on c.town = u.town and c.village = u.village
    where
        (p_year is null or c.year = p_year)
        and (p_area is not null or p_villages is not null);

-- 筛选范围内某年的党员积分（period 以该年开头：2024、2024-03、2024Q1）。未按片区/村筛选时不与名录连接，
-- 理由同 scoped_tickets；年份写成 period 的范围，DuckDB 能跳过其他年份的数据块。
create or replace macro scoped_points(p_year, p_town, p_area, p_villages) as table
    select p.*
    from member_points as p
    where
        p.period >= cast(p_year as varchar)
        and p.period < cast(p_year + 1 as varchar)
        and p_area is null
        and p_villages is null
        and (p_town is null or p.town = p_town)
    union all
    select p.*
    from member_points as p
    inner join scoped_units(p_town, p_area, p_villages) as u
        on p.town = u.town and p.village = u.village
    where
        p.period >= cast(p_year as varchar)
        and p.period < cast(p_year + 1 as varchar)
        and (p_area is not null or p_villages is not null);

-- 筛选范围内某年的项目：村级项目按所属村筛选；镇级项目（所属村为空）只在未按片区/村筛选时计入
create or replace macro scoped_projects(p_year, p_town, p_area, p_villages) as table
    select p.*
    from projects as p
    left join scoped_units(p_town, p_area, p_villages) as u
        on p.town = u.town and p.village = u.village
    where
        p.year = p_year
        and (
            u.village is not null
            or (p.village is null and p_area is null and p_villages is null and (p_town is null or p.town = p_town))
        );

-- ---- 汇总 ------------------------------------------------------------------------------------

-- 各领域核心指标按年度和镇(街道)汇总（p_year 为 NULL 时为全部年度）：历年总览和各镇对比都由它相加得到。
-- 一行一个有任一领域数据的（年度，镇）；某领域在该年该镇没有数据时为 NULL，不是 0。
-- 只给计数和金额（可以相加），比率由调用方用 share_pct 在自己的粒度上算。
create or replace macro scoped_rollup(p_year, p_town, p_area, p_villages, p_t1, p_t2, p_t3) as table
    with income as (
        select
            year,
            town,
            count(*) as villages_with_income,
            count(*) filter (where income_reaches(total_income, p_t1)) as villages_t1,
            count(*) filter (where income_reaches(total_income, p_t2)) as villages_t2,
            count(*) filter (where income_reaches(total_income, p_t3)) as villages_t3,
            sum(total_income) as total_income
        from scoped_income(p_year, p_town, p_area, p_villages)
        where kind = '村'
        group by year, town
    ),

    project_totals as (
        select
            p.year,
            p.town,
            count(*) as projects,
            sum(p.planned_investment) as planned_investment,
            sum(p.completed_investment) as completed_investment
        from (select distinct year from projects where p_year is null or year = p_year) as y
        inner join scoped_projects(y.year, p_town, p_area, p_villages) as p on true
        group by p.year, p.town
    ),

    stars as (
        select
            year,
            town,
            count(*) as rated_units,
            count(*) filter (where is_five_star(stars)) as five_star,
            count(*) filter (where weak) as weak_units
        from scoped_stars(p_year, p_town, p_area, p_villages)
        group by year, town
    ),

    -- from ticket_counts (per village, kind and month): every year of a city's tickets is five million rows
    tickets as (
        select
            year,
            town,
            sum(tickets) as tickets,
            sum(satisfied) as satisfied,
            sum(rated) as rated
        from scoped_ticket_counts(p_year, p_town, p_area, p_villages)
        group by year, town
    ),

    problem_totals as (
        select
            year,
            town,
            count(*) as problems,
            count(*) filter (where is_rectified(status)) as rectified
        from scoped_problems(p_year, p_town, p_area, p_villages)
        group by year, town
    ),

    domains as (
        select * from income
        union all by name
        select * from project_totals
        union all by name
        select * from stars
        union all by name
        select * from tickets
        union all by name
        select * from problem_totals
    )

    select
        year,
        town,
        sum(villages_with_income)::bigint as villages_with_income,
        sum(villages_t1)::bigint as villages_t1,
        sum(villages_t2)::bigint as villages_t2,
        sum(villages_t3)::bigint as villages_t3,
        sum(total_income) as total_income,
        sum(projects)::bigint as projects,
        sum(planned_investment) as planned_investment,
        sum(completed_investment) as completed_investment,
        sum(rated_units)::bigint as rated_units,
        sum(five_star)::bigint as five_star,
        sum(weak_units)::bigint as weak_units,
        sum(tickets)::bigint as tickets,
        sum(satisfied)::bigint as satisfied,
        sum(rated)::bigint as rated,
        sum(problems)::bigint as problems,
        sum(rectified)::bigint as rectified
    from domains
    group by year, town;

-- ---- 报送 ------------------------------------------------------------------------------------

-- 每轮报送中每个村(社区)的状态：按最早一次未撤销的报送是否在截止日（含）之前，分为 submitted / late；
-- 没有未撤销报送的为 missing。时间、报送人、行数、已确认的异常波动取最近一次报送。
create or replace macro round_unit_status(p_round_id) as table
    with this_round as (
        select round_id, town, due from rounds where round_id = p_round_id
    ),
    live as (
        select s.*
        from round_submissions as s
        inner join imports as i on s.import_id = i.import_id
        where s.round_id = p_round_id and i.undone_at is null
    ),
    per_unit as (
        select
            unit,
            min(submitted_at) as first_submitted_at,
            max(submitted_at) as submitted_at,
            arg_max(submitted_by, import_id) as submitted_by,
            arg_max(row_count, import_id) as row_count,
            arg_max(changes_confirmed, import_id) as changes_confirmed,
            count(*) as submissions
        from live
        group by unit
    )
    select
        r.round_id,
        v.name as unit,
        v.kind,
        case
            when p.unit is null then 'missing'
            when cast(p.first_submitted_at as date) <= r.due then 'submitted'
            else 'late'
        end as status,
        p.first_submitted_at,
        p.submitted_at,
        p.submitted_by,
        p.row_count,
        coalesce(p.changes_confirmed, 0) as changes_confirmed,
        coalesce(p.submissions, 0) as submissions
    from this_round as r
    inner join villages as v on v.town = r.town
    left join per_unit as p on v.name = p.unit;
