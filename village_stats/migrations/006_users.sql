-- v5 → v6：账号与登录。users 存用户名、角色和 scrypt 口令散列（含盐和参数，不可逆）；
-- sign_in_failures 记录登录失败，用于限制尝试次数（刷新页面或重启看板都不会清零）；
-- imports.undone_by 记录谁撤销了导入。只新增表和列，与 v5 新增了哪些表无关。
create table users (
    name varchar primary key check (length(trim(name)) > 0),
    role varchar not null check (role in ('admin', 'viewer')),
    password_hash varchar not null check (password_hash like 'scrypt$%'),
    created_at timestamp not null default current_timestamp,
    created_by varchar not null default '本机用户',
    -- set whenever the password or the role changes: sessions signed in before it end
    changed_at timestamp not null default current_timestamp
);

create table sign_in_failures (
    user_name varchar not null,
    failed_at timestamp not null
);

alter table imports add column undone_by varchar;
