"""Streamlit glue shared by the pages: the database, cached queries, filters, widgets.

This and the files in views/ (the pages) are the only modules that import streamlit.
"""

from __future__ import annotations

import html
import re
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from village_stats import (
    access,
    alerts,
    charts,
    exports,
    gallery,
    importing,
    mechanisms,
    plotly_view,
    queries,
    rounds,
    sandbox,
    templates,
)
from village_stats import formatting as fmt
from village_stats import years as year_rules
from village_stats.datasets import DATASETS, IMPORT_ORDER
from village_stats.db import Database, DatabaseBusy, default_db_path, demo_db_path, storage_problem
from village_stats.db import recorded_town as db_recorded_town
from village_stats.queries import Scope
from village_stats.settings import REPO_ROOT, Settings, load_settings
from village_stats.validation import Issue, errors_in

if TYPE_CHECKING:  # reports loads python-pptx and python-docx: only the pages that report import it
    from village_stats import reports

ALL = "全部"
ALL_TOWNS = "全部镇(街道)"
PAGE_ROWS = 200  # rows per page of a table; its downloads hold every row
DOWNLOAD_ROWS = 100_000  # a paged table's download holds at most this many rows
READ_LINGER_SECONDS = 5.0  # the read connection outlives a page run by this much (see db.Database)
MISSING = "—"  # an empty cell in a table (Streamlit would write "None"): not done yet, not rated, not given
FIRST_SCREEN_CHART = 280  # px: the overview's charts, two of them within a 1366×768 screen
CHART_ROWS = 30  # a village chart with more rows than this shows the top/bottom N or a search instead


# the browser tab's icon, served by the app itself: a ":material/…" page_icon is fetched from fonts.gstatic.com
FAVICON = REPO_ROOT / "static" / "favicon.png"


def settings() -> Settings:
    """settings.toml, for the town the shown database records (`init`; the demo records 青溪镇)."""
    current = load_settings()
    if first_run_needed():
        return current
    db = database()
    return current.for_town(_recorded_town(str(db.path), db.version()))


@st.cache_data(show_spinner=False, max_entries=20)
def _recorded_town(path: str, version: tuple[int, ...]) -> str | None:
    with database().read() as cur:
        return db_recorded_town(cur)


def shown_database_path() -> Path:
    """The town's own database once it exists; before that, the demo's, if this session chose it."""
    own = default_db_path()
    if own.exists() or not st.session_state.get("use_demo"):
        return own
    return demo_db_path()


def database() -> Database:
    """The process's Database for the file this session shows (see shown_database_path)."""
    return _database(str(shown_database_path()))


@st.cache_resource(show_spinner="正在准备数据库……")
def _database(location: str) -> Database:
    current = load_settings()
    path = Path(location)
    if not path.exists() and path == demo_db_path():
        importing.build_demo(path, current)  # `serve` builds it beforehand; a bare `streamlit run` builds it here
    db = Database(path, current.lock_wait_seconds, linger_seconds=READ_LINGER_SECONDS)
    db.migrate()
    return db


# ---- first run, the demo and the empty database ----------------------------------------------
# Until the town's own database exists, each visit starts on a page offering the demo or a clean
# start; the choice of the demo lasts for the session (st.session_state "use_demo").


def first_run_needed() -> bool:
    """No database of the town's own yet and no choice made this session, or 开始使用本镇数据 was clicked."""
    if st.session_state.get("start_town"):
        return True
    return not default_db_path().exists() and not st.session_state.get("use_demo")


def _use_demo() -> None:
    st.session_state["use_demo"] = True
    st.session_state.pop("start_town", None)


def _start_town() -> None:
    st.session_state["start_town"] = True


def database_state() -> pd.Series:
    """One row: the recorded town, villages in the registry, active imports, of which demo imports."""
    return run_query("database_state").iloc[0]


def showing_demo() -> bool:
    return int(database_state()["demo_imports"]) > 0


def database_is_empty() -> bool:
    """No 村(社区)名录 yet: no page can show anything before it is imported."""
    return int(database_state()["villages"]) == 0


DEMO_LABEL = f"演示数据（虚构的{importing.DEMO_TOWN}）"


def demo_banner(compact: bool = False) -> None:
    """“演示数据（虚构的青溪镇）” at the top of every page while the shown database holds the demo.

    `compact` (汇报模式): the words alone, pinned in the top bar, taking no height from a projector's screen.
    """
    if not showing_demo():
        return
    if compact:
        st.html(f'<div class="demo-pinned">{html.escape(DEMO_LABEL)}</div><style>{_PINNED_CSS}</style>')
        return
    # markdown, not an alert: the browser tests take an alert on the page as "the page has drawn what it will"
    words, action = st.columns([4, 1], vertical_alignment="center")
    words.markdown(f":orange-badge[:material/science: **{DEMO_LABEL}**] 页面上的村名、人名和数字都是虚构的，只供试用。")
    action.button("开始使用本镇数据", key="demo_start_town", on_click=_start_town, width="stretch")


_PINNED_CSS = """
.demo-pinned { position: fixed; top: 0.85rem; left: 50%; transform: translateX(-50%); z-index: 999990;
  background: #fff4e5; color: #b35c00; font-weight: 700; border-radius: 0.4rem; padding: 0.15rem 0.7rem; }
"""


def _start_refusal() -> str | None:
    """Why this session may not start the town's database, or None (no file yet: no accounts either)."""
    if default_db_path().exists():
        return admin_refusal()
    return access.decide((), None, server_is_loopback(), False).refusal


def first_run_page() -> None:
    """使用演示数据 or 开始使用本镇数据: the page before any database is shown."""
    st.title("欢迎使用村情看板")
    st.markdown("看板把本镇各口径的台账汇到一处，按年度、片区、村(社区)查看，并生成汇报材料。先选择怎样开始：")
    demo, own = st.columns(2, border=True)
    with demo:
        st.subheader("先看看演示")
        st.markdown(
            f"用自带的虚构“{importing.DEMO_TOWN}”台账试用全部页面。演示数据单独存放"
            "（`data/demo.duckdb`），不会混入本镇数据；每个页面顶部都标明“演示数据”。"
        )
        st.button("使用演示数据", key="first_run_demo", on_click=_use_demo, icon=":material/science:")
    with own:
        st.subheader("开始使用本镇数据")
        st.markdown("建立一个空的本镇数据库（不含演示数据），然后导入村(社区)名录和各台账。")
        refusal = _start_refusal()
        if refusal:
            st.info(refusal, icon=":material/lock:")
            return
        with st.form("first_run_town", border=False):
            town = st.text_input("本镇（街道）名称", placeholder="如：河东镇", key="first_run_town_name", max_chars=30)
            started = st.form_submit_button("建立本镇数据库", type="primary", icon=":material/add_home:")
        if started:
            _create_town_database(town)


def _create_town_database(town: str) -> None:
    own = default_db_path()
    if own.exists():  # it holds the demo (an earlier version's default), which start_town replaces
        _database(str(own)).close_idle()
    try:
        importing.start_town(own, town, load_settings())
    except importing.TownRefused as error:
        st.error(str(error), icon=":material/error:")
        return
    for key in ("start_town", "use_demo"):
        st.session_state.pop(key, None)
    st.cache_resource.clear()  # a Database kept for a replaced demo file would lend out its old connection
    st.rerun()


# what each page shows once its ledger is imported (the empty database's guide)
PAGE_LEDGERS = (
    ("总览", "全部台账", "各口径的核心指标、预警和汇报要点"),
    ("村财收入", "村级集体经济收入", "收入分档、经济薄弱村、各村排名"),
    ("项目投资", "揭榜挂帅项目", "各擂台项目数与投资额、进度"),
    ("达标创星", "达标创星", "各星级村数与变化"),
    ("五单服务", "五单闭环服务工单", "工单数、办结用时、满意率"),
    ("问题整改", "问题整改台账", "整改进度与逾期问题"),
    ("党员积分", "党员量化积分", "晒分榜与需提醒的党员"),
    ("书记工作室", "书记工作室", "覆盖进度与培育对象"),
    ("乡贤", "乡贤参与", "乡贤参与的民意与纠纷调解"),
    ("村干部", "村干部与后备力量", "年龄、学历结构与后备力量"),
    ("汇报导出 / 汇报模式", "全部台账", "PPT、Word、Excel 汇报材料与投影用的汇报模式"),
)


