"""汇报模式: one chart and its takeaway per screen, in type a meeting-room projector can carry.

The screens are the PPTX's own slides (`reports.Report.screens`: 核心指标, each
section's charts, 存在的问题和下一步) for the year and scope chosen in the sidebar.
← / → (or the buttons) step through them; 自动播放
moves on by itself. The position lives in st.session_state, so a rerun or a
change of the interval keeps the current screen.
"""

import html
import time

import streamlit as st

from village_stats import reports, ui

# a projector wants every pixel: the sidebar starts folded away (its « button brings the filters back)
st.set_page_config(initial_sidebar_state="collapsed")
st.html(
    """
<style>
[data-testid="stMainBlockContainer"] { padding-top: 3rem; padding-bottom: 0.5rem; max-width: 100%; }
[data-testid="stMainBlockContainer"] h1 { font-size: 2.3rem; padding: 0 0 0.4rem 0; }
.presenter-takeaway {
  font-size: 1.55rem; font-weight: 600; line-height: 1.45; color: #1f4e79;
  background: #eaf1fb; border-left: 0.4rem solid #e9a23b; border-radius: 0.4rem; padding: 0.55rem 1rem;
}
.presenter-where { font-size: 1.05rem; color: #52606d; }
.presenter-kpi-label { font-size: 1.35rem; color: #52606d; padding-top: 0.4rem; }
.presenter-kpi-value { font-size: 3.4rem; font-weight: 700; color: #1f4e79; line-height: 1.5; }
.presenter-kpi-note { font-size: 1.15rem; color: #52606d; padding-bottom: 0.6rem; }
</style>
"""
)

current = ui.settings()
filters = ui.filters()
if filters.year is None:
    ui.page_header("汇报模式")
    ui.empty_state("数据库中还没有任何台账数据。")
    st.stop()

today = ui.today()
requests = reports.report_requests(filters.year, current, filters.scope, today, tables=False)
results = {role: ui.run_query(name, **params) for role, (name, params) in requests.items()}
report = reports.build(filters.year, results, current, filters.scope, today, filters.spans_towns, tables=False)
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


@st.fragment(run_every=seconds if auto else None)
def screen() -> None:
    if auto and time.monotonic() - st.session_state["presenter_shown_at"] >= seconds - 0.5:
        step(1)
    index = st.session_state.get("presenter_slide", 0)
    shown = screens[index]
    chart = shown.chart
    st.title(titles[index], anchor=False)
    if shown.kind == "kpis":
        for row in range(0, len(report.kpis), 4):
            cards = st.columns(4)
            for card, kpi in zip(cards, report.kpis[row : row + 4], strict=False):
                notes = "　".join(part for part in (kpi.note, kpi.change and f"较上年{kpi.change}") if part)
                card.container(border=True).markdown(
                    f'<div class="presenter-kpi-label">{html.escape(kpi.label)}</div>'
                    f'<div class="presenter-kpi-value">{html.escape(kpi.value)}</div>'
                    f'<div class="presenter-kpi-note">{html.escape(notes) or "&nbsp;"}</div>',
                    unsafe_allow_html=True,
                )
    elif shown.kind == "closing":
        # the closing slide's own bullets (the full sentences are in its notes and the Word draft)
        shown_findings = report.findings[: reports.SLIDE_BULLETS]
        problems = [f.short_problem or f.problem for f in shown_findings] or [report.closing_notes()]
        steps = [f.short_next_step or f.next_step for f in shown_findings]
        for column, heading, lines in zip(st.columns(2), ("存在的问题", "下一步"), (problems, steps), strict=True):
            column.markdown(f"#### {heading}")
            for line in lines:
                column.markdown(f'<div class="presenter-takeaway">{html.escape(line)}</div>', unsafe_allow_html=True)
    else:
        st.markdown(f'<div class="presenter-takeaway">{html.escape(chart.takeaway)}</div>', unsafe_allow_html=True)
        ui.plot(
            reports.figure(chart, font_size=19, height=455, title=chart.title),
            f"{filters.year}年{chart.title}",
            key=f"presenter_chart_{chart.key}",
        )
    buttons = st.container(horizontal=True, vertical_alignment="center")
    buttons.button(
        "上一屏", key="presenter_prev", on_click=step, args=(-1,), icon=":material/arrow_back:", shortcut="Left"
    )
    buttons.button(
        "下一屏",
        key="presenter_next",
        on_click=step,
        args=(1,),
        icon=":material/arrow_forward:",
        type="primary",
        shortcut="Right",
    )
    buttons.selectbox(
        "跳转到",
        range(len(screens)),
        format_func=lambda i: f"{i + 1}. {titles[i]}" + (f"：{screens[i].chart.title}" if screens[i].chart else ""),
        key="presenter_slide",
        on_change=shown_now,
        label_visibility="collapsed",
        width=360,
    )
    buttons.markdown(f'<div class="presenter-where">第 {index + 1} / {len(screens)} 屏</div>', unsafe_allow_html=True)


screen()
