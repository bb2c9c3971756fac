-- v8 → v9：五单服务工单的月度计数 ticket_counts（每年、镇、村(社区)、类型、月份一行）及其两个宏，
-- 与 schema.sql 中的相同（每个迁移各自完整，不引用别的文件），再由已有工单算出全部年份。
-- 之后由导入、撤销和规模数据生成在同一事务里重算受影响的年份（village_stats/ticket_counts.py）。
create table ticket_counts (
    year integer not null,
    town varchar not null,
    village varchar not null,
    kind varchar not null,
    month integer not null,
    tickets bigint not null,     -- 点单数
    claimed bigint not null,     -- 已领单
    dispatched bigint not null,  -- 已派单
    done bigint not null,        -- 已晒单（办结）
    rated bigint not null,       -- 已评单
    satisfied bigint not null,   -- 评单为满意或基本满意（3 分及以上）
    rating_sum bigint not null   -- 评分之和：平均分 = rating_sum / rated
);

-- 点单时间在 p_first_year 至 p_last_year 年的工单，按 ticket_counts 的粒度计数（重算 ticket_counts 用）
create macro counted_tickets(p_first_year, p_last_year) as table
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
        count(*) filter (where t.rating >= 3) as satisfied,
        coalesce(sum(t.rating), 0)::bigint as rating_sum
    from service_tickets as t
    where
        t.ordered_at >= make_timestamp(p_first_year, 1, 1, 0, 0, 0)
        and t.ordered_at < make_timestamp(p_last_year + 1, 1, 1, 0, 0, 0)
    group by all;

-- 筛选范围内某年的工单计数，范围规则与 scoped_tickets 相同
create macro scoped_ticket_counts(p_year, p_town, p_area, p_villages) as table
    select c.*
    from ticket_counts as c
    where
        c.year = p_year
        and p_area is null
        and p_villages is null
        and (p_town is null or c.town = p_town)
    union all
    select c.*
    from ticket_counts as c
    inner join scoped_units(p_town, p_area, p_villages) as u
        on c.town = u.town and c.village = u.village
    where
        c.year = p_year
        and (p_area is not null or p_villages is not null);

insert into ticket_counts
select *
from counted_tickets(
    (select min(year(ordered_at)) from service_tickets)::integer,
    (select max(year(ordered_at)) from service_tickets)::integer
)
order by year;  -- each year's rows together: a page reads one year and DuckDB skips the blocks of the others