def empty_guide() -> None:
    """What a new town does first, shown instead of a page while its database has no 村(社区)名录."""
    current = settings()
    st.title(f"{current.town}：还没有数据")
    st.markdown(
        "本镇的数据库已建立，按下面三步开始。每次导入都会先检查，有错时逐条指出文件、工作表、行号和列，不会写入半截数据；导入后可以撤销。"
    )
    st.markdown("#### 1. 导入村(社区)名录")
    st.markdown(
        "其他台账都按名录核对村名，所以名录要第一个导入。先下载模板，按模板填好本镇的村(社区)，再到“数据导入”页上传。"
    )
    registry = DATASETS["villages"]
    left, right, _ = st.columns([2, 2, 3], vertical_alignment="center")
    left.download_button(
        f"下载“{registry.title}”模板",
        templates.template_bytes(registry, current),
        file_name=f"{registry.title}模板.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="guide_registry_template",
        icon=":material/download:",
    )
    right.page_link("views/data_import.py", label="去“数据导入”页上传", icon=":material/upload_file:")
    st.markdown("#### 2. 导入各台账")
    ledgers = "、".join(DATASETS[name].title for name in IMPORT_ORDER if name != "villages")
    st.markdown(
        f"{plain(ledgers)}。可以一次选多个文件上传；“数据导入”页上有每种台账的空白模板（含下拉选项和填表说明），"
        "已有的 Excel 台账一般不用改格式，表头按常见写法识别。"
    )
    st.markdown("#### 3. 各页面将显示什么")
    guide = pd.DataFrame(PAGE_LEDGERS, columns=["页面", "需要的台账", "显示内容"])
    st.dataframe(guide, hide_index=True, width="stretch")


@contextmanager
def one_snapshot(active: bool = True) -> Iterator[None]:
    """Hold a read lease for a whole page run, so the page never shows half of another process's import.

    While the lease is held no other process can commit (DuckDB's file lock), so
    `Database.version()` and every query of the run see the same data. Pages that
    write (数据导入, saving a query) must not run inside it: their write would wait for
    this very lease.
    """
    db = database()
    if not active or not db.exists():
        yield
        return
    with db.read():
        yield


@st.cache_data(show_spinner=False, max_entries=2000)
def _cached(path: str, version: tuple[int, ...], name: str, params: dict[str, object]) -> pd.DataFrame:
    with database().read() as cur:
        return queries.run_query(cur, name, **params)


def run_query(name: str, **params: object) -> pd.DataFrame:
    """A named query's result, cached until the database file changes (any import)."""
    db = database()
    return _cached(str(db.path), db.version(), name, params)


# ---- accounts and sign-in ---------------------------------------------------------------
# A session's sign-in lives in st.session_state (server memory, one browser tab): auth_user,
# auth_role, auth_changed_at (the account's changed_at when it signed in) and auth_last_seen.
# "auth_role" = "viewer" on its own (no auth_user) is honoured as a downgrade: code and tests may
# always make a session a viewer, never an admin.

_AUTH_KEYS = ("auth_user", "auth_role", "auth_changed_at", "auth_last_seen")


def now() -> datetime:
    return datetime.now()


@st.cache_data(show_spinner=False, max_entries=20)
def _accounts(path: str, version: tuple[int, ...]) -> tuple[access.Account, ...]:
    return tuple(access.accounts(access.store_of(database())))


def accounts() -> tuple[access.Account, ...]:
    """Every account (no hashes), cached until the account store changes (`user add` changes it)."""
    store = access.store_of(database())
    return _accounts(str(store.path), store.version())


def _host() -> str | None:
    """The Host header of this session's request; None outside a browser (AppTest)."""
    return st.context.headers.get("host")


def server_is_loopback() -> bool:
    """Whether only this computer can reach the app: server.address, no reverse proxy in front, a loopback Host."""
    return access.serves_this_computer_only(st.get_option("server.address"), st.context.headers, _host())


def host_gate() -> None:
    """Stop the run before any page, sidebar or data when the request came in on a name we do not serve."""
    host = _host()
    if not access.host_allowed(host, settings().server_names):
        st.error(plain(access.host_refusal(host or "")), icon=":material/block:")
        st.stop()


def sign_out(message: str | None = None, warn: bool = False) -> None:
    """End the session's sign-in; `message` is shown on the next run (as a warning that stays, if `warn`)."""
    for key in _AUTH_KEYS:
        st.session_state.pop(key, None)
    if message:
        st.session_state["auth_warning" if warn else "auth_notice"] = message


def _signed_in() -> access.Account | None:
    """The session's account if its sign-in still holds: not idle too long, account unchanged."""
    name = st.session_state.get("auth_user")
    if name is None:
        return None
    account = next((a for a in accounts() if a.name == name), None)
    if account is None or account.changed_at != st.session_state.get("auth_changed_at"):
        sign_out("账号的密码或角色已修改（或账号已删除），请重新登录。", warn=True)
        return None
    idle = timedelta(hours=settings().session_idle_hours)
    if access.session_expired(st.session_state.get("auth_last_seen", datetime.min), now(), idle):
        sign_out(f"超过 {settings().session_idle_hours:g} 小时未操作，已自动退出登录。", warn=True)
        return None
    st.session_state["auth_last_seen"] = now()
    return account


def current_access() -> access.Access:
    """What this session may do; checked afresh on every script run."""
    account = _signed_in()
    if account is None and st.session_state.get("auth_role") == access.VIEWER:
        account = access.Account(access.LOCAL_USER, access.VIEWER, datetime.min)
    return access.decide(accounts(), account, server_is_loopback(), settings().viewers_must_sign_in)


def current_role() -> str:
    """The session's role: "admin" or "viewer"."""
    return current_access().role


def current_user() -> str | None:
    """Who is acting (an account, 本机用户 in single-user mode), or None for an anonymous viewer."""
    return current_access().user


def admin_refusal() -> str | None:
    """Why this session may not change data (Chinese, with what to do), or None when it may."""
    return current_access().refusal


def may_change_data(action: str) -> bool:
    """True for an admin; otherwise says why `action` is not offered and returns False."""
    refusal = admin_refusal()
    if refusal:
        st.info(f"{action}：{refusal}", icon=":material/lock:")
    return refusal is None


def _sign_in_form(key: str) -> None:
    with st.form(key, clear_on_submit=True, border=key != "auth_sidebar_form"):
        name = st.text_input("用户名", key=f"{key}_name", autocomplete="username")
        password = st.text_input("密码", type="password", key=f"{key}_password", autocomplete="current-password")
        if st.form_submit_button("登录", type="primary", key=f"{key}_submit"):
            throttle = access.Throttle(
                per_name=settings().max_failed_sign_ins, window=timedelta(minutes=settings().lockout_minutes)
            )
            try:
                outcome = access.sign_in(database(), name, password, throttle, now())
            except DatabaseBusy as busy:
                st.error(plain(busy))
                return
            except (sqlite3.Error, OSError) as error:  # e.g. a read-only data folder: failures cannot be recorded
                st.error(f"登录暂时无法完成：数据库无法写入（{plain(error)}）。请联系管理员检查数据目录。")
                return
            if outcome.account is None:
                st.error(plain(outcome.message), icon=":material/block:")
                return
            sign_out()
            st.session_state["auth_user"] = outcome.account.name
            st.session_state["auth_role"] = outcome.account.role
            st.session_state["auth_changed_at"] = outcome.account.changed_at
            st.session_state["auth_last_seen"] = now()
            st.session_state["auth_notice"] = outcome.message
            st.rerun()


