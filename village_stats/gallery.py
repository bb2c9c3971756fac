"""What the 自助查询 page offers to start from: example questions, saved queries, the tables, and menus.

- `EXAMPLES`: questions staff and leaders ask, in Chinese, each a working query
  against the real tables (a test runs every one in the sandbox on the demo town).
- Saved queries: name, description and SQL in the `saved_queries` table, listed
  for everyone; `?q=<id>` opens one.
- `catalog`: every table with its columns described from the data model
  (datasets.py), for the table browser.
- `build_query`: a SELECT from menus (table, filters, group-by, aggregate) for
  people who write no SQL. Tables and columns must be in the data model, values
  are parsed to their column's type and written as SQL literals, so no text a
  user typed reaches the SQL unparsed; the result is shown so people can learn.

Pure (no Streamlit); every statement built or saved here still runs through
`sandbox`, which is what makes running it safe.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

import duckdb
import pandas as pd

from village_stats.datasets import DATASETS, IMPORT_ORDER, Column, Dataset
from village_stats.db import Database
from village_stats.errors import VillageStatsError
from village_stats.sandbox import USER_TABLES, check_statement, member_points_masked

# ---- example questions -----------------------------------------------------------------------


@dataclass(frozen=True)
class Example:
    title: str
    sql: str


EXAMPLES: tuple[Example, ...] = (
    Example(
        "哪些村村财收入不足20万且今年没有项目",
        """\
-- 哪些村村财收入不足20万且今年没有项目
-- “今年”取数据中最近的年度；要查别的年度，把 max(year) 换成年份，如 2023
with this_year as (
    select max(year) as year from village_income
),

low_income as (
    select
        i.year,
        i.town,
        i.village,
        i.total_income
    from village_income as i
    inner join villages as v on i.town = v.town and i.village = v.name
    inner join this_year as y on i.year = y.year
    where v.kind = '村' and i.total_income < 200000  -- 金额以元存储：20万 = 200000
)

select
    l.year as "年度",
    l.village as "村",
    round(l.total_income / 10000, 2) as "村财收入(万元)"
from low_income as l
where not exists (
    select 1
    from projects as p
    where p.year = l.year and p.town = l.town and p.village = l.village
)
order by l.total_income
""",
    ),
    Example(
        "最近一年各村(社区)村财收入排名",
        """\
-- 最近一年各村(社区)村财收入排名（万元）
select
    rank() over (order by i.total_income desc) as "排名",
    i.village as "村(社区)",
    v.kind as "类型",
    v.area as "片区",
    round(i.total_income / 10000, 2) as "村财收入(万元)",
    round(i.operating_income / 10000, 2) as "经营性收入(万元)"
from village_income as i
inner join villages as v on i.town = v.town and i.village = v.name
where i.year = (select max(year) from village_income)
order by i.total_income desc
""",
    ),
    Example(
        "历年村财收入分档的村数",
        """\
-- 历年村财收入分档的村数（只计“村”，不含社区）
select
    i.year as "年度",
    count(*) filter (where i.total_income < 200000) as "不足20万",
    count(*) filter (where i.total_income >= 200000 and i.total_income < 500000) as "20万-50万",
    count(*) filter (where i.total_income >= 500000 and i.total_income < 1000000) as "50万-100万",
    count(*) filter (where i.total_income >= 1000000) as "100万以上",
    count(*) as "合计"
from village_income as i
inner join villages as v on i.town = v.town and i.village = v.name
where v.kind = '村'
group by i.year
order by i.year
""",
    ),
    Example(
        "最近一年各村(社区)村财收入比上年增减",
        """\
-- 最近一年各村(社区)村财收入比上年增减（万元），减少最多的在前
with incomes as (
    select
        year,
        village,
        total_income,
        lag(total_income) over (partition by town, village order by year) as previous_income
    from village_income
)

