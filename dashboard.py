"""村情看板 entry point: `streamlit run dashboard.py`."""

import streamlit as st

from village_stats import ui

st.set_page_config(page_title="村情看板", page_icon=":material/holiday_village:", layout="wide")

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
        st.Page("views/explore.py", title="自助查询", icon=":material/query_stats:"),
    ],
}
ui.host_gate()  # DNS rebinding: a page on another name must not drive a loopback dashboard
st.sidebar.markdown(f"### 村情看板 · {ui.settings().town}")
may_view = ui.access_sidebar()
# every page stays registered while signed out, so a link to one opens it after signing in
# expanded: with fourteen pages Streamlit would otherwise fold the 汇报 and 数据 sections away
page = st.navigation(pages, position="sidebar" if may_view else "hidden", expanded=True)
if not may_view:  # settings: viewing needs a sign-in, and this session has none
    ui.sign_in_page()
    st.stop()
# the pages that only read see one state of the data for the whole run; the 数据 pages write
with ui.one_snapshot(active=page not in pages["数据"]):
    ui.sidebar_filters()
    page.run()