def access_sidebar() -> bool:
    """The sign-in state in the sidebar (banner, sign-in form or who is signed in); whether the pages may be shown."""
    rights = current_access()
    with st.sidebar:
        if "auth_notice" in st.session_state:
            st.toast(plain(st.session_state.pop("auth_notice")))
        if "auth_warning" in st.session_state:
            st.warning(st.session_state.pop("auth_warning"), icon=":material/logout:")
        if rights.banner:
            (st.info if rights.local else st.warning)(rights.banner, icon=":material/person:")
        if "auth_user" in st.session_state:
            role = access.ROLES[rights.role]
            st.markdown(f"已登录：**{plain(str(rights.user))}**（{role}）")
            st.button(
                "退出登录", key="auth_sign_out", icon=":material/logout:", on_click=sign_out, args=("已退出登录。",)
            )
        elif rights.may_view and not rights.local and accounts():
            with st.expander("登录", icon=":material/login:"):
                _sign_in_form("auth_sidebar_form")
    return rights.may_view


def sign_in_page() -> None:
    """The whole page when viewing needs a sign-in (settings: access.viewers_must_sign_in)."""
    st.title("登录村情看板")
    if not accounts():
        st.warning(
            "查看看板需要登录，但还没有任何账号。请负责看板的同事在运行看板的电脑上创建管理员和查看账号"
            "（见使用说明“账号与登录”）。",
            icon=":material/person_add:",
        )
        return
    st.caption("本看板设置为登录后才能查看。没有账号请联系管理员。")
    left, _ = st.columns([1, 2])
    with left:
        _sign_in_form("auth_page_form")


@dataclass(frozen=True)
class Filters:
    year: int | None
    scope: Scope
    scope_label: str
    spans_towns: bool = False  # the scope covers several towns: show per-town rollups, label villages with their town
    several_towns: bool = False  # the database holds several towns (a county or city), whatever the scope
    later: tuple[str, ...] = ()  # what newer years hold so far: 2025年已导入：村财收入
    missing: tuple[str, ...] = ()  # the core ledgers the year has no data for (page names: 项目投资 …)
    # where page_header writes the title: the left of the filter row at the top of the page
    header: object = field(default=None, compare=False, repr=False)

    def params(self, **extra: object) -> dict[str, object]:
        return {"year": self.year, **self.scope.params(), **extra}


def sidebar_filters(top: bool = True) -> Filters:
    """Year and town at the top of the page, beside its title (where the eye is); 片区 and villages in the sidebar.

    `top=False` (汇报模式, the wall: one screen each) keeps the year and town in the sidebar with the rest.

    Each is bound to the URL so a link reopens the view. The widgets are the one source of the filter
    state: the page reads it as `filters()`. The year opens on the latest year with all five core
    ledgers (years.default_year), not on a new year that has one ledger so far.
    """
    current = settings()
    years = run_query("data_years")
    units = run_query("units")
    towns = sorted(units["town"].unique()) if not units.empty else []
    several = len(towns) > 1
    if top:
        title, *slots = st.columns([5, 1.3, 1.6] if several else [6, 1.3], vertical_alignment="bottom")
    else:
        title, slots = None, [st.sidebar, st.sidebar]
    year_options = sorted({int(y) for y in years["year"]}, reverse=True) if not years.empty else []
    opening = year_rules.default_year(years) if not years.empty else None
    # plain numbers, so that a link reads ?year=2023
    year = slots[0].selectbox(
        "年度",
        year_options,
        index=year_options.index(opening) if opening in year_options else 0,
        key="year",
        bind="query-params",
        placeholder="暂无数据",
    )
    town: str | None = current.town if current.town in towns or not towns else towns[0]
    if several:
        # a county or city: all towns together first, the configured town preselected when present
        options = [ALL_TOWNS, *towns]
        picked = slots[1].selectbox(
            "镇(街道)",
            options,
            index=options.index(current.town) if current.town in towns else 0,
            key="town",
            bind="query-params",
        )
        town = None if picked == ALL_TOWNS else picked
    with st.sidebar:
        st.markdown("#### 筛选")
        in_town = units if town is None or units.empty else units[units["town"] == town]
        areas = sorted(a for a in in_town["area"].dropna().unique()) if not in_town.empty else []
        area = st.selectbox("片区", [ALL, *areas], key="area", bind="query-params")
        in_area = in_town if area == ALL else in_town[in_town["area"] == area]
        chosen: list[str] = []
        if town is None and several:
            # names repeat across towns, and thousands of them make no usable list
            st.caption("选定一个镇(街道)后可按村(社区)筛选。")
        else:
            names = list(in_area["name"]) if not in_area.empty else []
            chosen = st.multiselect("村(社区)", names, key="village", bind="query-params", placeholder="全部村(社区)")
    scope = Scope(town=town, area=None if area == ALL else area, villages=tuple(chosen) or None)
    spans = town is None and several
    label = ("全域" if scope.area is None else scope.area) if spans else scope.label(current.town)
    st.session_state["filters"] = Filters(
        year=year,
        scope=scope,
        scope_label=label,
        spans_towns=spans,
        several_towns=several,
        later=tuple(year_rules.imported_later(years, year)) if not years.empty else (),
        missing=tuple(year_rules.missing_core(years, year)) if not years.empty else (),
        header=title,
    )
    return st.session_state["filters"]


def filters() -> Filters:
    """The filters the sidebar set for this run (dashboard.py draws the sidebar before the page)."""
    return st.session_state["filters"]


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


def glance(
    this_year: pd.DataFrame,
    count_column: str,
    domain: str,
    page: str,
    link: str,
    figure: Callable[[], go.Figure],
    year: int | None = None,
    height: int | None = None,
) -> None:
    """One small overview chart for a domain, or a line saying the year has none; then a link to its page.

    `count_column` is the year_overview column that counts the domain's records that year;
    `figure` runs only when the year has some, and returns a `ui.figure(...)` (escaped, shared).
    With `year`, a year without the domain's ledger says so and links to 数据导入.
    `height` draws the chart that many pixels high (the overview's first screen is short).
    """
    row = this_year.iloc[0] if not this_year.empty else None
    if row is not None and present(row[count_column]) and row[count_column] > 0:
        shared = figure()
        title = shared.layout.title.text or domain
        _show(shared, f"{int(row['year'])}年{title}", height=height)
    elif year is not None:
        st.caption(f"{year}年尚未导入{domain}数据。")
        st.page_link("views/data_import.py", label="去数据导入 →")
        return
    else:
        shown = "" if row is None else f"{int(row['year'])}年"
        st.caption(f"{shown}暂无{domain}数据。")
    st.page_link(page, label=link)


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


def today() -> date:
    return date.today()


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


def empty_state(message: str) -> None:
    rights = current_access()
    if rights.local:  # the admin at this computer, who can run the command line
        where = "可在“数据导入”页面上传台账，或在命令行运行 `python -m village_stats import 文件`。"
    else:
        where = "可在“数据导入”页面上传台账。" if rights.refusal is None else "管理员可在“数据导入”页面上传台账。"
    st.info(f"{plain(message)}  \n{where}", icon=":material/inbox:")


def plot(figure: go.Figure, filename: str, key: str | None = None, fit: dict | None = None) -> None:
    """A chart whose PNG download is sharp enough for a slide and named in Chinese.

    Prefer `chart`: a figure built here is built again on every rerun. `fit` (plotly_view.payload):
    a CSS height and fonts grown with the screen, for 汇报模式 and the wall.
    """
    _show(charts.as_text(figure), filename, key, fit)


def chart(
    builder: Callable[..., go.Figure], *args: object, filename: str, key: str | None = None, **kwargs: object
) -> None:
    """`plot(builder(*args, **kwargs))`, with the figure built once per distinct input (see `figure`)."""
    _show(figure(builder, *args, **kwargs), filename, key)


def figure(builder: Callable[..., go.Figure], *args: object, **kwargs: object) -> go.Figure:
    """`builder(*args, **kwargs)` with names escaped (charts.as_text), built once per distinct input.

    Building a figure is Plotly's validation of every property: 30–70 ms for a three-bar chart, far
    more than the cached query under it, and the overview has seven. The inputs are query results,
    hashed by Streamlit (a new import gives new results, hence a new figure). The figure is shared
    by every session: never change it (plotly_view.show only serialises it).
    """
    return _figure(builder, f"{builder.__module__}.{builder.__qualname__}", args, kwargs)