select
    village as "村(社区)",
    round(previous_income / 10000, 2) as "上年(万元)",
    round(total_income / 10000, 2) as "今年(万元)",
    round((total_income - previous_income) / 10000, 2) as "增减(万元)",
    round(100 * (total_income - previous_income) / nullif(previous_income, 0), 1) as "增幅(%)"
from incomes
where year = (select max(year) from village_income)
order by total_income - previous_income nulls last
""",
    ),
    Example(
        "最近一年各擂台的项目数和投资",
        """\
-- 最近一年各擂台的项目数、计划总投资和完成率
select
    coalesce(arena, '未分类') as "擂台",
    count(*) as "项目数",
    round(sum(planned_investment) / 10000, 2) as "计划总投资(万元)",
    round(sum(completed_investment) / 10000, 2) as "已完成投资(万元)",
    round(100 * sum(completed_investment) / nullif(sum(planned_investment), 0), 1) as "完成率(%)"
from projects
where year = (select max(year) from projects)
group by all
order by sum(planned_investment) desc
""",
    ),
    Example(
        "各村(社区)项目数和计划总投资（最近一年）",
        """\
-- 各村(社区)项目数和计划总投资（最近一年；所属村为空的是镇级项目）
select
    coalesce(village, '镇级项目') as "村(社区)",
    count(*) as "项目数",
    round(sum(planned_investment) / 10000, 2) as "计划总投资(万元)"
from projects
where year = (select max(year) from projects)
group by all
order by sum(planned_investment) desc
""",
    ),
    Example(
        "最近一年的五星级村(社区)",
        """\
-- 最近一年评定为五星级的村(社区)，及其上一次评定的星级
with ratings as (
    select
        year,
        village,
        stars,
        score,
        lag(stars) over (partition by town, village order by year) as previous_stars
    from star_ratings
)

select
    village as "村(社区)",
    score as "评分",
    previous_stars as "上次星级"
from ratings
where year = (select max(year) from star_ratings) and stars = 5
order by score desc nulls last
""",
    ),
    Example(
        "各年各类工单的数量、满意率和办结用时",
        """\
-- 各年各类工单的数量、满意率（评分≥3）和办结用时中位数（小时）
select
    year(ordered_at) as "年度",
    kind as "类型",
    count(*) as "工单数",
    count(done_at) as "已办结",
    round(100 * count(*) filter (where rating >= 3) / nullif(count(rating), 0), 1) as "满意率(%)",
    round(median(epoch(done_at - ordered_at) / 3600), 1) as "办结用时中位数(小时)"
from service_tickets
group by all
order by 1, 2
""",
    ),
    Example(
        "逾期未整改的问题",
        """\
-- 逾期未整改的问题：整改时限已过、还没有“已整改”
select
    village as "村(社区)",
    source as "问题来源",
    description as "问题描述",
    responsible as "责任人",
    deadline as "整改时限",
    status as "整改状态",
    current_date - deadline as "逾期天数"
from problems
where status <> '已整改' and deadline < current_date
order by deadline
""",
    ),
    Example(
        "各片区的村数、户数、人口和党员数",
        """\
-- 各片区的村(社区)数、户数、人口和党员数
select
    coalesce(area, '未分片') as "片区",
    count(*) filter (where kind = '村') as "村数",
    count(*) filter (where kind = '社区') as "社区数",
    sum(households) as "户数",
    sum(population) as "人口",
    sum(party_members) as "党员数"
