"""What ad-hoc SQL may name and how each refusal is worded: the tables a user may read, the
masked member_points a user who may not see low scorers reads instead, the statement kinds.

The functions it may call are listed in sql_allowlist.py; sandbox.check_statement applies both.
"""

from __future__ import annotations

from decimal import Decimal

import duckdb

MAX_SQL_CHARS = 100_000
MAX_TREE_DEPTH = 600  # nesting of the parsed statement; deeper than any query a person writes
TOO_DEEP = "查询的表达式嵌套过深（如上千项相加），未运行；请拆分或改用聚合函数。"

STATEMENT_KINDS = {
    "INSERT": "插入数据",
    "UPDATE": "修改数据",
    "DELETE": "删除数据",
    "MERGE_INTO": "合并数据",
    "CREATE": "创建表、视图或其他对象",
    "DROP": "删除表或其他对象",
    "ALTER": "修改表结构",
    "COPY": "读写文件（COPY）",
    "EXPORT": "导出数据库",
    "ATTACH": "挂载其他数据库",
    "DETACH": "卸载数据库",
    "LOAD": "安装或加载扩展",
    "SET": "修改设置（SET、RESET、PRAGMA、USE）",
    "VARIABLE_SET": "设置变量",
    "PRAGMA": "修改设置（PRAGMA）",
    "CALL": "调用过程（CALL、CHECKPOINT）",
    "TRANSACTION": "事务控制",
    "EXPLAIN": "查看执行计划（EXPLAIN）",
    "PREPARE": "预备语句",
    "EXECUTE": "执行预备语句",
    "VACUUM": "整理数据库",
    "MULTI": "多步语句（如未写明取值的 PIVOT）",
}


# What ad-hoc SQL may name. Accounts are not in the file (account_store.py); what is left is
# refused unless it is on these lists: the ledgers and the tables about them a user may read.
# `import_rows` is not here: its `before` column keeps old rows whole, member names and points
# included, around the privacy views. `schema_version` is bookkeeping.
USER_TABLES = frozenset(
    {
        "villages",
        "village_income",
        "projects",
        "star_ratings",
        "service_tickets",
        "problems",
        "member_points",
        "secretary_studios",
        "sage_activities",
        "cadres",
        "imports",
        "saved_queries",
        "ticket_counts",
    }
)
HIDDEN_NAME = "（姓名不公开）"


def member_points_masked(source: str, hide_below: Decimal) -> str:
    """member_points as a user who may not see low scorers sees it: every row of a member who scored
    below `hide_below` in any period carries HIDDEN_NAME instead of the name.

    Any period, not only the latest the page shows: otherwise comparing two periods' names
    would tell who is missing. `source` is a (quoted) table reference we write, never user text.
    """
    if not hide_below.is_finite():
        raise ValueError(f"积分提醒线须为有限的数：{hide_below}")
    limit = format(hide_below, "f")
    return (
        f"select p.* replace (case when exists (select 1 from {source} as l where l.town = p.town "
        f"and l.village = p.village and l.member = p.member and l.total_points < cast('{limit}' as decimal(18, 4))) "
        f"then '{HIDDEN_NAME}' else p.member end as member) from {source} as p"
    )


# the query node kinds a SELECT is made of; a write inside a WITH parses as e.g. DELETE_QUERY_NODE
QUERY_NODES = frozenset({"SELECT_NODE", "SET_OPERATION_NODE", "RECURSIVE_CTE_NODE", "CTE_NODE"})


def privacy_views(con: duckdb.DuckDBPyConnection, hide_below: Decimal | None) -> None:
    """Temporary views that stand in for the protected tables under their own names.

    DuckDB looks names up in the temporary catalog first, `main.member_points` included, and
    the statement check refuses a name qualified with the database's catalog: a user's
    query can reach the table only through the view.
    """
    if hide_below is None:
        return
    catalog = con.execute("select current_database()").fetchone()[0]
    source = f'"{catalog.replace(chr(34), chr(34) * 2)}".main.member_points'
    con.execute(f"create temp view member_points as {member_points_masked(source, hide_below)}")