# a figure is a few KB (7 KB for 50 bars): 500 of them are nothing beside the memory target
@st.cache_resource(show_spinner=False, max_entries=500)
def _figure(_builder: Callable[..., go.Figure], name: str, args: tuple, kwargs: dict[str, object]) -> go.Figure:
    return charts.as_text(_builder(*args, **kwargs))


def _show(
    figure: go.Figure, filename: str, key: str | None = None, fit: dict | None = None, height: int | None = None
) -> None:
    config = {
        "displaylogo": False,
        "toImageButtonOptions": {"format": "png", "filename": filename, "scale": 3},
        "modeBarButtonsToRemove": ["lasso2d", "select2d"],
    }
    plotly_view.show(figure, config, key=key, fit=fit, height=height)


def table_with_downloads(frame: pd.DataFrame, name: str, key: str, columns: list[str] | None = None) -> None:
    """The table as shown, a page of PAGE_ROWS rows at a time, and all of it as CSV (UTF-8 BOM) and XLSX.

    Presenting (Chinese headers, 万元) costs ~0.1 ms a row in Python, so only the page shown is presented.
    """
    page = _page_picker(len(frame), key)
    start = (page - 1) * PAGE_ROWS
    _show_table(exports.present(frame.iloc[start : start + PAGE_ROWS], columns))
    _page_caption(page, len(frame))
    # files are made on click, not on every rerun (an XLSX of a few thousand rows takes a second)
    _downloads(partial(exports.present, frame, columns), name, key)


