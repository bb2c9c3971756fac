"""大屏: the hall's 1920×1080 screen (?screen=wall). Core figures and six charts, no scrolling, no controls.

The screen is the report's own (reports.build): the same KPIs as 汇报模式's first screen and the
report's charts, so a number reads the same on the wall, in the meeting and in the PPT. Every
`wall_refresh_seconds` a fragment looks at the database's data version; when an import has changed
it, the whole screen is drawn again, so new data shows without anyone touching the screen.
"""

import html

import streamlit as st

from village_stats import charts, reports, ui

# the six charts, in this order when the year has them; any other chart of the report fills a gap
PREFERRED = (
    "income_bins",
    "project_arenas",
    "star_distribution",
    "ticket_funnel",
    "problem_sources",
    "sage_kinds",
)
# two rows of charts share what the title and the KPI row leave; no mode bar: no one points at a wall
CHART_FIT = {"height": "calc((100vh - 18rem - 1vw) / 2)", "fontScale": True, "modeBar": False}

current = ui.settings()
dark = current.wall_theme == "dark"
paper, ink, muted, card = (
    (charts.DARK_PAPER, charts.DARK_INK, charts.DARK_MUTED, "#14263d")
    if dark
    else ("#f5f7fa", "#1f2933", "#52606d", "#ffffff")
)
st.html(
    f"""
<style>
header[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"],
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"] {{
  display: none !important;
}}
[data-testid="stApp"], [data-testid="stMain"] {{ background: {paper}; color: {ink}; }}
[data-testid="stMainBlockContainer"] {{ padding: 1.2vh 1.6vw 0 1.6vw; max-width: 100%; }}
[data-testid="stMainBlockContainer"] h1 {{ color: {ink}; font-size: clamp(1.8rem, 2vw, 2.8rem); padding: 0; }}
.wall-where {{ color: {muted}; font-size: clamp(1rem, 1vw, 1.4rem); text-align: right; }}
/* a narrower screen than the hall's cuts a long line with "…" rather than widen the page */
.wall-kpi {{ background: {card}; border-radius: 0.6rem; padding: 0.8vh 0.8vw; height: 100%; overflow: hidden; }}
.wall-kpi div {{ overflow: hidden; text-overflow: ellipsis; }}
.wall-kpi-label {{ color: {muted}; font-size: clamp(0.95rem, 0.95vw, 1.35rem); white-space: nowrap; }}
.wall-kpi-value {{ color: {ink}; font-size: clamp(1.7rem, 1.95vw, 2.8rem); font-weight: 700; line-height: 1.3; }}
.wall-kpi-note {{ color: {muted}; font-size: clamp(0.85rem, 0.8vw, 1.15rem); line-height: 1.3; white-space: nowrap; }}
.wall-chart-title {{ color: {ink}; font-size: clamp(1.1rem, 1.15vw, 1.6rem); font-weight: 600; }}
.wall-card {{ background: {card}; border-radius: 0.6rem; padding: 0.6vh 0.6vw 0 0.6vw; }}
</style>
"""
)

filters, report = ui.report_page("村情大屏")
by_key = {chart.key: chart for chart in report.charts}
shown = [by_key[k] for k in PREFERRED if k in by_key]
shown += [c for c in report.charts if c not in shown][: 6 - len(shown)]


@st.fragment(run_every=current.wall_refresh_seconds)
def data_version_watch() -> None:
    """Redraws the whole screen once the database's data version differs from the one it was drawn from."""
    version = ui.database().version()
    seen = st.session_state.setdefault("wall_data_version", version)
    if version != seen:
        st.session_state["wall_data_version"] = version
        st.rerun(scope="app")


title, where = st.columns([3, 2], vertical_alignment="bottom")
title.title(f"{report.town}村情大屏", anchor=False)
updated = ui.now().strftime("%H:%M")
where.markdown(
    f'<div class="wall-where">{html.escape(filters.scope_label)} · {filters.year}年 · {updated} 更新</div>',
    unsafe_allow_html=True,
)
data_version_watch()

if report.kpis:
    for column, kpi in zip(st.columns(len(report.kpis)), report.kpis, strict=True):
        # the share and the change each on a line of their own: side by side they wrapped mid-word
        notes = [kpi.note or "", f"较上年{kpi.change}" if kpi.change else ""]
        column.markdown(
            f'<div class="wall-kpi"><div class="wall-kpi-label">{html.escape(kpi.label)}</div>'
            f'<div class="wall-kpi-value">{html.escape(kpi.value)}</div>'
            + "".join(f'<div class="wall-kpi-note">{html.escape(n) or "&nbsp;"}</div>' for n in notes)
            + "</div>",
            unsafe_allow_html=True,
        )

for row in range(0, len(shown), 3):
    for column, chart in zip(st.columns(3), shown[row : row + 3], strict=False):
        with column:
            st.markdown(
                f'<div class="wall-chart-title">{html.escape(chart.title)}</div>',
                unsafe_allow_html=True,
            )
            figure = reports.figure(chart, font_size=14, height=360)
            ui.plot(
                charts.on_dark(figure) if dark else figure,
                f"{filters.year}年{chart.title}",
                key=f"wall_{chart.key}",
                fit=CHART_FIT,
            )
