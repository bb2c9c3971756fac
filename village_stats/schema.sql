-- 村情看板 数据库结构（当前版本）。金额一律以“元”存储，DECIMAL(18,2)。
-- Current schema. Older files are upgraded by village_stats/migrations/NNN_*.sql;
-- a test checks that a migrated old file ends up with exactly these columns.
-- Enumerations that settings.toml may change (擂台, 工单类型) are checked by
-- validation, not here; fixed vocabularies of the data model are CHECKs.

create table schema_version (
    version integer not null,
    applied_at timestamp not null default current_timestamp
);

create table villages (
    town varchar not null,
    name varchar not null,
    kind varchar not null check (kind in ('村', '社区')),
    area varchar,
    households integer check (households >= 0),
    population integer check (population >= 0),
    party_members integer check (party_members >= 0),
    primary key (town, name)
);

create table village_income (
    year integer not null check (year between 2000 and 2100),
    town varchar not null,
    village varchar not null,
    total_income decimal(18, 2) not null check (total_income >= 0),
    operating_income decimal(18, 2) check (operating_income >= 0 and operating_income <= total_income),
    contract_income decimal(18, 2) check (contract_income >= 0),
    investment_income decimal(18, 2),
    subsidy_income decimal(18, 2) check (subsidy_income >= 0),
    other_income decimal(18, 2) check (other_income >= 0),
    primary key (year, town, village)
);

create table projects (
    -- project_id when the ledger has one, else year|town|name: the data model's key
    project_key varchar primary key,
    project_id varchar unique,
    year integer not null check (year between 2000 and 2100),
    town varchar not null,
    name varchar not null,
    village varchar,
    arena varchar,
    planned_investment decimal(18, 2) not null check (planned_investment >= 0),
    completed_investment decimal(18, 2) check (completed_investment >= 0),
    status varchar check (status in ('谋划', '在建', '完工')),
    leader varchar,
    start_date date
);

create table star_ratings (
    year integer not null check (year between 2000 and 2100),
    town varchar not null,
    village varchar not null,
    stars integer not null check (stars between 0 and 5),
    score decimal(5, 1) check (score between 0 and 100),
    weak boolean not null default false,
    primary key (year, town, village)
);

-- 工单编号不建主键索引（v7 起）：导入时已保证唯一（文件内重复报错，库内按编号更新），
-- 而百万级工单的主键索引使写入多花一倍多时间、库文件大 7 倍（benchmarks/RESULTS.md）
create table service_tickets (
    ticket_id varchar not null,
    town varchar not null,
    village varchar not null,
    grid varchar,
    kind varchar not null,
    category varchar,
    content varchar,
    ordered_at timestamp not null,
    claimed_at timestamp check (claimed_at >= ordered_at),
    dispatched_at timestamp check (dispatched_at >= coalesce(claimed_at, ordered_at)),
    done_at timestamp check (done_at >= coalesce(dispatched_at, claimed_at, ordered_at)),
    rating integer check (rating between 1 and 5),
    member varchar,
    check (rating is null or done_at is not null)
);

create table problems (
    problem_id varchar primary key,
    year integer not null check (year between 2000 and 2100),
    town varchar not null,
    village varchar not null,
    source varchar,
    category varchar check (category in ('共性', '个性')),
    description varchar not null,
    responsible varchar,
    deadline date,
    status varchar not null check (status in ('未整改', '整改中', '已整改')),
    rectified_on date,
    check (status <> '已整改' or rectified_on is not null)
);

-- 党员量化积分（积分存折）：每名党员每个积分周期一行；周期写作 2024、2024-03 或 2024Q1
create table member_points (
    period varchar not null check (regexp_full_match(period, '\d{4}(-(0[1-9]|1[0-2])|Q[1-4])?')),
    town varchar not null,
    village varchar not null,
    member varchar not null,
    base_points decimal(6, 1) check (base_points >= 0),
    bonus_points decimal(6, 1) check (bonus_points >= 0),
    deducted_points decimal(6, 1) check (deducted_points >= 0),
    total_points decimal(6, 1) not null,
    check (
        base_points is null or bonus_points is null or deducted_points is null
        or total_points = base_points + bonus_points - deducted_points
    ),
    primary key (period, town, village, member)
);