def _page_picker(total: int, key: str) -> int:
    pages = max(1, -(-total // PAGE_ROWS))
    if pages == 1:
        return 1
    label = f"页码（共 {pages:,} 页，每页 {PAGE_ROWS} 行）"
    return int(st.number_input(label, 1, pages, 1, step=1, key=f"{key}_page", width=240))


def _page_caption(page: int, total: int) -> None:
    if total > PAGE_ROWS:
        first = (page - 1) * PAGE_ROWS + 1
        last = min(total, page * PAGE_ROWS)
        more = f"下载的文件包含前 {DOWNLOAD_ROWS:,} 行；更多请用“自助查询”或命令行。" if total > DOWNLOAD_ROWS else ""
        st.caption(f"第 {first:,}–{last:,} 行，共 {total:,} 行。{more}")


def paged_table(
    query: str, params: dict[str, object], total: int, name: str, key: str, columns: list[str] | None = None
) -> None:
    """A large detail result one page at a time: each page is its own bounded query ($limit/$offset).

    The downloads run the query again on click, for at most DOWNLOAD_ROWS rows.
    """
    page = _page_picker(total, key)
    frame = run_query(query, **params, limit=PAGE_ROWS, offset=(page - 1) * PAGE_ROWS)
    _show_table(exports.present(frame, columns))
    _page_caption(page, total)
    # the callable runs on click, outside the script run: it gets the Database, not the cached query runner
    _downloads(partial(_all_rows, database(), query, params, columns), name, key)


def counted_table(
    query: str, params: dict[str, object], total: str, name: str, key: str, columns: list[str] | None = None
) -> None:
    """`paged_table` for a bounded query that counts its own rows: column `total` of each row holds the
    number of rows of all pages (a per-village result whose medians only the page shown should pay for).

    The page asked for is the picker's value from the last run; the picker is drawn once the count is known,
    and if it then says another page (fewer pages than before), that page is fetched.
    """
    wanted = st.session_state.get(f"{key}_page", 1)
    page = wanted if isinstance(wanted, int) and wanted >= 1 else 1
    frame = _page_rows(query, params, page)
    if frame.empty and page > 1:  # the last run's page is past this result's end
        page = 1
        frame = _page_rows(query, params, page)
    rows = int(frame[total].iloc[0]) if not frame.empty else 0
    shown_page = _page_picker(rows, key)
    if shown_page != page:
        frame = _page_rows(query, params, shown_page)
    _show_table(exports.present(frame, columns))
    _page_caption(shown_page, rows)
    _downloads(partial(_all_rows, database(), query, params, columns), name, key)


def _page_rows(query: str, params: dict[str, object], page: int) -> pd.DataFrame:
    return run_query(query, **params, limit=PAGE_ROWS, offset=(page - 1) * PAGE_ROWS)


def _all_rows(db: Database, query: str, params: dict[str, object], columns: list[str] | None) -> pd.DataFrame:
    with db.read() as cur:
        frame = queries.run_query(cur, query, **params, limit=DOWNLOAD_ROWS, offset=0)
    return exports.present(frame, columns)


def _show_table(shown: pd.DataFrame) -> None:
    formats = {h: st.column_config.NumberColumn(h, format=f) for h, f in exports.number_formats(shown).items()}
    if len(shown.columns):
        # the name column stays in view while a phone scrolls the other columns inside the table
        first = shown.columns[0]
        number = exports.number_formats(shown).get(first)
        formats[first] = (
            st.column_config.NumberColumn(first, format=number, pinned=True)
            if number
            else st.column_config.Column(first, pinned=True)
        )
    st.dataframe(shown, hide_index=True, width="stretch", column_config=formats, placeholder=MISSING)


def _downloads(table: Callable[[], pd.DataFrame], name: str, key: str) -> None:
    stamp = datetime.now().strftime("%Y%m%d")
    buttons = st.container(horizontal=True)
    buttons.download_button(
        "下载 CSV",
        lambda: exports.to_csv_bytes(table()),
        f"{name}_{stamp}.csv",
        "text/csv",
        key=f"{key}_csv",
        on_click="ignore",
    )
    buttons.download_button(
        "下载 Excel",
        lambda: exports.to_xlsx_bytes(table(), name),
        f"{name}_{stamp}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"{key}_xlsx",
        on_click="ignore",
    )


def with_town_labels(frame: pd.DataFrame, spans_towns: bool) -> pd.DataFrame:
    """Village names are unique only within a town: across towns a chart labels them 镇·村."""
    if not spans_towns or frame.empty:
        return frame
    return frame.assign(village=frame["town"] + "·" + frame["village"].astype(str))


def with_town(filters: Filters, columns: list[str] | tuple[str, ...]) -> list[str]:
    """A table's columns, with 镇(街道) before 村(社区) when the scope spans towns."""
    if not filters.spans_towns or "village" not in columns:
        return list(columns)
    at = list(columns).index("village")
    return [*columns[:at], "town", *columns[at:]]


def chart_rows(frame: pd.DataFrame, value: str, key: str, noun: str = "村(社区)") -> tuple[pd.DataFrame, str]:
    """The rows a ranking chart draws: all of a few; of many, the top or bottom N by `value`, or a search.

    Returns the rows (in the order to draw, first at the top) and a note that says what they are.
    Sorting and cutting a query result is presentation, not aggregation: the query did the sums.
    """
    if len(frame) <= CHART_ROWS:
        return frame, ""
    left, middle, right = st.columns([1.2, 1, 2.5], vertical_alignment="bottom")
    end = left.segmented_control("显示", ["最高", "最低"], default="最高", key=f"{key}_end") or "最高"
    count = middle.selectbox("个数", [10, 20, 30, 50], index=1, key=f"{key}_count")
    search = right.text_input(f"搜索{noun}", key=f"{key}_search", placeholder="输入名称中的字，如 青溪、北垞")
    ranked = frame.sort_values(value, ascending=end == "最低", kind="stable", na_position="last")
    if search.strip():
        ranked = ranked[ranked["village"].astype(str).str.contains(search.strip(), regex=False)]
        note = f"共 {len(frame):,} 个{noun}，名称含“{search.strip()}”的 {len(ranked):,} 个"
        note += f"，图中显示其中{end}的 {count} 个" if len(ranked) > count else ""
    else:
        note = f"共 {len(frame):,} 个{noun}，图中显示{end}的 {min(count, len(ranked))} 个；可改为最低或搜索"
    return ranked.head(count), note


def town_ranking(
    filters: Filters, query: str, column: str, label: str, unit: str, key: str, money: bool = False
) -> None:
    """Towns ranked by one column of a per-town query (town_income, town_tickets …), when the scope spans towns.

    Each page asks its own domain's query, so a page never pays for another domain's scan.
    """
    if not filters.spans_towns or not filters.year:
        return
    rollup = town_rollup(filters, query)
    frame = rollup[["town", column]].dropna().rename(columns={"town": "village"})
    if frame.empty:
        return
    if money:  # 万元, or 亿元 once a town reaches 1亿 (a city's towns do)
        unit, divisor = charts.money_axis_unit(frame[column].max())
        frame[column] = [round(float(v) / divisor, 2) for v in frame[column]]
    st.subheader(f"各镇(街道)排名：{label}")
    rows, note = chart_rows(frame, column, key, "镇(街道)")
    chart(
        charts.village_bars,
        rows,
        column,
        label,
        unit,
        f"各镇(街道){label}（{unit}）",
        filename=f"{filters.year}年各镇(街道){label}",
    )
    if note:
        st.caption(note)


def town_level_projects(town_level: pd.DataFrame, filters: Filters) -> None:
    """镇级项目 on a card of their own (rows of projects_by_village with town_level): one town's sums, or per town."""
    with st.container(border=True):
        st.markdown("**镇级项目**")
        if len(town_level) == 1:
            row = town_level.iloc[0]
            st.metric("镇级项目数", f"{int(row['projects'])}个")
            st.metric("镇级计划投资", fmt.money(row["planned_investment"]))
            st.metric("镇级已完成投资", fmt.money(row["completed_investment"]))
            return
        towns = town_level.drop(columns="village").rename(columns={"town": "village"})
        rows, note = chart_rows(towns, "planned_investment", "projects_town_level", "镇(街道)")
        chart(
            charts.investment_bars,
            rows.reset_index(drop=True),
            "village",
            "各镇(街道)镇级项目投资（万元）",
            horizontal=True,
            filename=f"{filters.year}年各镇(街道)镇级项目投资",
        )
        if note:
            st.caption(note)


def year_report(filters: Filters) -> reports.Report:
    """The year's report for the chosen scope, as 汇报导出, 汇报模式 and the wall show it: without the
    workbook's detail tables (the Excel button builds them when clicked)."""
    from village_stats import reports

    current, day = settings(), today()
    requests = reports.report_requests(filters.year, current, filters.scope, day, tables=False)
    results = {role: run_query(name, **params) for role, (name, params) in requests.items()}
    return reports.build(filters.year, results, current, filters.scope, day, filters.spans_towns, tables=False)


def report_workbook(year: int, scope: Scope, today: date, spans_towns: bool = False) -> Callable[[], bytes]:
    """The report's XLSX, made on click: its detail tables are whole years of rows, too many to present per rerun."""
    db, current = database(), settings()

    def workbook() -> bytes:
        from village_stats import reports

        requests = reports.report_requests(year, current, scope, today)
        with db.read() as cur:
            results = {role: queries.run_query(cur, name, **params) for role, (name, params) in requests.items()}
        return reports.to_xlsx_bytes(reports.build(year, results, current, scope, today, spans_towns))

    return workbook


def town_rollup(filters: Filters, query: str = "town_rollup") -> pd.DataFrame:
    """A per-town query for the sidebar's year and scope, with the income thresholds it declares."""
    wanted = set(queries.load_query(query).params)
    extra = {**settings().tier_params(), "threshold": settings().points_low_threshold}
    given = {name: value for name, value in {**filters.params(), **extra}.items() if name in wanted}
    return run_query(query, **given)


# ---- the 数据导入 page ------------------------------------------------------------


def _registry_first(ready: list[tuple[object, importing.FileOutcome]]) -> list[object]:
    """The uploads in IMPORT_ORDER of what their preview detected: the 村(社区)名录 first, so
    the other ledgers of the same upload are matched against the registry it brings."""

    def rank(pair: tuple[object, importing.FileOutcome]) -> int:
        return min((IMPORT_ORDER.index(t.dataset.name) for t in pair[1].tables), default=len(IMPORT_ORDER))

    return [upload for upload, _ in sorted(ready, key=rank)]


def _import_upload(upload: object, **options: object) -> importing.FileOutcome:
    """One upload through the importer; a database another process holds too long is a file-level error."""
    try:
        return importing.import_file(
            database(), Path(upload.name), settings(), data=upload.getvalue(), file_name=upload.name, **options
        )
    except DatabaseBusy as busy:
        outcome = importing.FileOutcome(upload.name)
        outcome.issues.append(Issue(upload.name, None, None, None, None, "database-busy", str(busy)))
        return outcome


def preview_imports(uploads: list, dataset: str | None, year: int | None) -> list[importing.FileOutcome]:
    """A dry run of every uploaded file: what was detected, what would change, what is wrong."""
    if admin_refusal():  # parsing untrusted files is part of importing
        return []
    return [_import_upload(upload, dataset=dataset, year=year, dry_run=True) for upload in uploads]


def show_import_outcome(outcome: importing.FileOutcome) -> None:
    errors = errors_in(outcome.issues)
    warnings = [i for i in outcome.issues if i.severity == "warning"]
    icon = ":material/error:" if errors else (":material/check_circle:" if outcome.tables else ":material/info:")
    with st.container(border=True):
        st.markdown(f"**{icon} {plain(outcome.file_name)}**")
        for table in outcome.tables:
            years = "、".join(str(y) for y in table.years) or "—"
            st.markdown(
                f"工作表“{plain(table.sheet)}” → **{table.dataset.title}**，表头在第{table.header_row}行；"
                f"年度：{years}；金额单位：{table.money_unit or '—'}  \n"
                f"将新增 **{table.inserted}** 行、更新 **{table.updated}** 行，未变 {table.unchanged} 行"
            )
            if table.preview:
                with st.expander("预览：入库后的前几行"):
                    frame = pd.DataFrame(table.preview).rename(columns={"_change": "变化"})
                    frame["变化"] = frame["变化"].map({"new": "新增", "changed": "更新", "unchanged": "未变"})
                    st.dataframe(
                        exports.present(frame, [*[c for c in frame.columns if c in exports.COLUMNS]]).assign(
                            变化=frame["变化"]
                        ),
                        hide_index=True,
                        placeholder=MISSING,
                    )
            if table.changes:
                with st.expander(f"将被修改的数值（{len(table.changes)}处）"):
                    st.dataframe(pd.DataFrame(table.changes, columns=["记录", "列", "原值", "新值"]), hide_index=True)
        if outcome.ok and not outcome.changes_anything:
            st.info(UNCHANGED, icon=":material/info:")
        for note in outcome.notes:
            st.caption(note)
        if outcome.issues:
            frame = issues_frame(outcome.issues)
            # a 报送 held only for its 异常波动 goes in once they are confirmed: that is not an error to fix
            held = [i for i in errors if i.code == "unconfirmed-changes"]
            if len(errors) > len(held):
                st.error(f"发现 {len(errors) - len(held)} 处错误，此文件不会导入。")
            elif held:
                st.warning("有数值与上年相比变化过大：请逐项核实，无误后勾选下方的确认框再报送。")
            if warnings and not held:
                st.warning(f"{len(warnings)} 处提醒（不影响导入），请核对。")
            st.dataframe(frame, hide_index=True)
            st.download_button(
                "下载问题清单",
                exports.to_xlsx_bytes(frame, "问题清单"),
                f"{Path(outcome.file_name).stem}_问题清单.xlsx",
                key=f"issues_{outcome.sha256}",
                on_click="ignore",
            )


def issues_frame(issues: list) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "级别": "错误" if i.severity == "error" else "提醒",
                "文件": i.file,
                "工作表": i.sheet or "",
                "行": i.row or "",
                "列": i.column or "",
                "单元格内容": i.value or "",
                "问题": i.message,
                "代码": i.code,
            }
            for i in issues
        ]
    )


