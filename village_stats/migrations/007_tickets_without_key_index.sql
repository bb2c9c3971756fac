-- v6 → v7：工单表去掉主键索引。工单编号的唯一由导入保证（文件内重复报错，库内按编号更新）；
-- 百万级工单的主键索引让写入多花一倍多时间、库文件大约 7 倍。DuckDB 不能删除主键约束，故重建此表。
create table service_tickets_v7 (
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

insert into service_tickets_v7 select * from service_tickets;
drop table service_tickets;
alter table service_tickets_v7 rename to service_tickets;
