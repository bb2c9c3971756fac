-- v4 → v5：党员积分存折、书记工作室、乡贤参与、村干部与后备力量四张台账（见 schema.sql）
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