def uploader_in_chinese(types: list[str]) -> None:
    """The uploader's own words in Chinese.

    Streamlit 1.67 writes "Upload" and "50MB per file • XLSX…" in English and has no parameter
    for them (streamlit/streamlit#13500 asks for one), so CSS hides that text (font size 0,
    which keeps it for screen readers) and writes the Chinese after it.
    """
    limit = st.get_option("server.maxUploadSize")
    words = f"每个文件不超过 {limit} MB · {'、'.join(types)}"
    dropzone = '[data-testid="stFileUploaderDropzone"]'
    instructions = '[data-testid="stFileUploaderDropzoneInstructions"] span'
    st.html(
        f"<style>{dropzone} button p, {instructions} {{ font-size: 0; }}"
        f'{dropzone} button p::after {{ content: "选择文件"; font-size: 0.875rem; }}'
        f'{instructions}::after {{ content: "{words}"; font-size: 0.875rem; }}</style>'
    )


def uploader_key() -> str:
    """The uploader's key: a new one after each import, which empties it (Streamlit has no other way)."""
    generation = st.session_state.get("import_generation", 0)
    return "import_files" if generation == 0 else f"import_files_{generation}"


UNCHANGED = "与已导入内容相同，无需导入"


def commit_imports(ready: list[tuple[object, importing.FileOutcome]], dataset: str | None, year: int | None) -> None:
    """Import the previewed uploads for real, registry first, with a progress bar; then start the
    page afresh: the result at the top, the uploader empty, undo pointing at this import."""
    if not may_change_data("导入"):
        return
    user = current_user() or access.LOCAL_USER
    bar = st.progress(0.0, text="准备导入")
    uploads = _registry_first(ready)
    outcomes = []
    for number, upload in enumerate(uploads):

        def step(fraction: float, words: str, number: int = number, name: str = upload.name) -> None:
            bar.progress(min(1.0, (number + fraction) / len(uploads)), text=f"{name}：{words}")

        outcomes.append(_import_upload(upload, dataset=dataset, year=year, progress=step, user=user))
    bar.empty()
    st.session_state["import_results"] = outcomes
    st.session_state["import_generation"] = st.session_state.get("import_generation", 0) + 1
    made = [t.import_id for o in outcomes if o.committed for t in o.tables if t.import_id is not None]
    if made:
        st.session_state["import_undo_id"] = max(made)
    st.session_state["import_toast"] = True
    st.rerun()


def import_results() -> None:
    """What the last 确认导入 did, per file and table, until another file is chosen."""
    outcomes = st.session_state.get("import_results")
    if not outcomes:
        return
    if st.session_state.get(uploader_key()):  # a new file is being previewed: that is what matters now
        del st.session_state["import_results"]
        return
    if st.session_state.pop("import_toast", False):
        # the page keeps its scroll position, and the button was far down on a phone: say it where the eye is
        done = sum(o.committed for o in outcomes)
        st.toast(f"已导入 {done} 个文件，结果见页面顶部" if done else "没有导入任何数据，原因见页面顶部")
    for outcome in outcomes:
        if outcome.committed:
            lines = [f"**已导入 {plain(outcome.file_name)}**"]
            for table in outcome.tables:
                years = "、".join(str(y) for y in table.years)
                scope = f"（{years}年）" if years else ""
                lines.append(
                    f"- {table.dataset.title}{scope}：新增 {table.inserted} 行，更新 {table.updated} 行，"
                    f"未变 {table.unchanged} 行（导入记录 #{table.import_id}）"
                )
            undo = "如需撤销，见页面下方“导入记录”：已选中本次导入。"
            st.success("\n".join(lines) + f"\n\n{undo}", icon=":material/check_circle:")
        elif outcome.ok:
            st.info(f"{plain(outcome.file_name)}：{UNCHANGED}", icon=":material/info:")
        else:
            reasons = "  \n".join(plain(i.message) for i in errors_in(outcome.issues)[:5])
            st.error(f"{plain(outcome.summary())}  \n{reasons}")


def import_history() -> None:
    records = importing.history(database())
    if not records:
        st.caption("还没有导入记录。")
        return
    frame = pd.DataFrame(records)
    shown = pd.DataFrame(
        {
            "编号": frame["import_id"],
            "导入时间": frame["imported_at"].dt.strftime("%Y-%m-%d %H:%M"),
            "操作人": frame["imported_by"],
            "文件": frame["file_name"],
            "工作表": frame["sheet"],
            "数据集": frame["dataset_title"],
            "新增": frame["rows_inserted"],
            "更新": frame["rows_updated"],
            "状态": [_undo_state(at, by) for at, by in zip(frame["undone_at"], frame["undone_by"], strict=True)],
        }
    )
    st.dataframe(shown, hide_index=True, width="stretch", placeholder=MISSING)
    live = [r for r in records if r["undone_at"] is None or pd.isna(r["undone_at"])]
    if not live or admin_refusal():  # the page has said why at the top
        return
    with st.form("import_undo_form"):
        choice = st.selectbox(
            "撤销一次导入（恢复到该次导入前的数据）",
            [r["import_id"] for r in live],
            key="import_undo_id",
            format_func=lambda i: next(
                f"#{r['import_id']} {r['file_name']} · {r['dataset_title']}" for r in live if r["import_id"] == i
            ),
        )
        sure = st.checkbox("我确认要撤销这次导入", key="import_undo_sure")
        if st.form_submit_button("撤销", type="secondary", key="import_undo_submit") and sure:
            refusal = admin_refusal()
            try:
                if refusal:
                    raise importing.UndoRefused(refusal)
                importing.undo_import(database(), choice, user=current_user() or access.LOCAL_USER)
            except (importing.UndoRefused, DatabaseBusy) as refused:
                st.error(plain(refused))
            except (OSError, duckdb.Error) as error:
                problem = storage_problem(error, database().path.parent)
                if problem is None:
                    raise
                st.error(plain(problem))
            else:
                st.success(f"已撤销第 {choice} 次导入。")
                st.rerun()


def _undo_state(undone_at: object, undone_by: object) -> str:
    """有效, or when and by whom an import was undone (undos from before v6 name nobody)."""
    if undone_at is None or pd.isna(undone_at):
        return "有效"
    when = f"{pd.Timestamp(undone_at):%Y-%m-%d %H:%M}"
    return f"已撤销（{undone_by}，{when}）" if isinstance(undone_by, str) and undone_by else f"已撤销（{when}）"


# ---- the 自助查询 page ------------------------------------------------------------

_CHART_KEYS = ("explore_chart_kind", "explore_chart_x", "explore_chart_y", "explore_chart_color")


@st.cache_resource
def _sandbox(location: str, lock_wait_seconds: float) -> sandbox.Sandbox:
    return sandbox.Sandbox(location, sandbox.Limits(lock_wait_seconds=lock_wait_seconds))


def run_explore(sql: str, title: str = "") -> None:
    """Run user SQL in the sandbox and keep the outcome (a Result, or the refusal to show) for the page."""
    try:
        outcome: object = _sandbox(str(database().path), settings().lock_wait_seconds).run(sql, names_hidden_below())
    except (sandbox.SandboxRefused, sandbox.SandboxError) as error:
        outcome = error
    st.session_state["explore_outcome"] = outcome
    st.session_state["explore_ran_sql"] = sql
    st.session_state["explore_title"] = title
    for key in _CHART_KEYS:  # the new result may not have the old result's columns
        st.session_state.pop(key, None)


def sandbox_error(error: sandbox.SandboxRefused | sandbox.SandboxError) -> None:
    st.error(plain(error.message), icon=":material/block:")
    if error.detail:
        st.caption("DuckDB 原始信息")
        st.code(error.detail, language=None, wrap_lines=True)


def load_example() -> None:
    """Callback of the example picker: the question's SQL into the editor, and its answer."""
    index = st.session_state.get("explore_example")
    if index is not None:
        example = gallery.EXAMPLES[index]
        st.session_state["explore_sql"] = example.sql
        run_explore(example.sql, example.title)


def insert_sql(text: str) -> None:
    """Callback of the table browser: append a table or column name to the editor."""
    current = st.session_state.get("explore_sql", "")
    gap = "" if not current or current.endswith((" ", "\n", "(", ",")) else " "
    st.session_state["explore_sql"] = f"{current}{gap}{text}"
    st.session_state["explore_mode"] = "写 SQL"


