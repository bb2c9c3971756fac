"""总览 (驾驶舱): the year's headline figures (kpis.KPIS), what to act on and two charts; the rest follows below."""

from collections.abc import Callable

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from village_stats import charts, kpis, narrative, ui
from village_stats import formatting as fmt

current = ui.settings()
filters = ui.filters()
ui.compact_page()
ui.page_header(f"村情总览 · {filters.scope.town or '全域'}", filters)
if filters.year is None:
    ui.empty_state("数据库中还没有任何台账数据。")
    st.stop()

year = filters.year
overview = ui.run_query("year_overview", **filters.scope.params(), **current.tier_params())
this_year = overview[overview["year"] == year]
last_year = overview[overview["year"] == year - 1]

# the headline figures (kpis.KPIS), rows of four: a quarter of a 1366 px page holds a label of ~14 characters
cards = [column for _ in range(0, len(kpis.KPIS), 4) for column in st.columns(4)]
for column, kpi in zip(cards, kpis.KPIS, strict=False):
    shown = {"share_of": kpi.share_of, "note": kpi.note, "better": kpi.better, "reported": kpi.reported}
    ui.kpi(column, kpi.title(current, card=True), kpi.column, kpi.unit, this_year, last_year, year=year, **shown)


def glance(where: DeltaGenerator, column: str, title: str, page: str, link: str, chart: Callable) -> None:
    """A first-screen chart of the year's ledger with the link to its page; the year's gap if it has none."""
    with where:
        ui.glance(this_year, column, title, page, link, chart, year=year, height=ui.FIRST_SCREEN_CHART)


# the charts are written first, the callouts beside them after: the charts' drawing starts sooner
notes, first_chart, second_chart = st.columns([1.3, 1, 1])
glance(
    first_chart,
    "villages_with_income",
    "村级集体经济收入",
    "views/income.py",
    "查看村财收入 →",
    lambda: ui.figure(
        charts.tier_bars,
        ui.run_query("income_tiers_cumulative", **filters.params(), **current.tier_params()),
        "tier_label",
        "村财收入分档（个）",
    ),
)
glance(
    second_chart,
    "problems",
    "问题整改台账",
    "views/problems.py",
    "查看问题整改 →",
    lambda: ui.figure(
        charts.problem_status, ui.run_query("problem_status_by_source", **filters.params()), "问题整改情况（条）"
    ),
)
found = ui.alerts_for(filters)
with notes:
    st.markdown("**要点与预警**")
    ui.callouts(found, year, current.alerts_shown)

left, middle, right = st.columns(3)
glance(
    left,
    "projects",
    "揭榜挂帅项目",
    "views/projects.py",
    "查看项目投资 →",
    lambda: ui.figure(
        charts.investment_bars, ui.run_query("projects_by_arena", **filters.params()), "arena", "五大擂台投资（万元）"
    ),
)
glance(
    middle,
    "rated_units",
    "达标创星评定",
    "views/stars.py",
    "查看达标创星 →",
    lambda: ui.figure(
        charts.star_distribution, ui.run_query("star_distribution", **filters.params()), "达标创星星级分布"
    ),
)
glance(
    right,
    "tickets",
    "五单闭环服务工单",
    "views/tickets.py",
    "查看五单服务 →",
    lambda: ui.figure(charts.funnel, ui.run_query("ticket_funnel", **filters.params()), "五单闭环"),
)

