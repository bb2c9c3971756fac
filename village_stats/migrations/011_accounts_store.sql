-- v10 → v11：账号移出分析库。users（含口令散列）和 sign_in_failures 改存在数据库旁的账号库
-- <数据库>.accounts（仅所有者可读写），自助查询打开的文件里不再有任何登录信息。
-- 迁移程序先把两表的行复制到账号库，再执行本脚本，提交后整文件重写，旧散列不留在空闲块中
-- （见 village_stats/db.py 的 ACCOUNTS_MOVED_OUT 与 docs/decisions.md“账号库”）。
drop table users;
drop table sign_in_failures;
