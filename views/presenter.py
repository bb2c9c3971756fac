"""汇报模式: one chart and its takeaway per screen, in type a meeting-room projector can carry.

The screens are the PPTX's own slides (`reports.Report.screens`: 核心指标, each
section's charts, 存在的问题和下一步) for the year and scope chosen in the sidebar.
← / → (or the buttons) step through them; 自动播放 moves on by itself. The position lives
in st.session_state, so a rerun or a change of the interval keeps the current screen.
"""

import html
import time

import plotly.graph_objects as go
import streamlit as st

from village_stats import reports, ui

# a projector wants every pixel: the sidebar starts folded away and, with Streamlit's header and toolbar,
# stays out of sight (退出 leads back to the dashboard, where the filters are)
st.set_page_config(initial_sidebar_state="collapsed")
st.html(
    """
<style>
header[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"],
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"] {
  display: none !important;
}
/* type grows with the screen's width: 1366 px is the dashboard's own size, 1920 px a projector's */
[data-testid="stMainBlockContainer"] { padding: 0.8rem 2.5vw 0.3rem 2.5vw; max-width: 100%; }
[data-testid="stMainBlockContainer"] h1 { font-size: clamp(1.7rem, 2.15vw, 3rem); padding: 0; line-height: 1.3; }
.presenter-takeaway {
  font-size: clamp(1.25rem, 1.45vw, 2.05rem); font-weight: 600; line-height: 1.4; color: #1f4e79;
  background: #eaf1fb; border-left: 0.4rem solid #e9a23b; border-radius: 0.4rem; padding: 0.45rem 1rem;
}
.presenter-where { font-size: clamp(1rem, 1.05vw, 1.45rem); color: #52606d; }
/* two rows of cards share the screen under the title row */
.presenter-kpi {
  min-height: calc((100vh - 12rem - 2vw) / 2); display: flex; flex-direction: column; justify-content: center;
}
.presenter-kpi-label { font-size: clamp(1.4rem, 1.75vw, 2.5rem); color: #52606d; }
.presenter-kpi-value {
  font-size: clamp(2.8rem, 3.9vw, 5.6rem); font-weight: 700; color: #1f4e79; line-height: 1.45; white-space: nowrap;
}
.presenter-kpi-note { font-size: clamp(1.15rem, 1.35vw, 1.9rem); color: #52606d; }
</style>
"""
)

# the chart takes what the title row, the takeaway and the controls leave, and never under 55% of the screen
CHART_FIT = {"height": "max(55vh, calc(100vh - 11.5rem - 2vw))", "fontScale": True}

filters, report = ui.report_page("汇报模式")
screens = report.screens() if report.outline else []
if not screens:
    ui.page_header("汇报模式", filters)
    ui.empty_state(f"{filters.year}年{filters.scope_label}暂无可汇报的台账数据。")
    st.stop()
titles = [s.title for s in screens]


def shown_now() -> None:
    st.session_state["presenter_shown_at"] = time.monotonic()


def step(by: int) -> None:
    st.session_state["presenter_slide"] = (st.session_state.get("presenter_slide", 0) + by) % len(screens)
    shown_now()


if st.session_state.get("presenter_slide", 0) >= len(screens):
    st.session_state["presenter_slide"] = 0  # fewer screens after a change of year or scope
st.session_state.setdefault("presenter_shown_at", time.monotonic())

# outside the fragment: switching auto-play reruns the page, which re-arms the fragment's timer
top = st.container(horizontal=True, vertical_alignment="center")
top.markdown(
    f'<div class="presenter-where">{html.escape(report.town)} · {filters.year}年 · {html.escape(filters.scope_label)}'
    "　（← → 翻页）</div>",
    unsafe_allow_html=True,
    width="stretch",
)
auto = top.toggle("自动播放", key="presenter_auto", on_change=shown_now)
seconds = top.selectbox(
    "每屏停留",
    [10, 15, 20, 30, 45, 60],
    index=2,
    format_func=lambda s: f"每屏{s}秒",
    key="presenter_seconds",
    label_visibility="collapsed",
    width=130,
)
top.page_link("views/overview.py", label="退出汇报模式", icon=":material/close:")


def heading(title: str, index: int) -> None:
    """The screen's title, with the paging controls on the same row: the chart keeps the height."""
    row = st.container(horizontal=True, vertical_alignment="center")
    with row:
        st.title(title, anchor=False, width="stretch")
    row.button("上一屏", key="presenter_prev", on_click=step, args=(-1,), icon=":material/arrow_back:", shortcut="Left")
    row.button(
        "下一屏",
        key="presenter_next",
        on_click=step,
        args=(1,),
        icon=":material/arrow_forward:",
        type="primary",
        shortcut="Right",
    )
    row.selectbox(
        "跳转到",
        range(len(screens)),
        format_func=lambda i: f"{i + 1}. {titles[i]}" + (f"：{screens[i].chart.title}" if screens[i].chart else ""),
        key="presenter_slide",
        on_change=shown_now,
        label_visibility="collapsed",
        width=300,
    )
    row.markdown(f'<div class="presenter-where">第 {index + 1} / {len(screens)} 屏</div>', unsafe_allow_html=True)


def kpi_screen(kpis: list[reports.Kpi]) -> None:
    for row in range(0, len(kpis), 4):
        cards = st.columns(4)
        for card, kpi in zip(cards, kpis[row : row + 4], strict=False):
            notes = "　".join(part for part in (kpi.note, kpi.change and f"较上年{kpi.change}") if part)
            card.container(border=True).markdown(
                f'<div class="presenter-kpi"><div class="presenter-kpi-label">{html.escape(kpi.label)}</div>'
                f'<div class="presenter-kpi-value">{html.escape(kpi.value)}</div>'
                f'<div class="presenter-kpi-note">{html.escape(notes) or "&nbsp;"}</div></div>',
                unsafe_allow_html=True,
            )


def closing_screen() -> None:
    """存在的问题 beside 下一步: the closing slide's own short bullets (the full sentences are in its notes)."""
    shown_findings = report.findings[: reports.SLIDE_BULLETS]
    problems = [f.short_problem or f.problem for f in shown_findings] or [report.closing_notes()]
    steps = [f.short_next_step or f.next_step for f in shown_findings]
    for column, title, lines in zip(st.columns(2), ("存在的问题", "下一步"), (problems, steps), strict=True):
        column.markdown(f"#### {title}")
        for line in lines:
            column.markdown(f'<div class="presenter-takeaway">{html.escape(line)}</div>', unsafe_allow_html=True)


def chart_screen(figure: go.Figure, title: str, takeaway: str, key: str) -> None:
    """One chart filling the screen under its takeaway; fonts grow with the screen's width (CHART_FIT)."""
    st.markdown(f'<div class="presenter-takeaway">{html.escape(takeaway)}</div>', unsafe_allow_html=True)
    ui.plot(figure, title, key=key, fit=CHART_FIT)


@st.fragment(run_every=seconds if auto else None)
def screen() -> None:
    if auto and time.monotonic() - st.session_state["presenter_shown_at"] >= seconds - 0.5:
        step(1)
    index = st.session_state.get("presenter_slide", 0)
    shown = screens[index]
    heading(titles[index], index)
    if shown.kind == "kpis":
        kpi_screen(report.kpis)
    elif shown.kind == "closing":
        closing_screen()
    else:
        chart = shown.chart
        figure = reports.figure(chart, font_size=18, height=455, title=chart.title)
        chart_screen(figure, f"{filters.year}年{chart.title}", chart.takeaway, f"presenter_chart_{chart.key}")


screen()
