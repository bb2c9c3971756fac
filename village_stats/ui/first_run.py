"""The first visit (the demo or a clean start), the demo banner and the empty database's guide."""

from __future__ import annotations

import html

import pandas as pd
import streamlit as st

from village_stats import access, importing, templates
from village_stats.datasets import DATASETS, IMPORT_ORDER
from village_stats.db import default_db_path
from village_stats.errors import VillageStatsError
from village_stats.settings import load_settings
from village_stats.ui.signin import admin_refusal, server_is_loopback
from village_stats.ui.state import _database, settings, showing_demo
from village_stats.ui.widgets import plain, show_refusal

# Until the town's own database exists, each visit starts on a page offering the demo or a clean
# start; the choice of the demo lasts for the session (st.session_state "use_demo").


def _use_demo() -> None:
    st.session_state["use_demo"] = True
    st.session_state.pop("start_town", None)


def _start_town() -> None:
    st.session_state["start_town"] = True


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
    except VillageStatsError as error:
        show_refusal(error, icon=":material/error:")
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
