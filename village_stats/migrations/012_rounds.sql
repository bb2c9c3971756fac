-- v12：报送任务（rounds）与各村(社区)的报送记录（round_submissions）。
-- 一次报送就是一次普通导入（imports 中的一条），这里记下它属于哪一轮、哪个村、谁报的、确认了几处异常波动；
-- 撤销那次导入即撤销这次报送（状态查询只看未撤销的导入）。
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

-- 每轮报送中每个村(社区)的状态：按最早一次未撤销的报送是否在截止日（含）之前，分为 submitted / late；
-- 没有未撤销报送的为 missing。时间、报送人、行数、已确认的异常波动取最近一次报送。
create macro round_unit_status(p_round_id) as table
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