from villages
group by all
order by 1
""",
    ),
)


# ---- saved queries ---------------------------------------------------------------------------


class SaveRefused(VillageStatsError, ValueError):
    """A query that cannot be saved as given (no name, too long, not a single SELECT)."""

    code = "save-refused"


@dataclass(frozen=True)
class SavedQuery:
    id: int
    name: str
    description: str
    sql: str
    created_at: datetime
    created_by: str


def save_query(database: Database, name: str, description: str, sql: str, user: str) -> int:
    """Store a query for everyone; its id is what `?q=` takes."""
    name, description = name.strip(), description.strip()
    if not name:
        raise SaveRefused("请给查询起个名称。")
    if len(name) > 60 or len(description) > 500:
        raise SaveRefused("名称最多 60 个字，说明最多 500 个字。")
    check_statement(sql)  # a statement the sandbox would refuse is not worth keeping
    with database.write() as con:
        row = con.execute(
            "insert into saved_queries (name, description, sql, created_by) "
            "values ($name, $description, $sql, $user) returning id",
            {"name": name, "description": description, "sql": sql.strip(), "user": user},
        ).fetchone()
    return int(row[0])


def saved_queries(cur: duckdb.DuckDBPyConnection) -> list[SavedQuery]:
    """Every saved query, newest first."""
    rows = cur.execute(
        "select id, name, description, sql, created_at, created_by from saved_queries order by id desc"
    ).fetchall()
    return [SavedQuery(*row) for row in rows]


def saved_frame(saved: list[SavedQuery]) -> pd.DataFrame:
    """The saved queries as the page lists them, each with its `?q=` link."""
    return pd.DataFrame(
        {
            "编号": [q.id for q in saved],
            "名称": [q.name for q in saved],
            "说明": [q.description for q in saved],
            "保存人": [q.created_by for q in saved],
            "保存时间": [f"{q.created_at:%Y-%m-%d %H:%M}" for q in saved],
            "链接": [f"?q={q.id}" for q in saved],
        }
    )


def saved_query(cur: duckdb.DuckDBPyConnection, query_id: object) -> SavedQuery | None:
    """The saved query `query_id` (as a URL gives it: text), or None."""
    try:
        wanted = int(str(query_id))
    except ValueError:
        return None
    row = cur.execute(
        "select id, name, description, sql, created_at, created_by from saved_queries where id = $id", {"id": wanted}
    ).fetchone()
    return SavedQuery(*row) if row else None


# ---- the tables ------------------------------------------------------------------------------

# Tables that are not ledgers: what they hold and what their columns mean.
OTHER_TABLES: dict[str, tuple[str, dict[str, str]]] = {
    "saved_queries": (
        "已保存的查询",
        {
            "id": "编号（链接 ?q=编号 打开）",
            "name": "名称",
            "description": "说明",
            "sql": "查询语句",
            "created_at": "保存时间",
            "created_by": "保存人",
        },
    ),
    "imports": (
        "导入记录",
        {
            "import_id": "导入编号",
            "imported_at": "导入时间",
            "file_name": "文件名",
            "sha256": "原件的 sha256（archive/ 中的文件名）",
            "dataset": "数据集",
            "sheet": "工作表",
            "year": "年度",
            "rows_inserted": "新增行数",
            "rows_updated": "更新行数",
            "rows_unchanged": "未变行数",
            "warnings": "提醒（JSON）",
            "undone_at": "撤销时间（空表示有效）",
            "imported_by": "操作人",
            "undone_by": "撤销人",
        },
    ),
    "import_rows": (
        "导入前原值（撤销用）",
        {
            "import_id": "导入编号",
            "table_name": "表名",
            "row_key": "记录的键（JSON）",
            "before": "导入前的原值（JSON；空表示该行是导入新增的）",
        },
    ),
    "ticket_counts": (
        "五单服务工单月度计数（由工单表算出，随导入和撤销更新）",
        {
            "year": "年度（点单时间所在年）",
            "town": "镇(街道)",
            "village": "村(社区)",
            "kind": "工单类型",
            "month": "月份（点单时间所在月）",
            "tickets": "点单数（件）",
            "claimed": "已领单数",
            "dispatched": "已派单数",
            "done": "已晒单（办结）数",
            "rated": "已评单数",
            "satisfied": "评为满意或基本满意（3分及以上）的单数",
            "rating_sum": "评分之和：除以已评单数为平均分",
        },
    ),
    "schema_version": ("数据库结构版本", {"version": "版本号", "applied_at": "升级时间"}),
}
EXTRA_COLUMNS = {("projects", "project_key"): "项目键：有项目编号用编号，否则为 年度|镇|项目名称"}


@dataclass(frozen=True)
class ColumnInfo:
    name: str
    type: str  # DuckDB's type
    label: str  # the Chinese name
    description: str


@dataclass(frozen=True)
class TableInfo:
    name: str
    title: str
    rows: int
    columns: tuple[ColumnInfo, ...]

    def columns_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "列名": [c.name for c in self.columns],
                "中文名": [c.label for c in self.columns],
                "说明": [c.description for c in self.columns],
                "类型": [c.type for c in self.columns],
            }
        )


def _label(column: Column) -> str:
    """The column's Chinese name; money says 元, the unit it is stored in (templates ask for 万元)."""
    return f"{column.header.removesuffix('(万元)')}(元)" if column.kind == "money" else column.header