-- 书记工作室：每个村(社区)至多一个
create table secretary_studios (
    town varchar not null,
    village varchar not null,
    studio_name varchar not null,
    level varchar check (level in ('市级示范点', '县级', '镇级')),
    established_on date not null,
    focus varchar,
    primary key (town, village)
);

-- 乡贤参与：每次活动一行；数量按条（民意）或起（纠纷）计
create table sage_activities (
    activity_id varchar primary key,
    town varchar not null,
    date date not null,
    village varchar not null,
    sage varchar,
    kind varchar not null check (kind in ('民意收集', '矛盾调解', '献言献策', '政策宣传', '回乡创业')),
    quantity integer not null default 1 check (quantity >= 1),
    description varchar
);

-- 村干部与后备力量
create table cadres (
    town varchar not null,
    village varchar not null,
    name varchar not null,
    role varchar not null check (role in ('两委干部', '后备干部', '党务专员')),
    birth_year integer check (birth_year between 1920 and 2015),
    education varchar check (education in ('初中及以下', '高中/中专', '大专', '本科', '研究生')),
    upgrading boolean not null default false,
    trainings integer check (trainings >= 0),
    primary key (town, village, name)
);

-- 导入历史：每次导入一行；undone_at 非空表示已撤销
create sequence import_id_seq start 1;

create table imports (
    import_id integer primary key default nextval('import_id_seq'),
    imported_at timestamp not null default current_timestamp,
    file_name varchar not null,
    sha256 varchar not null,
    dataset varchar not null,
    sheet varchar,
    year integer,
    rows_inserted integer not null,
    rows_updated integer not null,
    rows_unchanged integer not null,
    warnings json,
    undone_at timestamp,
    -- added in v2 and v6; last so that migrated and new files have the same column order
    imported_by varchar not null default '本机用户',
    undone_by varchar
);

-- 撤销所需的“导入前原值”：before 为空表示该行是本次导入新增的
create table import_rows (
    import_id integer not null,
    table_name varchar not null,
    row_key varchar not null,
    before json
);

-- 自助查询的“已保存的查询”（v3）：所有人可见，用 ?q=编号 打开
create sequence saved_query_id_seq start 1;

create table saved_queries (
    id integer primary key default nextval('saved_query_id_seq'),
    name varchar not null check (length(trim(name)) > 0),
    description varchar not null default '',
    sql varchar not null,
    created_at timestamp not null default current_timestamp,
    created_by varchar not null default '本机用户'
);

-- 账号与登录失败记录不在本文件：见 village_stats/account_store.py（v11 起存于 <数据库>.accounts）

-- 宏（指标规则、筛选范围 scoped_*、汇总）不在本文件：见 queries/_macros.sql，迁移程序在建库后和该文件改动时应用

-- 五单服务工单的月度计数（v9）：每年、镇、村(社区)、类型、月份一行，由工单表算出，不单独导入。
-- 导入、撤销和规模数据生成在改动工单的同一事务里重算受影响的年份（village_stats/ticket_counts.py）；
-- 看板的工单数、各环节数、按月、按镇和满意率都读这张表（全市一年百万工单约十万行），
-- 办结用时的中位数和 P90 仍读工单本身（分位数不能由计数相加得到）。
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

-- 数据库自己的设置（如本镇名称 town），随数据库一起备份、恢复；一行一项
create table app_settings (
    key varchar primary key,
    value varchar not null,
    changed_at timestamp not null default current_timestamp
);

-- 报送任务与各村(社区)的报送记录（v12）；一次报送即一次导入（imports），撤销导入即撤销报送
create table rounds (
    round_id integer primary key,
    dataset varchar not null,
    year integer not null check (year between 2000 and 2100),
    town varchar not null,
    title varchar not null,
    due date not null,
    opened_at timestamp not null default current_timestamp,
    opened_by varchar not null,
    closed_at timestamp,
    closed_by varchar
);

create table round_submissions (
    round_id integer not null,
    unit varchar not null,
    import_id integer not null,
    submitted_at timestamp not null default current_timestamp,
    submitted_by varchar not null,
    row_count integer not null,
    changes_confirmed integer not null default 0,
    primary key (round_id, import_id)
);
