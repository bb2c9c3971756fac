"""村情看板 entry point: `streamlit run dashboard.py` (or `python -m village_stats serve`)."""

import streamlit as st

from village_stats import ui

# the tab icon is a file the app serves: a ":material/…" page_icon is fetched from fonts.gstatic.com
st.set_page_config(page_title="村情看板", page_icon=str(ui.FAVICON), layout="wide")

ui.host_gate()  # DNS rebinding: a page on another name must not drive a loopback dashboard
if ui.first_run_needed():  # no database of the town's own yet: offer the demo or a clean start
    ui.first_run_page()
    st.stop()

# st.Page icons are drawn with the Material Symbols font bundled in Streamlit's frontend (no outside request)
pages = {
    "看板": [
        st.Page("views/overview.py", title="总览", icon=":material/dashboard:", default=True),
        st.Page("views/income.py", title="村财收入", icon=":material/payments:"),
        st.Page("views/projects.py", title="项目投资", icon=":material/construction:"),
        st.Page("views/stars.py", title="达标创星", icon=":material/star:"),
        st.Page("views/tickets.py", title="五单服务", icon=":material/assignment_turned_in:"),
        st.Page("views/problems.py", title="问题整改", icon=":material/build:"),
        st.Page("views/points.py", title="党员积分", icon=":material/military_tech:"),
        st.Page("views/studios.py", title="书记工作室", icon=":material/home_work:"),
        st.Page("views/sages.py", title="乡贤", icon=":material/diversity_3:"),
        st.Page("views/cadres.py", title="村干部", icon=":material/badge:"),
    ],
    "汇报": [
        st.Page("views/report.py", title="汇报导出", icon=":material/slideshow:"),
        st.Page("views/presenter.py", title="汇报模式", icon=":material/co_present:"),
    ],
    "数据": [
        st.Page("views/data_import.py", title="数据导入", icon=":material/upload_file:"),
        st.Page("views/rounds.py", title="报送", icon=":material/assignment_add:"),
        st.Page("views/explore.py", title="自助查询", icon=":material/query_stats:"),
    ],
}
presenter, data_pages = pages["汇报"][1], pages["数据"]
WALL = "村情大屏"
st.sidebar.markdown(f"### 村情看板 · {ui.settings().town}")
may_view = ui.access_sidebar()
own_unit_only = ui.sees_own_unit_only()
if own_unit_only:  # settings: a village account sees its 报送 page and nothing of the other villages
    pages = {"数据": [page for page in pages["数据"] if page.title == "报送"]}
# every page stays registered while signed out, so a link to one opens it after signing in
# expanded: with fourteen pages Streamlit would otherwise fold the 汇报 and 数据 sections away
if may_view and st.query_params.get("screen") == "wall":
    # 大屏: the hall's screen is one page with no navigation (a link /?screen=wall opens it)
    page = st.navigation([st.Page("views/wall.py", title=WALL, default=True)], position="hidden")
else:
    page = st.navigation(pages, position="sidebar" if may_view else "hidden", expanded=True)
if not may_view:  # settings: viewing needs a sign-in, and this session has none
    ui.sign_in_page()
    st.stop()
ui.demo_banner(compact=page == presenter or page.title == WALL)  # 汇报模式 and the wall pin it small
# the pages that only read see one state of the data for the whole run; the 数据 pages write
ui.screen_css()
with ui.one_snapshot(active=page not in data_pages):
    if not own_unit_only:  # the other villages' names are not its to browse
        # 汇报模式 and the wall are one screen each, the 数据 pages need no year: no filter row at their top
        ui.sidebar_filters(top=page not in data_pages and page != presenter and page.title != WALL)
        ui.round_notices(page.title)
    if page not in data_pages and ui.database_is_empty():
        ui.empty_guide()  # a town's new database: what to import first, instead of empty pages
    else:
        page.run()
