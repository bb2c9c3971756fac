-- v2 → v3：自助查询的“已保存的查询”：名称、说明、SQL，所有人可见，用 ?q=编号 打开
create sequence saved_query_id_seq start 1;

create table saved_queries (
    id integer primary key default nextval('saved_query_id_seq'),
    name varchar not null check (length(trim(name)) > 0),
    description varchar not null default '',
    sql varchar not null,
    created_at timestamp not null default current_timestamp,
    created_by varchar not null default '本机用户'
);