def insert_picked(key: str) -> None:
    """Callback of a column picker: insert the picked column, then clear the pick."""
    if st.session_state.get(key):
        insert_sql(st.session_state[key])
        st.session_state[key] = None


def open_linked_query() -> None:
    """`?q=<id>` in the address: that saved query in the editor, with its results, once per id."""
    wanted = st.query_params.get("q")
    if not wanted or st.session_state.get("explore_loaded") == wanted:
        return
    st.session_state["explore_loaded"] = wanted
    saved = next((q for q in saved_queries() if str(q.id) == wanted), None)
    if saved is None:
        st.session_state["explore_outcome"] = sandbox.SandboxRefused(f"没有编号为 {wanted} 的已保存查询。")
        return
    st.session_state["explore_sql"] = saved.sql
    st.session_state["explore_mode"] = "写 SQL"
    run_explore(saved.sql, saved.name)


def open_saved() -> None:
    """Callback of the saved-query picker: the same as following its link."""
    chosen = st.session_state.get("explore_saved")
    if chosen is not None:
        st.query_params["q"] = str(chosen)
        st.session_state["explore_saved"] = None


@st.cache_data(show_spinner=False, max_entries=20)
def _catalog(
    path: str, version: tuple[int, ...], hidden: Decimal | None
) -> tuple[list[gallery.TableInfo], dict[str, pd.DataFrame]]:
    with database().read() as cur:
        tables = gallery.catalog(cur)
        return tables, {table.name: gallery.sample(cur, table, hide_names_below=hidden) for table in tables}


def names_hidden_below() -> Decimal | None:
    """The points below which members' names are hidden from this session (privacy.low_scorer_names)."""
    current = settings()
    return mechanisms.low_scorers_hidden_below(current.low_scorer_names, current_role(), current.points_low_threshold)


def table_catalog() -> tuple[list[gallery.TableInfo], dict[str, pd.DataFrame]]:
    """Every table ad-hoc SQL may query: columns described, row counts, first rows; cached until the file changes."""
    db = database()
    return _catalog(str(db.path), db.version(), names_hidden_below())


@st.cache_data(show_spinner=False, max_entries=20)
def _saved(path: str, version: tuple[int, ...]) -> list[gallery.SavedQuery]:
    with database().read() as cur:
        return gallery.saved_queries(cur)


def saved_queries() -> list[gallery.SavedQuery]:
    db = database()
    return _saved(str(db.path), db.version())


def save_query(name: str, description: str, sql: str) -> int | str:
    """The new saved query's id, or why it was not saved (Chinese)."""
    refusal = admin_refusal()
    if refusal:
        return refusal
    try:
        return gallery.save_query(database(), name, description, sql, current_user() or access.LOCAL_USER)
    except (gallery.SaveRefused, sandbox.SandboxRefused, sandbox.SandboxError) as refused:
        return str(refused)


def build_query(table: str, filters: list, group_by: list, aggregate: str | None, measure: str | None) -> str:
    """The menus' SQL, or the reason there is none yet shown as a warning (returns "")."""
    try:
        return gallery.build_query(table, filters, group_by, aggregate, measure)
    except gallery.BuildError as problem:
        st.warning(plain(problem), icon=":material/edit_note:")
        return ""


_UNSAFE_FILE_CHARS = re.compile(r'[\\/:*?"<>|\s]+')


def result_with_downloads(frame: pd.DataFrame, name: str, key: str) -> None:
    """A result exactly as the query returned it, and the same as CSV (UTF-8 BOM) and XLSX."""
    st.dataframe(frame, hide_index=True, width="stretch", height=min(420, 38 + 35 * max(len(frame), 1)))
    stem = f"{_UNSAFE_FILE_CHARS.sub('_', name).strip('_') or '自助查询'}_{datetime.now():%Y%m%d}"
    buttons = st.container(horizontal=True)
    # files are made on click, not on every rerun (an XLSX of 10,000 rows takes a second)
    buttons.download_button(
        "下载 CSV",
        partial(exports.to_csv_bytes, frame),
        f"{stem}.csv",
        "text/csv",
        key=f"{key}_csv",
        on_click="ignore",
    )
    buttons.download_button(
        "下载 Excel",
        partial(exports.to_xlsx_bytes, frame, "查询结果"),
        f"{stem}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"{key}_xlsx",
        on_click="ignore",
    )


# ---- the 报送 page ------------------------------------------------------------------

SUBMISSION_TYPES = ["xlsx", "xlsm", "xls", "ods", "csv"]


def round_list() -> pd.DataFrame:
    return run_query("rounds_overview")


def get_round(round_id: int) -> rounds.Round:
    with database().read() as cur:
        return rounds.get_round(cur, round_id)


def rounds_for_unit(unit: str) -> list[rounds.Round]:
    """The rounds of the town `unit` belongs to, open ones first."""
    with database().read() as cur:
        towns = {r[0] for r in cur.execute("select town from villages where name = $u", {"u": unit}).fetchall()}
        found = [r for r in rounds.all_rounds(cur) if r.town in towns]
    return sorted(found, key=lambda r: (r.closed, -r.round_id))


def pick_round(frame: pd.DataFrame, key: str) -> rounds.Round | None:
    """A round chosen from the list, newest first; None when there is none."""
    if frame.empty:
        return None
    labels = {
        int(row.round_id): f"#{row.round_id} {row.title}（截止 {row.due:%Y-%m-%d}"
        + ("，已关闭）" if present(row.closed_at) else "）")
        for row in frame.itertuples()
    }
    chosen = st.selectbox("报送任务", list(labels), format_func=labels.get, key=key)
    return get_round(int(chosen))


def open_round_form() -> None:
    """The town opens a round: dataset, year, due date, title."""
    names = rounds.round_datasets()
    with st.form("rounds_open_form", border=False):
        left, middle, right = st.columns(3)
        title = left.selectbox("台账", [DATASETS[n].title for n in names], key="rounds_open_dataset")
        year = middle.number_input("年度", 2000, 2100, today().year - 1, step=1, key="rounds_open_year")
        due = right.date_input("截止日期", today() + timedelta(days=30), key="rounds_open_due")
        name = st.text_input("任务名称（可不填）", key="rounds_open_title", placeholder="默认：2025年村级集体经济收入")
        if st.form_submit_button("发起报送", type="primary", key="rounds_open_submit"):
            dataset = names[[DATASETS[n].title for n in names].index(title)]
            try:
                opened = rounds.open_round(database(), dataset, int(year), due, settings().town, _actor(), name)
            except (rounds.RoundError, DatabaseBusy) as error:
                st.error(str(error))
                return
            st.success(f"已发起报送任务 #{opened.round_id}：{opened.title}。请下载各村(社区)模板发给各村。")


def _actor() -> str:
    return current_user() or access.LOCAL_USER


def round_board(round_: rounds.Round, names_people: bool) -> pd.DataFrame:
    """Progress of one round: counts, a progress bar, every unit's state, the missing list and the 催报 text.

    `names_people`: the 报送人 column is shown (admins); others see states and times only."""
    counts = run_query("round_progress", round_id=round_.round_id).iloc[0]
    units = run_query("round_status", round_id=round_.round_id)
    units_total, reported = int(counts["units"]), int(counts["reported"])
    state = "已关闭（数据已锁定）" if round_.closed else "进行中"
    st.caption(f"{round_.title} · 截止 {round_.due:%Y年%m月%d日} · {state}")
    cards = st.columns(4)
    cards[0].metric("应报", f"{units_total}个", border=True)
    cards[1].metric("按时报送", f"{int(counts['submitted'])}个", border=True)
    cards[2].metric("逾期报送", f"{int(counts['late'])}个", border=True)
    cards[3].metric("未报送", f"{int(counts['missing'])}个", border=True)
    st.progress(reported / units_total if units_total else 0.0, text=f"{units_total}个村(社区)中{reported}个已报送")
    missing = units.loc[units["status"] == "missing", "unit"].tolist()
    text = rounds.reminder(round_, missing, today(), settings().round_chase_days)
    if missing:
        st.warning(f"未报送（{len(missing)}个）：{'、'.join(missing)}", icon=":material/pending_actions:")
    else:
        st.success("全部村(社区)已报送。", icon=":material/task_alt:")
    st.markdown(f"**催报通知**  \n{plain(text)}")
    copy_text([text], key="rounds_copy_reminder", label="复制催报通知")
    shown = rounds.status_table(units)
    if not names_people:
        shown = shown.drop(columns=["报送人"])
    st.dataframe(shown, hide_index=True, width="stretch", placeholder=MISSING)
    st.download_button(
        "下载报送进度表",
        partial(exports.to_xlsx_bytes, shown, "报送进度"),
        f"{round_.title}_报送进度.xlsx",
        key="rounds_status_download",
        on_click="ignore",
        icon=":material/download:",
    )
    st.caption(
        f"报送 {int(counts['row_count'])} 行，报送人确认的异常波动 {int(counts['changes_confirmed'])} 处。"
        "按时/逾期按每个村(社区)第一次有效报送的日期计。"
    )
    return units


