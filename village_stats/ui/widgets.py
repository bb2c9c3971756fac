"""What every page draws the same way: its header, KPI cards, alerts, text shown as written."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from village_stats import alerts
from village_stats import formatting as fmt
from village_stats.datasets import DATASETS
from village_stats.errors import VillageStatsError
from village_stats.queries import Scope
from village_stats.settings import Settings
from village_stats.ui.state import Filters, database, settings, today

MISSING = "—"  # an empty cell in a table (Streamlit would write "None"): not done yet, not rated, not given


def card(
    container: st.delta_generator.DeltaGenerator,
    label: str,
    value: str,
    note: str | None = None,
    help: str | None = None,
) -> None:
    """A figure on a bordered card, `note` under it in grey: a remark on the figure, not a change (no arrow)."""
    quiet = {} if note is None else {"delta_color": "off", "delta_arrow": "off"}
    container.metric(label, value, note, border=True, help=help, **quiet)


def cards(*figures: tuple[str | None, ...]) -> None:
    """A row of cards side by side, one per (label, value[, note[, help]]): see `card`."""
    for column, figure in zip(st.columns(len(figures)), figures, strict=True):
        card(column, *figure)


def kpi(
    container: st.delta_generator.DeltaGenerator,
    label: str,
    column: str,
    unit: str,
    this_year: pd.DataFrame,
    last_year: pd.DataFrame,
    share_of: str | None = None,
    note: tuple[str, str, str] | None = None,
    better: str | None = "up",
    year: int | None = None,
    reported: tuple[str, str, str] | None = None,
) -> None:
    """A KPI card from one column of a per-year result, with the change on last year.

    `share_of` names the column of the whole (villages with income) and puts the
    share in the label; `note` = (words, column, unit) adds another figure to it
    (“满意率93.7%”). `better` says which way is good ("up", "down", None for neither):
    the delta's colour follows the meaning, and 持平 is grey without an arrow.
    With `year`, a card whose figure the year lacks says “2025年尚未导入” and links to
    数据导入. `reported` = (reporting column, whole column, noun): when a ledger covers
    only some of the units, the card says “23个村中3个已报送” instead of a misleading change.
    """
    current = this_year.iloc[0] if not this_year.empty else None
    previous = last_year.iloc[0] if not last_year.empty else None
    value = None if current is None else current[column]
    before = None if previous is None else previous[column]
    text, delta = fmt.kpi_text(value, before, unit)
    if text == fmt.MISSING and year is not None:
        container.metric(
            label,
            "未导入",
            f"[{year}年尚未导入 →](data_import)",
            delta_color="off",
            delta_arrow="off",
            border=True,
            help="本年度暂无该项台账，可在“数据导入”页面上传",
        )
        return
    if text == fmt.MISSING:  # a year with no such records: say so in words, not with a bare dash
        text, delta = "暂无", None
    remark = None
    if current is not None and share_of is not None and text != "暂无":
        remark = f"占{fmt.share(int(value), int(current[share_of]))}"
    elif current is not None and note is not None:
        words, column_name, note_unit = note
        figure = fmt.kpi_text(current[column_name], None, note_unit)[0]
        remark = None if figure == fmt.MISSING else f"{words}{figure}"
    coverage = _coverage(current, reported) if text != "暂无" else None
    if coverage:
        delta, colour, arrow, description = coverage, "off", "off", None
    elif delta == fmt.STEADY:
        colour, arrow, description = "off", "off", None
    else:
        colour = {"up": "normal", "down": "inverse"}.get(better or "", "off")
        arrow, description = "auto", "较上年" if delta else None
    container.metric(
        f"{label}（{remark}）" if remark else label,
        text,
        delta,
        delta_color=colour,
        delta_arrow=arrow,
        delta_description=description,
        border=True,
        help=None if current is not None else "本年度暂无该项数据",
    )


def _coverage(row: pd.Series | None, reported: tuple[str, str, str] | None) -> str | None:
    """“23个村中3个已报送” when fewer units reported than are in scope; else None."""
    if row is None or reported is None:
        return None
    part, whole, noun = reported
    if not present(row[part]) or not present(row[whole]) or int(row[part]) >= int(row[whole]):
        return None
    return f"{int(row[whole])}个{noun}中{int(row[part])}个已报送"


@st.cache_data(show_spinner=False, max_entries=200)
def _alerts(
    path: str, version: tuple[int, ...], year: int, scope: Scope, current: Settings, today: date
) -> list[alerts.Alert]:
    with database().read() as cur:
        return alerts.alerts(cur, year, scope, current, today)


def alerts_for(filters: Filters) -> list[alerts.Alert]:
    """The alerts that fire for the filters' year and scope, most important first; cached until the data
    changes (one cache entry, not eight queries' worth of lookups on every run)."""
    db = database()
    return _alerts(str(db.path), db.version(), filters.year, filters.scope, settings(), today())


def callouts(found: list, year: int, shown: int) -> None:
    """要点与预警: the `shown` most important alerts (alerts.Alert), each its title linking to its page
    and its finding beneath (two lines at most, see compact_page: a city's lists of names are long; the
    whole text is in `alert_list` below); the next step in the link's tooltip."""
    if not found:
        st.caption(f"{year}年各项预警规则均未触发。")
        return
    with st.container(gap="xsmall", key="callouts"):
        for alert in found[:shown]:
            icon = ":material/warning:" if alert.severity == "warning" else ":material/lightbulb:"
            with st.container(gap=None):
                st.page_link(alert.page, label=alert.title, icon=icon, help=f"下一步：{alert.next_step}")
                # the year is in the page header: the finding starts with what it found
                st.caption(plain(alert.sentence.removeprefix(f"{year}年")))
        if len(found) > shown:
            st.caption(f"另有{len(found) - shown}条提示，见下方“全部要点与下一步”。")


def alert_list(found: list) -> None:
    """Every alert that fired, with its next step: the 存在的问题 and 下一步 of the year, as text."""
    st.markdown(
        "\n".join(
            f"{number}. **{plain(alert.title)}**：{plain(alert.sentence)}下一步：{plain(alert.next_step)}"
            for number, alert in enumerate(found, start=1)
        )
    )


def compact_page() -> None:
    """Less air above and inside the page's head and cards, so that a 1366×768 screen holds the overview:
    the title at the size of a heading, cards with the value a size smaller (labels never cut)."""
    st.html(
        """<style>
        [data-testid="stMainBlockContainer"] { padding: 3.5rem 3rem 4rem 3rem; }
        [data-testid="stMainBlockContainer"] h1 { font-size: 1.75rem; padding: 0.25rem 0 0 0; }
        [data-testid="stMetric"] { padding: 0.5rem 0.75rem; }
        [data-testid="stMetric"] > div { padding: 0.25rem; }
        [data-testid="stMetricValue"] { font-size: 1.6rem; }
        /* a callout is read at a glance: two lines of its finding, the whole text in the list below */
        .st-key-callouts [data-testid="stCaptionContainer"] p {
            display: -webkit-box; -webkit-line-clamp: 2; -webkit-box-orient: vertical; overflow: hidden;
        }
        </style>"""
    )


def present(value: object) -> bool:
    """Not None/NA/NaN: a per-year figure that the year actually has."""
    return value is not None and not pd.isna(value)


def import_line(row: object) -> str:
    title = DATASETS[row.dataset].title if row.dataset in DATASETS else row.dataset
    return f"{title} {row.last_imported_at:%Y-%m-%d %H:%M}"


def show_refusal(error: VillageStatsError, icon: str = ":material/block:") -> None:
    """What the pages show of any refusal or failure the package raises: its Chinese message, escaped."""
    st.error(plain(error.message), icon=icon)


def plain(text: object) -> str:
    """Text from ledgers or users, ready for st.markdown, st.caption, st.success, st.error …: shown as
    written, never as markup (formatting.markdown_text). The only escaping function of the UI."""
    return fmt.markdown_text(str(text))


def paragraphs(texts: list[str]) -> None:
    """Report text as plain paragraphs: names from ledgers never become links or formatting."""
    st.markdown("\n\n".join(plain(text) for text in texts))


def copy_text(texts: list[str], key: str, label: str = "复制汇报文字") -> None:
    """The same text in a folded 复制汇报文字 box with a copy button, filled only when opened:
    a code block, even folded away, loads a 1.5 MB highlighter in the browser on every visit."""
    box = st.expander(label, key=key, on_change="rerun")
    if box.open:
        box.code("\n".join(texts), language=None, wrap_lines=True)


# Every screen a town uses (dashboard.py puts this on every page). On a phone (≤640 px) Streamlit
# stacks columns one per row: a row of KPI cards becomes two per row instead, and the page keeps
# its width (wide tables scroll inside themselves, never the page).
SCREEN_CSS = """
<style>
@media (max-width: 640px) {
  [data-testid="stHorizontalBlock"]:has(> [data-testid="stColumn"] > [data-testid="stVerticalBlock"]
      > [data-testid="stElementContainer"] > [data-testid="stMetric"]) {
    flex-flow: row wrap !important; gap: 0.5rem !important;
  }
  [data-testid="stHorizontalBlock"]:has(> [data-testid="stColumn"] > [data-testid="stVerticalBlock"]
      > [data-testid="stElementContainer"] > [data-testid="stMetric"]) > [data-testid="stColumn"] {
    flex: 1 1 calc(50% - 0.25rem) !important; min-width: calc(50% - 0.25rem) !important;
    width: calc(50% - 0.25rem) !important;
  }
  [data-testid="stMetric"] { padding: 0.6rem 0.7rem !important; }
  [data-testid="stMetricValue"] > div { font-size: 1.55rem; }
  [data-testid="stMetricLabel"] p { font-size: 0.85rem; white-space: normal; }
  [data-testid="stMainBlockContainer"] { padding-left: 0.75rem; padding-right: 0.75rem; }
}
</style>
"""


def screen_css() -> None:
    st.html(SCREEN_CSS)


def page_header(title: str, filters: Filters | None = None, money: bool = True) -> None:
    """The title at the left of the filter row, and under it the year, scope and what newer years hold so far."""
    shown = filters or st.session_state.get("filters")
    slot = shown.header if shown is not None and shown.header is not None else st.container()
    with slot:
        st.title(title, anchor=False)
        if filters and filters.year:
            unit = " · 金额单位：万元" if money else ""
            later = "".join(f" · {note}" for note in filters.later)
            st.caption(f"{filters.year}年 · {plain(filters.scope_label)}{unit}{plain(later)}")
