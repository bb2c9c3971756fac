"""Numbers as the town's reports write them: money in 万元/亿元, shares with one decimal."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

WAN = Decimal(10_000)
YI = Decimal(100_000_000)


def _round(value: Decimal, places: int = 2) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def to_decimal(value: object) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def wan(yuan: object, places: int = 2) -> str:
    """元 → `123.45万元`."""
    return f"{_round(to_decimal(yuan) / WAN, places)}万元"


def money(yuan: object) -> str:
    """元 → 亿元 from one 亿 up, else 万元; two decimals (14.53亿元, 186.40万元)."""
    value = to_decimal(yuan)
    if abs(_round(value / WAN)) >= WAN:  # 99,999,999 元 rounds to 1.00亿元, not 10000.00万元
        return f"{_round(value / YI)}亿元"
    return wan(value)


def threshold(yuan: object) -> str:
    """A tier line: 200000 → `20万元` (no needless decimals)."""
    value = to_decimal(yuan) / WAN
    return f"{value.normalize():f}万元"


def pct(value: object, places: int = 1) -> str:
    """A share already in percent (91.3) → `91.3%`."""
    return f"{_round(to_decimal(value), places)}%"


def share(part: int, whole: int, places: int = 1) -> str:
    """part/whole as a percentage rounded half up: 21/23 → `91.3%`."""
    if whole == 0:
        return "—"
    return pct(Decimal(part) * 100 / Decimal(whole), places)


def count_card(label: str, value: int, unit: str) -> tuple[str, str]:
    """(label, figure) of a count's card: `('服务代办', '178人次')`, `('群众建议', '9,999件')`; from 1万 up
    the figure is in 万 with two decimals half up and the unit joins the label, as statistical tables
    write it, so that it fits a card a fifth of the page wide: `('服务代办（万人次）', '80.08')`."""
    if value < WAN:
        return label, f"{value:,}{unit}"
    return f"{label}（万{unit}）", f"{_round(Decimal(value) / WAN)}"


def count(value: int, unit: str) -> str:
    """A count as a label or card writes it: `9,999单`; from 1万 up in 万 to two decimals, without
    trailing zeros: `80.08万单`, `1万个`, `100万件` (not Plotly's 1M / 900.365k, nor 1000000件)."""
    if value < WAN:
        return f"{value:,}{unit}"
    figure = f"{_round(Decimal(value) / WAN):f}".rstrip("0").rstrip(".")
    return f"{figure}万{unit}"


def short_name(name: str) -> str:
    """北垞村 → 北垞 (the narrative's short form); communities keep their name."""
    return name[:-1] if name.endswith("村") and len(name) > 1 else name


def change_words(current: int | Decimal, previous: int | Decimal | None, unit: str) -> str:
    """`，比上年增加3个` / `，比上年减少2个` / `，与上年持平`; empty when there is no previous value."""
    if previous is None:
        return ""
    delta = current - previous
    if delta > 0:
        return f"，比上年增加{delta}{unit}"
    if delta < 0:
        return f"，比上年减少{-delta}{unit}"
    return "，与上年持平"


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value) or str(value) in ("<NA>", "NaT", "nan")


def kpi_text(value: object, previous: object, unit: str) -> tuple[str, str | None]:
    """A KPI card's value and its change on last year (`持平` when unchanged), with units.

    unit `亿元` formats 元 amounts; `%` treats the values as percentages and the
    change as 个百分点; anything else is a count.
    """
    if _missing(value):
        return MISSING, None
    current = to_decimal(value)
    before = None if _missing(previous) else to_decimal(previous)
    if unit == "亿元":
        text = money(current)
    elif unit == "%":
        text = pct(current)
    else:
        text = count(int(current), unit)  # a city's 1000000件 reads 100万件
    if before is None:
        return text, None
    change = current - before
    if change == 0:
        return text, STEADY
    sign = "+" if change > 0 else "-"
    if unit == "亿元":
        return text, sign + money(abs(change))
    if unit == "%":
        return text, f"{sign}{_round(abs(change), 1)}个百分点"
    return text, f"{sign}{count(int(abs(change)), unit)}"


STEADY = "持平"


# ---- text from ledgers and users -------------------------------------------------------------

# C0 controls but tab, line feed and carriage return; DEL; C1 controls
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_ASCII_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def printable(text: str) -> str:
    """Control characters shown as `\\x1b`: a terminal does not run them, a DOCX/PPTX (XML) can hold them."""
    return CONTROL_CHARACTERS.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def markdown_text(text: str) -> str:
    """User or ledger text for st.markdown, st.success, st.error …: shown exactly as written.

    Every ASCII punctuation mark is backslash-escaped (CommonMark allows it for all of them), so
    no link, emphasis, HTML, entity (`&lt;`), math, emoji or icon shortcode (`:smile:`,
    `:material/…:`) and no Streamlit colour directive (`:red[…]`) survives; measured in Chromium.
    """
    return _ASCII_PUNCTUATION.sub(r"\\\1", printable(text))


MISSING = "—"  # a figure the year has no data for