def _describe(column: Column) -> str:
    words = column.description or column.header
    if column.kind == "money":
        return f"{words}；库中以元存储，除以 10000 为万元"
    if column.unit:
        return f"{words}（{column.unit}）"
    return words


def _order(table: str) -> tuple[int, str]:
    ledgers = [DATASETS[name].table for name in IMPORT_ORDER]
    if table in ledgers:
        return ledgers.index(table), table
    others = list(OTHER_TABLES)
    return len(ledgers) + (others.index(table) if table in others else len(others)), table


def catalog(cur: duckdb.DuckDBPyConnection) -> list[TableInfo]:
    """Every table of the database, ledgers first, with row counts and columns described in Chinese."""
    found = cur.execute(
        "select table_name, column_name, data_type from information_schema.columns "
        "where table_schema = 'main' and table_name in "
        "(select table_name from information_schema.tables where table_schema = 'main' and table_type = 'BASE TABLE') "
        "order by table_name, ordinal_position"
    ).fetchall()
    by_table: dict[str, list[tuple[str, str]]] = {}
    for table, column, kind in found:
        if table in USER_TABLES:  # what ad-hoc SQL may query, no more
            by_table.setdefault(table, []).append((column, kind))
    ledgers = {d.table: d for d in DATASETS.values()}
    tables = []
    for table in sorted(by_table, key=_order):
        dataset = ledgers.get(table)
        title, notes = OTHER_TABLES.get(table, (table, {}))
        columns = []
        for name, kind in by_table[table]:
            defined = _column(dataset, name) if dataset else None
            if defined:
                label, description = _label(defined), _describe(defined)
            else:
                label = description = EXTRA_COLUMNS.get((table, name)) or notes.get(name, "")
            columns.append(ColumnInfo(name, kind, label, description))
        rows = cur.execute(f"select count(*) from {quote_identifier(table)}").fetchone()[0]
        tables.append(TableInfo(table, dataset.title if dataset else title, int(rows), tuple(columns)))
    return tables


def sample(
    cur: duckdb.DuckDBPyConnection, table: TableInfo, rows: int = 5, hide_names_below: Decimal | None = None
) -> pd.DataFrame:
    """The first rows of a table from `catalog`, member names hidden as ad-hoc SQL hides them."""
    source = quote_identifier(table.name)
    if table.name == "member_points" and hide_names_below is not None:
        source = f"({member_points_masked(source, hide_names_below)})"
    return cur.execute(f"select * from {source} limit {int(rows)}").df()


def _column(dataset: Dataset, name: str) -> Column | None:
    return next((c for c in dataset.columns if c.name == name), None)


# ---- a query from menus ----------------------------------------------------------------------


class BuildError(VillageStatsError, ValueError):
    """A menu choice or typed value that does not make a query; the message says which, in Chinese."""

    code = "bad-menu-choice"


OPERATORS: dict[str, str] = {
    "=": "等于",
    "<>": "不等于",
    ">": "大于",
    ">=": "大于等于",
    "<": "小于",
    "<=": "小于等于",
    "contains": "包含",
    "year": "年份是",
    "is null": "为空",
    "is not null": "不为空",
}
AGGREGATES: dict[str, str] = {
    "count": "计数",
    "count_distinct": "去重计数",
    "sum": "合计",
    "avg": "平均",
    "min": "最小",
    "max": "最大",
}
_NUMERIC = {"integer", "year", "stars", "rating", "money", "decimal", "points", "deduction", "birth_year"}
_TEXTUAL = {"text", "village", "choice", "period"}
_WAN = Decimal(10_000)


