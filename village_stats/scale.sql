-- 规模测试数据：县、市两级的虚构台账，整库在 DuckDB 内按 range() 生成（不逐行走 Python）。
-- Synthetic county/city data for the scale benchmarks. village_stats/scale.py sets the
-- variables below with SET VARIABLE (bound values) and runs this file on a fresh database
-- that already has schema.sql. Every value is a deterministic function of a row number:
-- u01(row, salt) is a pseudo-random number in [0, 1) from DuckDB's hash(), so the same
-- sizes always give the same database.
--   towns, villages_per_town, first_year, years, projects, tickets, problems (integers)
--   arenas, ticket_kinds (varchar[] from settings)

create temp macro u01(n, salt) as (hash(n, salt) % 1000003) / 1000003.0;

-- 从列表中按 [0,1) 的数取一项
create temp macro pick(items, x) as items[1 + least(floor(x * len(items))::integer, len(items) - 1)];

create temp macro person(n, salt) as
    pick(['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周', '徐', '孙', '马', '朱', '胡', '郭', '何', '林'], u01(n, salt))
    || pick(['建国', '秀英', '国强', '丽', '伟', '芳', '海峰', '红梅', '志刚', '晓燕', '明', '婷', '俊', '春花', '立新', '静'], u01(n, salt + 1));

