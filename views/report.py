"""汇报导出: what the PowerPoint, Word and Excel files will hold, and the three downloads."""

import streamlit as st

from village_stats import narrative, reports, ui

PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

filters, report = ui.report_page("汇报导出", header_first=True)
today = ui.today()
if not report.sections:
    ui.empty_state(f"{filters.year}年{filters.scope_label}暂无可汇报的台账数据。")
    st.stop()

slides = report.slides()
st.markdown(f"**{ui.plain(report.title)}**　共 {len(report.outline)} 个部分、{len(slides)} 张幻灯片")
buttons = st.container(horizontal=True)
# the files are made when a button is clicked, not on every rerun of the page
downloads = (
    ("下载 PPT", lambda: reports.to_pptx_bytes(report), "pptx", PPTX, ":material/slideshow:"),
    ("下载 Word 汇报稿", lambda: reports.to_docx_bytes(report), "docx", DOCX, ":material/description:"),
    (
        "下载 Excel 全部表格",
        ui.report_workbook(filters.year, filters.scope, today, filters.spans_towns),
        "xlsx",
        XLSX,
        ":material/table_view:",
    ),
)
for label, made, suffix, mime, icon in downloads:
    buttons.download_button(
        label,
        made,
        f"{report.title}.{suffix}",
        mime,
        key=f"report_{suffix}",
        on_click="ignore",
        type="primary" if suffix == "pptx" else "secondary",
        icon=icon,
    )
missing = narrative.missing_domains(report.sections)
if missing:
    st.caption(f"{filters.year}年暂无{'、'.join(missing)}数据，汇报材料中不含这些部分。")
st.page_link("views/presenter.py", label="进入汇报模式（投影演示）→", icon=":material/co_present:")

deck, text, sheets = st.tabs(["幻灯片", "汇报文字", "Excel 工作表"])
with deck:
    # the deck's own list (reports.Report.slides): the PPT, 汇报模式 and this table cannot disagree
    st.dataframe(
        {
            "序号": list(range(1, len(slides) + 1)),
            "幻灯片": [slide.title for slide in slides],
            "图表": [slide.chart.title if slide.chart else "" for slide in slides],
            "内容": [slide.summary for slide in slides],
        },
        hide_index=True,
        width="stretch",
        column_config={"序号": st.column_config.NumberColumn(width="small")},
    )
    if report.kpis:
        st.markdown("**核心指标**")
        cards = st.container(horizontal=True)
        for kpi in report.kpis:
            cards.metric(
                kpi.label, kpi.value, kpi.change, delta_description="较上年" if kpi.change else None, border=True
            )
    # The charts by section, in lazy tabs: only the open section's charts are built and drawn. All eleven
    # at once took a city page switch past 2 s, most of it the browser drawing charts nobody had scrolled to.
    by_domain = report.chart_sections()
    if by_domain:
        st.markdown(f"**图表预览**　共 {len(report.charts)} 张图表，按部分查看")
        labels = [f"{narrative.SHORT_DOMAINS[d]}（{len(charts)}）" for d, charts in by_domain.items()]
        titles = {section.key: section.title for section in report.outline}
        sections = st.tabs(labels, key="report_charts", on_change="rerun")
        for section, (domain, charts) in zip(sections, by_domain.items(), strict=True):
            with section:
                if not section.open:
                    continue
                st.markdown(f"**{titles[domain]}**")
                for row in range(0, len(charts), 2):
                    for column, chart in zip(st.columns(2), charts[row : row + 2], strict=False):
                        with column:
                            st.markdown(f"**{ui.plain(chart.title)}**")
                            st.caption(ui.plain(chart.takeaway))
                            ui.chart(
                                reports.figure,
                                chart,
                                height=320,
                                filename=f"{filters.year}年{chart.title}",
                                key=f"report_{chart.key}",
                            )
with text:
    # the Word draft's shape: 主要做法及成效 by section, then 存在的问题 and 下一步工作打算
    for section in report.outline:
        st.markdown(f"**{section.title}**")
        ui.paragraphs([section.text])
    st.markdown(f"**{reports.CLOSING_TITLE}**")
    ui.paragraphs([f.problem for f in report.findings] or [report.closing_notes()])
    if report.findings:
        ui.paragraphs([f.next_step for f in report.findings])
    ui.copy_text(report.paragraphs + [f"{f.problem}{f.next_step}" for f in report.findings], key="report_copy_text")
with sheets:
    st.dataframe(
        {
            "部分": ["目录", "核心指标"][: 2 if report.kpis else 1]
            + [section.title for section in report.outline for _ in section.sheets],
            "工作表": ["目录", "核心指标"][: 2 if report.kpis else 1]
            + [sheet for section in report.outline for sheet in section.sheets],
        },
        hide_index=True,
        width="stretch",
    )
    st.caption("每张表一个工作表，内容与各页面的表格相同；没有数据的表不生成工作表。")