@dataclass(frozen=True)
class Filter:
    column: str
    operator: str
    value: str | None = None


def menu_tables() -> list[Dataset]:
    """The tables the menus offer: the ledgers, in import order."""
    return [DATASETS[name] for name in IMPORT_ORDER]


def operators_for(column: Column) -> list[str]:
    """The filter operators that make sense for a column."""
    if column.kind in _NUMERIC:
        return ["=", "<>", ">", ">=", "<", "<=", "is null", "is not null"]
    if column.kind in ("date", "timestamp"):
        return ["year", "=", ">", ">=", "<", "<=", "is null", "is not null"]
    if column.kind == "boolean":
        return ["=", "is null", "is not null"]
    return ["=", "<>", "contains", "is null", "is not null"]


def value_hint(column: Column, operator: str) -> str:
    """What to type in a filter's value box."""
    if operator == "year":
        return "年份，如 2024"
    if operator == "contains":
        return "要包含的文字"
    hints = {
        "money": "万元，如 20",
        "date": "日期，如 2024-06-30",
        "timestamp": "日期，如 2024-06-30",
        "boolean": "是 或 否",
        "decimal": "数字",
    }
    return hints.get(column.kind, "整数" if column.kind in _NUMERIC else "文字")


def groupable(column: Column) -> bool:
    return column.kind not in ("money", "decimal", "timestamp") and column.name not in ("content", "description")


def measurable(column: Column) -> bool:
    return column.kind in _NUMERIC


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    """A SQL string literal: quotes doubled (DuckDB has no backslash escapes in '…')."""
    if "\x00" in text:
        raise BuildError("输入的内容中有无法识别的字符。")
    return "'" + text.replace("'", "''") + "'"


def _number(column: Column, text: str) -> Decimal:
    cleaned = text.strip().replace(",", "").replace("，", "")
    if column.kind == "money":
        cleaned = cleaned.removesuffix("万元").removesuffix("万")
    try:
        value = Decimal(cleaned)
    except InvalidOperation as error:
        unit = "（万元）" if column.kind == "money" else ""
        raise BuildError(f"“{column.header}”要填数字{unit}，“{text}”不是数字。") from error
    if not value.is_finite():
        raise BuildError(f"“{column.header}”要填数字，“{text}”不是有效的数字。")
    if column.kind in ("integer", "year", "stars", "rating", "birth_year") and value != value.to_integral_value():
        raise BuildError(f"“{column.header}”要填整数，“{text}”不是整数。")
    return value


def _literal(column: Column, operator: str, text: str | None) -> str:
    """The typed value as SQL text; money typed in 万元 becomes 元."""
    if text is None or not text.strip():
        raise BuildError(f"请填写“{column.header}”{OPERATORS[operator]}的值。")
    text = text.strip()
    if operator == "year":
        return str(int(_number(Column("year", "year", "年份"), text)))
    if operator == "contains":
        return quote_literal(text)
    if column.kind in _NUMERIC:
        value = _number(column, text)
        if column.kind == "money":
            value *= _WAN
        return format(value.normalize(), "f")
    if column.kind == "boolean":
        if text not in ("是", "否"):
            raise BuildError(f"“{column.header}”请填“是”或“否”。")
        return "true" if text == "是" else "false"
    if column.kind in ("date", "timestamp"):
        try:
            parsed = date.fromisoformat(text[:10])
        except ValueError as error:
            raise BuildError(f"“{column.header}”请按 2024-06-30 的格式填写日期，“{text}”无法识别。") from error
        return f"date '{parsed.isoformat()}'"
    return quote_literal(text)