def round_admin_actions(round_: rounds.Round) -> None:
    """Templates for every unit, a submission on a unit's behalf, and closing or reopening the round."""
    left, right = st.columns(2)
    left.download_button(
        "下载全部村(社区)模板（zip）",
        partial(rounds.templates_zip, database(), round_.round_id, settings()),
        f"{round_.year}年{round_.ledger.title}_报送模板.zip",
        key="rounds_templates_zip",
        on_click="ignore",
        icon=":material/folder_zip:",
    )
    if round_.closed:
        if right.button("重新打开报送任务", key="rounds_reopen", icon=":material/lock_open:"):
            _set_closed(round_, False)
    elif right.button("关闭报送任务（锁定数据）", key="rounds_close", icon=":material/lock:"):
        _set_closed(round_, True)
    with st.expander("代村(社区)报送", icon=":material/upload_file:"):
        with database().read() as cur:
            names = rounds.units_of(cur, round_.town)
        unit = st.selectbox("村(社区)", names, key="rounds_proxy_unit")
        submission_box(round_, unit, key="rounds_proxy")


def _set_closed(round_: rounds.Round, closed: bool) -> None:
    try:
        rounds.set_closed(database(), round_.round_id, closed, _actor())
    except (rounds.RoundError, DatabaseBusy) as error:
        st.error(str(error))
        return
    st.rerun()


def may_submit_for(unit: str) -> bool:
    """An admin submits for any unit, a village account for its own only; nobody else submits."""
    rights = current_access()
    return rights.role == access.ADMIN or (rights.role == access.VILLAGE and rights.unit == unit)


def submission_box(round_: rounds.Round, unit: str, key: str) -> None:
    """Template download, upload, the checker's result, the 异常波动 confirmation and the submit button."""
    if not may_submit_for(unit):
        return
    st.download_button(
        f"下载{unit}的报送模板",
        partial(_unit_template, round_.round_id, unit),
        round_.file_name(unit),
        key=f"{key}_template",
        on_click="ignore",
        icon=":material/table_view:",
    )
    notice = st.session_state.pop(f"{key}_notice", None)
    if notice:
        st.success(notice, icon=":material/task_alt:")
    if round_.closed:
        st.info("该报送任务已关闭，不能再报送；如需更正请联系镇里重新打开。", icon=":material/lock:")
        return
    # a new uploader after each submission: the sent file does not linger to be sent twice
    sent = st.session_state.get(f"{key}_sent", 0)
    upload = st.file_uploader(
        f"上传{unit}填好的报送表", type=SUBMISSION_TYPES, key=f"{key}_file" + (f"_{sent}" if sent else "")
    )
    if upload is None:
        return
    confirmed = bool(st.session_state.get(f"{key}_confirm"))
    submission = rounds.Submission(round_.round_id, unit, confirmed)
    preview = _import_upload(upload, dry_run=True, submission=submission)
    show_import_outcome(preview)
    abnormal = [i for i in preview.issues if i.code == "abnormal-change"]
    if abnormal:
        st.checkbox(f"我已核实以上 {len(abnormal)} 处异常波动，数据无误", key=f"{key}_confirm")
    if preview.ok and st.button("确认报送", type="primary", key=f"{key}_submit", icon=":material/send:"):
        outcome = _import_upload(upload, submission=submission, user=_actor())
        if outcome.committed:
            table = outcome.tables[0]
            rows = table.inserted + table.updated + table.unchanged
            st.session_state[f"{key}_notice"] = (
                f"{unit}已报送{round_.title}：{rows} 行（第 {table.import_id} 次导入）。"
            )
            st.session_state[f"{key}_sent"] = sent + 1
            st.session_state.pop(f"{key}_confirm", None)
            st.rerun()  # the board and the history above and below show the submission at once
        else:
            reasons = "  \n".join(plain(i.message) for i in errors_in(outcome.issues)[:5])
            st.error(f"{plain(outcome.summary())}  \n{reasons}")


def _unit_template(round_id: int, unit: str) -> bytes:
    return rounds.unit_template(database(), round_id, unit, settings())[1]


def unit_history(unit: str) -> None:
    """The unit's own submissions, newest first, with whether each still counts."""
    frame = run_query("unit_submissions", town=None, unit=unit)
    if frame.empty:
        st.caption("还没有报送记录。")
        return
    shown = pd.DataFrame(
        {
            "报送任务": frame["title"],
            "报送时间": frame["submitted_at"].dt.strftime("%Y-%m-%d %H:%M"),
            "报送人": frame["submitted_by"],
            "行数": frame["row_count"],
            "确认的异常波动": frame["changes_confirmed"],
            "文件": frame["file_name"],
            "状态": [_undo_state(at, by) for at, by in zip(frame["undone_at"], frame["undone_by"], strict=True)],
        }
    )
    st.dataframe(shown, hide_index=True, width="stretch", placeholder=MISSING)


def village_round(round_: rounds.Round, unit: str) -> None:
    """One round as a village account sees it: its own state, its template, its upload."""
    units = run_query("round_status", round_id=round_.round_id)
    mine = units[units["unit"] == unit]
    status = mine.iloc[0] if not mine.empty else None
    words = rounds.STATUS_WORDS.get(status["status"], "—") if status is not None else "—"
    when = f"（{status['submitted_at']:%Y-%m-%d %H:%M}，{status['submitted_by']}）" if words != "未报送" else ""
    st.markdown(f"**{plain(round_.title)}** · 截止 {round_.due:%Y年%m月%d日} · 本村状态：**{words}**{when}")
    submission_box(round_, unit, key=f"rounds_village_{round_.round_id}")


def sees_own_unit_only() -> bool:
    """A village account under `village_accounts_see = "own"`: only its own 报送 page is offered."""
    return current_access().role == access.VILLAGE and settings().village_accounts_see == "own"


# the dashboard pages whose figures a 报送 round feeds; 总览 shows every ledger
ROUND_PAGES = {
    "村财收入": ("income",),
    "项目投资": ("projects",),
    "达标创星": ("stars",),
    "五单服务": ("tickets",),
    "问题整改": ("problems",),
    "党员积分": ("member_points",),
    "书记工作室": ("studios",),
    "乡贤": ("sages",),
    "村干部": ("cadres",),
}


def round_notices(page_title: str) -> None:
    """Above a page whose year is still being reported: “25个村(社区)中21个已报送”, so a half-in year
    is not read as the town's total."""
    if page_title != "总览" and page_title not in ROUND_PAGES:
        return
    year = st.session_state.get("filters").year if "filters" in st.session_state else None
    if year is None:
        return
    listed = round_list()
    if listed.empty:
        return
    wanted = set(ROUND_PAGES.get(page_title, rounds.round_datasets()))
    incomplete = (listed["year"] == year) & listed["dataset"].isin(wanted) & (listed["reported"] < listed["units"])
    for row in listed[incomplete].itertuples():
        st.info(
            f"{row.title}：{row.units}个村(社区)中{row.reported}个已报送，{year}年数据尚不完整（详见“报送”页）。",
            icon=":material/pending_actions:",
        )