st.subheader("其他工作机制")
mechanism_params = {**filters.scope.params(), "threshold": current.points_low_threshold}
this_mechanisms = ui.run_query("mechanisms_overview", year=year, **mechanism_params)
last_mechanisms = ui.run_query("mechanisms_overview", year=year - 1, **mechanism_params)
cards = st.columns(4)
points_average = this_mechanisms["points_latest_average"].iloc[0]
cards[0].metric(
    "党员积分本期平均",
    f"{points_average}分" if ui.present(points_average) else "暂无数据",
    f"积分偏低{int(this_mechanisms['points_low_members'].iloc[0])}名" if ui.present(points_average) else None,
    delta_color="off",
    delta_arrow="off",
    border=True,
)
ui.kpi(cards[1], "书记工作室", "studios", "个", this_mechanisms, last_mechanisms, note=("共", "units", "个单位"))
ui.kpi(cards[2], "乡贤收集民意", "sage_opinions", "条", this_mechanisms, last_mechanisms)
ui.kpi(cards[3], "后备干部（当前花名册）", "reserves", "人", this_mechanisms, this_mechanisms.iloc[0:0])
left, right = st.columns(2)
with left:
    ui.glance(
        this_mechanisms,
        "points_members",
        "党员量化积分",
        "views/points.py",
        "查看党员积分 →",
        lambda: (
            ui.figure(
                charts.village_bars,
                # across towns: the towns with the highest average, not one bar per branch
                ui.town_rollup(filters, "town_points")
                .nlargest(20, "average_points")
                .rename(columns={"town": "village"}),
                "average_points",
                "平均积分",
                "分",
                "本期平均积分最高的镇(街道)",
            )
            if filters.spans_towns
            else ui.figure(
                charts.village_bars,
                ui.run_query("points_by_branch", **filters.params(threshold=current.points_low_threshold)),
                "average_points",
                "平均积分",
                "分",
                "各支部本期平均积分",
            )
        ),
    )
with right:
    ui.glance(
        this_mechanisms,
        "sage_activities",
        "乡贤参与",
        "views/sages.py",
        "查看乡贤 →",
        lambda: ui.figure(
            charts.donut, ui.run_query("sage_by_kind", **filters.params()), "kind", "quantity", "条/起", "乡贤参与事项"
        ),
    )

if found:
    st.subheader("全部要点与下一步")
    ui.alert_list(found)

# below the charts and filled only when opened: the speech-style summary reads twenty queries, and the
# per-town comparison draws a ranking and a table of every town, none of which a glance needs
summary = st.expander("汇报摘要（讲话稿口径，可复制）", key="overview_summary", on_change="rerun")
if summary.open:
    with summary:
        requests = narrative.summary_requests(year, current, filters.scope, ui.today())
        results = {role: ui.run_query(name, **params) for role, (name, params) in requests.items()}
        sections = narrative.year_sections(year, results, current, filters.scope_label)
        paragraphs = list(sections.values())
        if paragraphs:
            ui.paragraphs(paragraphs)
            ui.copy_text(paragraphs, key="overview_copy_text")
        else:
            ui.empty_state(f"{year}年{filters.scope_label}暂无可汇报的台账数据。")
        missing = narrative.missing_domains(sections)
        if paragraphs and missing:
            st.caption(f"{year}年暂无{'、'.join(missing)}数据，摘要中不含这些部分。")
st.page_link("views/report.py", label="导出 PPT / Word / Excel 汇报材料 →", icon=":material/slideshow:")

if filters.spans_towns:
    towns = st.expander("各镇(街道)对比：排名与明细表", key="overview_towns", on_change="rerun")
    if towns.open:
        with towns:
            rollup = ui.town_rollup(filters)
            low = fmt.threshold(current.income_thresholds_yuan[0])
            metrics = {
                "t1_pct": (f"村财≥{low}的村占比", "%", False),
                "planned_investment": ("项目计划总投资", "万元", True),
                "five_star": ("五星级村(社区)数", "个", False),
                "satisfied_pct": ("工单群众满意率", "%", False),
                "rectified_pct": ("问题整改率", "%", False),
            }
            metric = st.selectbox(
                "排名指标", list(metrics), format_func=lambda m: metrics[m][0], key="overview_town_metric", width=260
            )
            label, unit, money = metrics[metric]
            ui.town_ranking(filters, "town_rollup", metric, label, unit, "overview_towns", money=money)
            ui.table_with_downloads(
                rollup,
                f"{year}年各镇(街道)对比",
                "overview_towns_table",
                [
                    "town",
                    "units",
                    "villages_t1",
                    "t1_pct",
                    "total_income",
                    "projects",
                    "planned_investment",
                    "five_star",
                    "weak_units",
                    "tickets",
                    "satisfied_pct",
                    "problems",
                    "rectified_pct",
                ],
            )

imports = ui.run_query("last_imports")
if not imports.empty:
    st.caption("台账最近导入：" + "；".join(ui.import_line(r) for r in imports.itertuples()))