def _condition(dataset: Dataset, chosen: Filter) -> str:
    column = _menu_column(dataset, chosen.column)
    if chosen.operator not in operators_for(column):
        raise BuildError(f"“{column.header}”不能按“{OPERATORS.get(chosen.operator, chosen.operator)}”筛选。")
    if chosen.operator in ("is null", "is not null"):
        return f"{column.name} {chosen.operator}"
    value = _literal(column, chosen.operator, chosen.value)
    if chosen.operator == "contains":
        return f"contains({column.name}, {value})"
    if chosen.operator == "year":
        return f"year({column.name}) = {value}"
    if column.kind == "timestamp":  # a date typed for a timestamp compares with the day
        return f"cast({column.name} as date) {chosen.operator} {value}"
    return f"{column.name} {chosen.operator} {value}"


def _menu_column(dataset: Dataset, name: str) -> Column:
    column = _column(dataset, name)
    if column is None:
        raise BuildError(f"“{dataset.title}”中没有列 {name}。")
    return column


def _shown(column: Column) -> str:
    """A column in the select list: money in 万元, a Chinese header as its name."""
    if column.kind == "money":
        return f"round({column.name} / 10000, 2) as {quote_identifier(column.header)}"
    return f"{column.name} as {quote_identifier(column.header)}"


def build_query(
    table: str,
    filters: list[Filter] | tuple[Filter, ...] = (),
    group_by: list[str] | tuple[str, ...] = (),
    aggregate: str | None = None,
    measure: str | None = None,
) -> str:
    """A SELECT from menu choices: the ledger `table`, filters (ANDed), group-by columns and one aggregate.

    No aggregate and no group-by gives the rows themselves; group-by without an
    aggregate counts. Raises BuildError, in Chinese, for anything not in the menus.
    """
    dataset = next((d for d in menu_tables() if d.table == table), None)
    if dataset is None:
        raise BuildError(f"没有可以从菜单查询的表 {table}。")
    conditions = [_condition(dataset, f) for f in filters]
    groups = [_menu_column(dataset, name) for name in group_by]
    for column in groups:
        if not groupable(column):
            raise BuildError(f"不能按“{column.header}”分组。")
    if groups and aggregate is None:
        aggregate = "count"
    where = ("\nwhere\n    " + "\n    and ".join(conditions)) if conditions else ""
    if aggregate is None:
        select = ",\n    ".join(_shown(c) for c in dataset.columns)
        order = ", ".join(name for name in dataset.key if _column(dataset, name)) or dataset.columns[0].name
        return f"select\n    {select}\nfrom {dataset.table}{where}\norder by {order}"
    if aggregate not in AGGREGATES:
        raise BuildError(f"不支持的汇总方式：{aggregate}。")
    value = _aggregate(dataset, aggregate, measure)
    select = ",\n    ".join([*(_shown(c) for c in groups), value])
    grouping = f"\ngroup by {', '.join(c.name for c in groups)}\norder by {len(groups) + 1} desc" if groups else ""
    return f"select\n    {select}\nfrom {dataset.table}{where}{grouping}"


def _aggregate(dataset: Dataset, aggregate: str, measure: str | None) -> str:
    words = AGGREGATES[aggregate]
    if aggregate == "count":
        return f"count(*) as {quote_identifier('记录数')}"
    if measure is None:
        raise BuildError(f"“{words}”要选一个列。")
    column = _menu_column(dataset, measure)
    name = column.header.removesuffix("(万元)")
    if aggregate == "count_distinct":
        return f"count(distinct {column.name}) as {quote_identifier(f'{name}{words}')}"
    if not measurable(column):
        raise BuildError(f"“{column.header}”不是数字，不能求{words}。")
    if column.kind == "money":
        return f"round({aggregate}({column.name}) / 10000, 2) as {quote_identifier(f'{name}{words}(万元)')}"
    if aggregate == "avg":
        return f"round(avg({column.name}), 2) as {quote_identifier(f'{name}{words}')}"
    return f"{aggregate}({column.name}) as {quote_identifier(f'{name}{words}')}"