-- 镇(街道)：两字名 + 镇，每十个有一个街道
create temp table scale_towns as
select
    t as town_no,
    pick(['青', '东', '西', '南', '北', '金', '银', '白', '石', '龙', '凤', '桃', '柳', '松', '梅'], (t % 15) / 15.0)
    || pick(['溪', '山', '湖', '桥', '塘', '岭', '浦', '港', '湾', '坪'], ((t // 15) % 10) / 10.0)
    || case when t % 10 = 9 then '街道' else '镇' end as town
from range(getvariable('towns')) as r (t);

-- 村(社区)：每镇末两个为社区；名字第二字按序号取，同镇不重名
create temp table scale_units as
with numbered as (
    select
        t.town_no,
        t.town,
        v as unit_in_town,
        t.town_no * getvariable('villages_per_town') + v as unit_no,
        v >= getvariable('villages_per_town') - 2 as is_community
    from scale_towns as t
    cross join range(getvariable('villages_per_town')) as r (v)
)
select
    unit_no,
    town_no,
    town,
    pick(['上', '下', '前', '后', '大', '小', '新', '老', '中', '高', '横', '长'], u01(unit_no, 1))
    || ['庄', '岙', '垟', '坑', '埠', '塘', '岭', '湾', '坞', '桥', '洋', '头', '田', '店', '港', '墩', '园', '林', '堡', '渡',
        '岗', '浜', '泾', '汇', '滩', '畈', '湖', '坪', '峰', '洲'][1 + unit_in_town % 30]
    || case when is_community then '社区' else '村' end as name,
    case when is_community then '社区' else '村' end as kind,
    ['东片', '南片', '西片', '北片'][1 + unit_in_town % 4] as area
from numbered;

insert into villages (town, name, kind, area, households, population, party_members)
select
    town,
    name,
    kind,
    area,
    (300 + u01(unit_no, 2) * 1200)::integer as households,
    ((300 + u01(unit_no, 2) * 1200) * (2.6 + u01(unit_no, 3)))::integer as population,
    ((300 + u01(unit_no, 2) * 1200) * (0.12 + u01(unit_no, 4) * 0.08))::integer as party_members
from scale_units
order by unit_no;

-- 村级集体经济收入：每个单位每年一行；总收入逐年略增，各项之和等于总收入，经营性收入不超过总收入
insert into village_income
with base as (
    select
        y.year,
        u.town,
        u.name as village,
        round((60000 + pow(u01(u.unit_no * 100 + y.year, 10), 2) * 1600000) * (1 + 0.06 * (y.year - getvariable('first_year'))), 2)
            as total_income,
        u01(u.unit_no * 100 + y.year, 11) as a,
        u01(u.unit_no * 100 + y.year, 12) as b,
        u01(u.unit_no * 100 + y.year, 13) as c
    from scale_units as u
    cross join (select getvariable('first_year') + i as year from range(getvariable('years')) as r (i)) as y
),

parts as (
    select
        *,
        round(total_income * (0.30 + 0.15 * a), 2) as contract_income,
        round(total_income * case when c < 0.05 then -0.02 else 0.15 * b end, 2) as investment_income,
        round(total_income * (0.05 + 0.20 * c), 2) as subsidy_income
    from base
)

select
    year,
    town,
    village,
    total_income,
    contract_income + greatest(investment_income, 0) as operating_income,
    contract_income,
    investment_income,
    subsidy_income,
    total_income - contract_income - investment_income - subsidy_income as other_income
from parts
order by year, town, village;

-- 达标创星：每个单位每年一行
insert into star_ratings
with base as (
    select
        y.year,
        u.town,
        u.name as village,
        u01(u.unit_no * 100 + y.year, 20) as x,
        u01(u.unit_no * 100 + y.year, 21) as z
    from scale_units as u
    cross join (select getvariable('first_year') + i as year from range(getvariable('years')) as r (i)) as y
),

rated as (
    select
        *,
        case when x < 0.35 then 5 when x < 0.60 then 4 when x < 0.80 then 3 when x < 0.90 then 2 when x < 0.95 then 1 else 0 end
            as stars
    from base
)

select
    year,
    town,
    village,
    stars,
    round(60 + stars * 7 + z * 5, 1)::decimal(5, 1) as score,
    stars <= 1 and z < 0.3 as weak
from rated
order by year, town, village;

-- 揭榜挂帅项目：约一成为镇级项目（所属村为空）
insert into projects
with base as (
    select
        i,
        getvariable('first_year') + i // (getvariable('projects') // getvariable('years')) as year,
        i % (getvariable('projects') // getvariable('years')) as k,
        (hash(i, 30) % (select count(*) from scale_units))::integer as unit_no,
        u01(i, 31) < 0.1 as town_level,
        u01(i, 32) as s,
        u01(i, 33) as m
    from range((getvariable('projects') // getvariable('years')) * getvariable('years')) as r (i)
),

shaped as (
    select
        b.*,
        u.town,
        case when b.town_level then null else u.name end as village,
        pick(getvariable('arenas'), u01(b.i, 34)) as arena,
        round(200000 + pow(m, 2) * 30000000, -2)::decimal(18, 2) as planned,
        case when s < 0.15 then '谋划' when s < 0.55 then '在建' else '完工' end as status
    from base as b
    inner join scale_units as u on b.unit_no = u.unit_no
)

select
    'XM' || year || '-' || lpad(k::varchar, 5, '0') as project_key,
    'XM' || year || '-' || lpad(k::varchar, 5, '0') as project_id,
    year,
    town,
    coalesce(regexp_replace(village, '(村|社区)$', ''), regexp_replace(town, '(镇|街道)$', ''))
    || pick(['村道提升', '文化礼堂', '污水治理', '农房改造', '共富工坊', '养老服务中心', '党群服务中心', '农田水利', '美丽庭院', '产业园区',
             '停车场建设', '河道清淤', '路灯亮化', '公园绿地', '民宿集群'], u01(i, 35)) || '项目' as name,
    village,
    arena,
    planned as planned_investment,
    case status when '完工' then planned when '在建' then round(planned * u01(i, 36), 2) else 0 end as completed_investment,
    status,
    person(i, 37) as leader,
    case when status = '谋划' then null else make_date(year, 1, 1) + (u01(i, 39) * 300)::integer end as start_date
from shaped
order by year, k;

-- 五单服务工单：按点单时间顺序生成（同一年的工单在文件中相邻，按时间过滤时可跳过整段）
insert into service_tickets
with base as (
    select
        i,
        getvariable('first_year') + i // (getvariable('tickets') // getvariable('years')) as year,
        i % (getvariable('tickets') // getvariable('years')) as k,
        (hash(i, 40) % (select count(*) from scale_units))::integer as unit_no,
        u01(i, 41) as x,
        u01(i, 42) as d,
        u01(i, 43) as r
    from range((getvariable('tickets') // getvariable('years')) * getvariable('years')) as r (i)
),

timed as (
    select
        b.*,
        make_timestamp(b.year, 1, 1, 0, 0, 0)
        + to_seconds((k * (365 * 86400 // (getvariable('tickets') // getvariable('years'))))::bigint) as ordered_at,
        -- 最后一年年末的工单有一部分尚未办结
        b.year = getvariable('first_year') + getvariable('years') - 1 and k > 0.85 * (getvariable('tickets') // getvariable('years'))
        and d < 0.5 as still_open
    from base as b
),

steps as (
    select
        t.*,
        u.town,
        u.name as village,
        t.ordered_at + to_seconds((600 + x * 43200)::bigint) as claimed_at,
        t.ordered_at + to_seconds((3600 + x * 86400)::bigint) as dispatched_at,
        t.ordered_at + to_seconds((7200 + x * 86400 + pow(d, 3) * 86400 * 20)::bigint) as done_at
    from timed as t
    inner join scale_units as u on t.unit_no = u.unit_no
)

select
    'GD' || year || lpad(k::varchar, 7, '0') as ticket_id,
    town,
    village,
    '第' || (1 + hash(i, 44) % 8) || '网格' as grid,
    case
        when x < 0.08 then getvariable('ticket_kinds')[1]
        when x < 0.20 then getvariable('ticket_kinds')[2]
        else getvariable('ticket_kinds')[len(getvariable('ticket_kinds'))]
    end as kind,
    pick(['民生保障', '基础设施', '住房安全', '环境卫生', '矛盾调解', '就业创业', '医疗养老', '证照代办'], u01(i, 45)) as category,
    pick(['帮办社保续缴', '路灯维修', '危房排查', '垃圾清运', '邻里纠纷调解', '代办残疾证', '慢病配药代办', '水管抢修'], u01(i, 45))
        as content,
    ordered_at,
    case when still_open and d < 0.1 then null else claimed_at end as claimed_at,
    case when still_open and d < 0.3 then null else dispatched_at end as dispatched_at,
    case when still_open then null else done_at end as done_at,
    case
        when still_open or r >= 0.9 then null
        when r < 0.75 then 5
        when r < 0.84 then 4
        when r < 0.88 then 3
        when r < 0.89 then 2
        else 1
    end as rating,
    person(i, 46) as member
from steps
order by i;

-- 问题整改台账：往年基本整改完毕，最后一年有整改中和未整改的
insert into problems
with base as (
    select
        i,
        getvariable('first_year') + i // (getvariable('problems') // getvariable('years')) as year,
        i % (getvariable('problems') // getvariable('years')) as k,
        (hash(i, 50) % (select count(*) from scale_units))::integer as unit_no,
        u01(i, 51) as s,
        u01(i, 52) as d
    from range((getvariable('problems') // getvariable('years')) * getvariable('years')) as r (i)
),

shaped as (
    select
        b.*,
        u.town,
        u.name as village,
        make_date(b.year, 3, 1) + (d * 270)::integer as deadline,
        case
            when b.year < getvariable('first_year') + getvariable('years') - 1 then case when s < 0.97 then '已整改' else '整改中' end
            when s < 0.60 then '已整改'
            when s < 0.85 then '整改中'
            else '未整改'
        end as status
    from base as b
    inner join scale_units as u on b.unit_no = u.unit_no
)

select
    'WT' || year || lpad(k::varchar, 6, '0') as problem_id,
    year,
    town,
    village,
    pick(['党建体检', '党建体检', '述职评议', '集中督查', '交叉互查'], u01(i, 53)) as source,
    case when u01(i, 54) < 0.3 then '共性' else '个性' end as category,
    pick(['三会一课记录不规范', '党员积分台账不全', '村务公开不及时', '集体资产台账缺失', '网格员走访不到位', '议事协商流于形式',
          '发展党员程序不规范', '财务报销手续不全'], u01(i, 55)) as description,
    person(i, 56) as responsible,
    deadline,
    status,
    case when status = '已整改' then deadline - (u01(i, 57) * 60)::integer end as rectified_on
from shaped
order by year, k;

-- 党员积分存折：最近两年按季度，每个单位 points_members 名党员；总积分 = 基础分 + 加分 − 扣分
-- 姓名在同一单位内不重复：姓按序号取，名按序号和单位号错开
insert into member_points (period, town, village, member, base_points, bonus_points, deducted_points, total_points)
with periods as (
    select (getvariable('first_year') + getvariable('years') - 2 + q // 4) || 'Q' || (1 + q % 4) as period, q
    from range(8) as r (q)
),

members as (
    select
        u.unit_no,
        u.town,
        u.name as village,
        m,
        ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周', '徐', '孙', '马', '朱', '胡', '郭', '何', '林'][1 + m % 18]
        || ['建国', '秀英', '国强', '丽', '伟', '芳', '海峰', '红梅', '志刚', '晓燕', '明', '婷', '俊', '春花', '立新', '静']
            [1 + (m * 7 + u.unit_no) % 16] as member
    from scale_units as u
    cross join range(getvariable('points_members')) as r (m)
),

scored as (
    select
        p.period,
        m.town,
        m.village,
        m.member,
        60.0::decimal(6, 1) as base_points,
        round(u01(m.unit_no * 1000 + m.m * 10 + p.q, 50) * 30 * (0.6 + 0.4 * u01(m.unit_no, 51)), 1)::decimal(6, 1)
            as bonus_points,
        case
            when u01(m.unit_no * 1000 + m.m * 10 + p.q, 52) < 0.12
                then round(5 + u01(m.unit_no * 1000 + m.m * 10 + p.q, 53) * 25, 1)
            else 0
        end::decimal(6, 1) as deducted_points
    from members as m
    cross join periods as p
)

select
    period,
    town,
    village,
    member,
    base_points,
    bonus_points,
    deducted_points,
    base_points + bonus_points - deducted_points as total_points
from scored
order by period, town, village, member;

-- 书记工作室：约四成单位，从第一年起陆续成立；星级高的单位更早
insert into secretary_studios (town, village, studio_name, level, established_on, focus)
select
    u.town,
    u.name as village,
    regexp_replace(u.name, '(村|社区)$', '') || '书记工作室' as studio_name,
    case when u01(u.unit_no, 61) < 0.1 then '市级示范点' when u01(u.unit_no, 61) < 0.4 then '县级' else '镇级' end as level,
    make_date(getvariable('first_year'), 1, 1) + (u01(u.unit_no, 62) * 365 * getvariable('years'))::integer
        as established_on,
    pick(['重点项目', '乡村振兴', '基层治理', '提升服务'], u01(u.unit_no, 63)) as focus
from scale_units as u
where u01(u.unit_no, 60) < 0.4
order by u.town, u.name;

-- 乡贤参与：每个单位每年 sages_per_unit_year 次，由本村三位乡贤之一参与；民意和纠纷为主
insert into sage_activities (activity_id, town, date, village, sage, kind, quantity, description)
with base as (
    select
        u.unit_no,
        u.town,
        u.name as village,
        y.year,
        j,
        (u.unit_no * 100 + y.year - getvariable('first_year')) * 100 + j as n
    from scale_units as u
    cross join (select getvariable('first_year') + i as year from range(getvariable('years')) as r (i)) as y
    cross join range(getvariable('sages_per_unit_year')) as r (j)
)

select
    'XX' || year || '-' || lpad(unit_no::varchar, 5, '0') || '-' || lpad(j::varchar, 2, '0') as activity_id,
    town,
    make_date(year, 1, 1) + (u01(n, 70) * 364)::integer as date,
    village,
    person(unit_no * 10 + j % 3, 71) as sage,
    case
        when u01(n, 72) < 0.45 then '民意收集'
        when u01(n, 72) < 0.75 then '矛盾调解'
        else pick(['献言献策', '政策宣传', '回乡创业'], u01(n, 73))
    end as kind,
    1 + (u01(n, 74) * 4)::integer as quantity,
    '乡贤参与村级事务' as description
from base
order by year, town, village, j;

-- 村干部与后备力量：每个单位五名两委干部、一名党务专员，约九成单位有一到两名后备干部
insert into cadres (town, village, name, role, birth_year, education, upgrading, trainings)
with slots as (
    select
        u.unit_no,
        u.town,
        u.name as village,
        k,
        case when k < 5 then '两委干部' when k = 5 then '党务专员' else '后备干部' end as role
    from scale_units as u
    cross join range(8) as r (k)
    where k < 6 or (u01(u.unit_no, 80) >= 0.1 and (k = 6 or u01(u.unit_no, 81) < 0.5))
)

select
    town,
    village,
    ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周', '徐', '孙', '马', '朱', '胡', '郭', '何', '林'][1 + (k + unit_no) % 18]
    || ['建国', '秀英', '国强', '丽', '伟', '芳', '海峰', '红梅', '志刚', '晓燕', '明', '婷', '俊', '春花', '立新', '静']
        [1 + k] as name,
    role,
    case when role = '后备干部' then 1988 else 1962 end + (u01(unit_no * 10 + k, 82) * 20)::integer as birth_year,
    pick(['初中及以下', '高中/中专', '大专', '本科', '研究生'], 0.1 + u01(unit_no * 10 + k, 83) * 0.85) as education,
    u01(unit_no * 10 + k, 84) < 0.2 as upgrading,
    (u01(unit_no * 10 + k, 85) * 6)::integer as trainings
from slots
order by town, village, k;
