-- v12 → v13：数据库自己的设置（如本镇名称），随数据库一起备份、恢复；init 写入，演示库写入“青溪镇”。
-- 一行一项：key 为设置名，value 为文字。没有记录镇名的旧库仍按 settings.toml 的 [town] name。
create table if not exists app_settings (
    key varchar primary key,
    value varchar not null,
    changed_at timestamp not null default current_timestamp
);
