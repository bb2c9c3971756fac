"""Per-kind parsers as SQL over a text cell: what a ledger writes (5万元, 2023年5月6日, ★★★, 满意)
→ the column's type, NULL where the cell cannot be read, for a whole sheet in one query.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal

from village_stats.datasets import Column

_DIGITS_FROM = "０１２３４５６７８９．，－＋　"
_DIGITS_TO = "0123456789.,-+ "
_NUMBER_SUFFIX = "(亿元|万元|亿|万|元)$"


def _half_width(cell: str) -> str:
    """The trimmed cell with full-width digits, signs and spaces as their ASCII forms."""
    return f"translate(trim({cell}), '{_DIGITS_FROM}', '{_DIGITS_TO}')"


def _clean_number(cell: str) -> str:
    return f"replace(replace({_half_width(cell)}, ',', ''), ' ', '')"


def _decimal(digits: str) -> str:
    """Digits only (no unit); at most 15 integer digits so no later arithmetic can overflow."""
    pattern = "'[-+]?\\d{1,15}(\\.\\d{1,8})?'"
    return f"case when regexp_full_match({digits}, {pattern}) then cast({digits} as decimal(38, 8)) end"


def _number(cell: str) -> str:
    return _decimal(_clean_number(cell))


def _money(cell: str, factor: Decimal) -> str:
    clean = _clean_number(cell)
    digits = f"regexp_replace({clean}, '{_NUMBER_SUFFIX}', '')"
    unit = f"regexp_extract({clean}, '{_NUMBER_SUFFIX}')"
    scale = (
        f"(case {unit} when '亿元' then 100000000 when '亿' then 100000000 when '万元' then 10000 "
        f"when '万' then 10000 when '元' then 1 else {factor} end)"
    )
    return f"try_cast(round({_decimal(digits)} * {scale}, 2) as decimal(18, 2))"


_DATE_FORMATS = "['%Y-%m-%d %H:%M:%S', '%Y-%m-%d %H:%M', '%Y-%m-%d', '%Y-%m-%dT%H:%M:%S', '%Y%m%d']"


# day and month as an English-locale office suite writes them, the year last: 12/20/2023 03:27:00
SLASHED_FORMATS = {
    "mdy": "['%m/%d/%Y %H:%M:%S', '%m/%d/%Y %H:%M', '%m/%d/%Y']",
    "dmy": "['%d/%m/%Y %H:%M:%S', '%d/%m/%Y %H:%M', '%d/%m/%Y']",
}
AMBIGUOUS = "ambiguous"
_SLASHED = re.compile(r"(\d{1,2})/(\d{1,2})/\d{4}(?:\s.*)?")


def slashed(text: str | None) -> re.Match[str] | None:
    return _SLASHED.fullmatch(text) if text else None


def slashed_date_order(cells: list[str]) -> str | None:
    """How a sheet's `12/20/2023`-style dates read, from the cells no other form could read.

    "mdy" when some second number is over 12 (a day) and no first one is, "dmy" the other
    way round, AMBIGUOUS when no number is over 12 (3/4/2023 may be either), None when
    there are no such cells or they contradict each other (each is then its own error).
    """
    pairs = [(int(m.group(1)), int(m.group(2))) for m in map(slashed, cells) if m]
    if not pairs:
        return None
    first_is_day = any(first > 12 for first, _ in pairs)
    second_is_day = any(second > 12 for _, second in pairs)
    if first_is_day and second_is_day:
        return None
    if first_is_day or second_is_day:
        return "dmy" if first_is_day else "mdy"
    return AMBIGUOUS


def _timestamp(cell: str, order: str | None = None) -> str:
    """ISO text (what Excel dates become) is cast directly; other forms go through the slower normalisation.

    The guard for blank cells is not decoration: without it DuckDB runs the whole
    fallback chain for every row of a vector holding one blank (6% of the
    instructions of a million-row import with one optional date column).
    """
    slashed = f"try_strptime({cell}, {SLASHED_FORMATS[order]}), " if order else ""
    parsed = f"coalesce(try_cast({cell} as timestamp), {slashed}{_timestamp_forms(cell)})"
    return f"case when {cell} is null then null else {parsed} end"


def _timestamp_forms(cell: str) -> str:
    text = f"regexp_replace(regexp_replace(trim({cell}), '[年月/.]', '-', 'g'), '[日号]', '', 'g')"
    serial = (
        f"case when regexp_full_match(trim({cell}), '\\d{{5}}(\\.\\d+)?') "
        f"then timestamp '1899-12-30' + to_seconds(cast(round(cast(trim({cell}) as double) * 86400) as bigint)) end"
    )
    return f"coalesce(try_strptime({text}, {_DATE_FORMATS}), {serial})"


_CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}


def _stars(cell: str) -> str:
    text = f"replace(replace(trim({cell}), ' ', ''), '级', '')"
    chinese = " ".join(f"when '{k}星' then {v}" for k, v in _CN_DIGITS.items())
    return (
        f"case when regexp_full_match({text}, '\\d{{1,3}}(\\.0+)?星?') "
        f"then cast(regexp_extract({text}, '\\d+') as integer) "
        f"when regexp_full_match({text}, '★+☆*') then length({text}) - length(replace({text}, '★', '')) "
        f"when {text} in ('无星', '未评星', '零星') then 0 "
        f"else (case {text} {chinese} end) end"
    )


def _rating(cell: str) -> str:
    text = f"replace(trim({cell}), ' ', '')"
    return (
        f"case when {text} in ('满意', '非常满意') then 5 when {text} = '基本满意' then 3 "
        f"when {text} in ('不满意', '很不满意') then 1 "
        f"when regexp_full_match({text}, '\\d{{1,3}}(\\.0+)?') then cast(cast({text} as decimal(5, 1)) as integer) end"
    )


def _boolean(cell: str) -> str:
    text = f"lower(replace(trim({cell}), ' ', ''))"
    return (
        f"case when {text} in ('是', 'y', 'yes', 'true', '1', '√') then true "
        f"when {text} in ('否', 'n', 'no', 'false', '0', '×') then false end"
    )


def _year(cell: str) -> str:
    text = _half_width(cell)
    return f"case when regexp_full_match({text}, '\\d{{4}}(年度|年)?') then cast(left({text}, 4) as integer) end"


def _text(cell: str, gate: str | None = None) -> str:
    """Runs of spaces, tabs and line breaks inside a cell become one space.

    Few cells have any, and six substring tests cost a fifth of the regular
    expression, so only those cells go through it; `gate`, when given, is a
    per-row flag that is false when no cell of the row can have any (see
    `_line_flags`), which spares the six tests on nearly every row.
    """
    odd = " or ".join(f"contains({cell}, {s})" for s in INNER_SPACES)
    if gate:
        odd = f"{gate} and ({odd})"
    return f"case when {odd} then nullif(regexp_replace(trim({cell}), '\\s+', ' ', 'g'), '') else {cell} end"


INNER_SPACES = ("'  '", "chr(9)", "chr(10)", "chr(13)", "chr(12)", "chr(11)")


def _compact(cell: str) -> str:
    """Half-width digits, no spaces, upper case: the form period and birth-year cells are matched in."""
    return f"upper(replace(replace({_half_width(cell)}, ' ', ''), '\t', ''))"


def _period(cell: str) -> str:
    """`2024`, `2024-03`, `2024Q1` and what ledgers write for them (2024年3月, 2024年第一季度, an
    Excel date on the 1st of the month) → the canonical `2024`, `2024-03` or `2024Q1`."""
    text = _compact(cell)
    month = f"try_cast(regexp_extract({text}, '^\\d{{4}}[-/.年](\\d{{1,2}})', 1) as integer)"
    quarter = f"translate(regexp_extract({text}, '([1-4一二三四])(季度|季)?$', 1), '一二三四', '1234')"
    return (
        f"case when regexp_full_match({text}, '\\d{{4}}(年度|年)?') then left({text}, 4) "
        f"when regexp_full_match({text}, '\\d{{4}}[-/.年]\\d{{1,2}}(月份|月)?') and {month} between 1 and 12 "
        f"then left({text}, 4) || '-' || lpad(cast({month} as varchar), 2, '0') "
        f"when regexp_full_match({text}, '\\d{{4}}-\\d{{2}}-01(00:00:00)?') and {month} between 1 and 12 "
        f"then left({text}, 7) "
        f"when regexp_full_match({text}, '\\d{{4}}(年|-)?(第)?(Q[1-4]|[1-4一二三四](季度|季))') "
        f"then left({text}, 4) || 'Q' || {quarter} end"
    )


def _birth_year(cell: str) -> str:
    """1985, 1985.06, 1985年6月, 1985-06-15 (an Excel date) → 1985."""
    text = _compact(cell)
    pattern = "'\\d{4}(年)?([-/.年]\\d{1,2}(月)?([-/.]\\d{1,2}(日)?)?)?(00:00:00)?'"
    return f"case when regexp_full_match({text}, {pattern}) then cast(left({text}, 4) as integer) end"


def parse_sql(column: Column, cell: str, factor: Decimal, gate: str | None = None, order: str | None = None) -> str:
    """A SQL expression turning text cell `cell` into the column's type, NULL when it cannot.

    `cell` holds text as the readers leave it: trimmed, and NULL for a blank cell.
    `gate`: see `_text`; `order`: how the sheet's 12/20/2023-style dates read (`slashed_date_order`).
    """
    if column.kind == "money":
        return _money(cell, factor)
    if column.kind in ("timestamp", "date"):
        timestamp = _timestamp(cell, order)
        return timestamp if column.kind == "timestamp" else f"cast({timestamp} as date)"
    parser = _PARSERS.get(column.kind)
    return parser(cell) if parser else _text(cell, gate)


def _integer(cell: str) -> str:
    number = _number(cell)
    return f"case when {number} % 1 = 0 then try_cast({number} as integer) end"


# the kinds read by the cell alone (money reads the sheet's unit, dates the sheet's order, text a row flag)
_PARSERS: dict[str, Callable[[str], str]] = {
    "integer": _integer,
    "decimal": lambda cell: f"try_cast({_number(cell)} as decimal(5, 1))",
    "points": lambda cell: f"try_cast({_number(cell)} as decimal(6, 1))",
    # a deduction is stored positive; ledgers write it as 5 or as -5
    "deduction": lambda cell: f"try_cast(abs({_number(cell)}) as decimal(6, 1))",
    "period": _period,
    "birth_year": _birth_year,
    "year": _year,
    "stars": _stars,
    "rating": _rating,
    "boolean": _boolean,
}


PARSE_FAILURES = {
    "money": ("bad-number", "不是有效的金额，请填写数字（可带“万”“元”）"),
    "integer": ("bad-number", "应为整数"),
    "decimal": ("bad-number", "不是有效数字"),
    "points": ("bad-number", "不是有效的分值，请填写数字（最多一位小数）"),
    "deduction": ("bad-number", "不是有效的分值，请填写数字（最多一位小数）"),
    "period": ("bad-period", "无法识别的积分周期，请写成 2024（年度）、2024-03（月）或 2024Q1（季度）"),
    "birth_year": ("bad-birth-year", "无法识别的出生年份，请写成 1985、1985.06 或 1985年6月"),
    "year": ("bad-year", "年度应为四位年份，如 2023"),
    "timestamp": ("bad-date", "无法识别的时间，请写成 2023-05-06 14:30 或 2023年5月6日"),
    "date": ("bad-date", "无法识别的日期，请写成 2023-05-06 或 2023年5月6日"),
    "stars": ("bad-stars", "无法识别的星级，请写成 0–5、五星级、5星 或 ★★★★★"),
    "rating": ("bad-rating", "无法识别的评单，应为 满意、基本满意、不满意 或 1–5"),
    "boolean": ("bad-boolean", "应填“是”或“否”"),
}


def quote_name(name: str) -> str:
    """A table or column name as a SQL identifier."""
    return '"' + name.replace('"', '""') + '"'
