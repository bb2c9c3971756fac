"""自助查询 under AppTest on a copy of the demo town: run, grid, chart, save, reopen by link, gallery, menus."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests import app_charts

DASHBOARD = str(Path(__file__).resolve().parents[2] / "dashboard.py")
PAGE = "views/explore.py"


@pytest.fixture
def served_copy(demo_db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "village.duckdb"
    shutil.copy2(demo_db_path, path)
    monkeypatch.setenv("VILLAGE_STATS_DB", str(path))
    return path


def open_page(query_params: dict[str, str] | None = None) -> AppTest:
    app = AppTest.from_file(DASHBOARD, default_timeout=60)
    app.query_params.update(query_params or {})
    return app.run().switch_page(PAGE).run()


def run_sql(app: AppTest, sql: str) -> AppTest:
    app.text_area(key="explore_sql").input(sql)
    return app.button(key="explore_run").click().run()


def metrics(app: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in app.metric}


def figure(app: AppTest) -> dict:
    (spec,) = app_charts.figures(app)
    return spec


def test_a_query_shows_its_grid_counts_chart_and_downloads(served_copy):
    app = open_page()
    assert not app.exception
    assert app.title[0].value == "自助查询"
    assert any("选一个示例问题" in info.value for info in app.info)

    app = run_sql(app, "select area, count(*) as villages, sum(population) as people from villages group by area")
    assert not app.exception
    shown = metrics(app)
    assert shown["行数"] == "4" and shown["列数"] == "3"
    assert shown["用时"].endswith("秒")
    grid = app.dataframe[-1].value
    assert sorted(grid["area"]) == ["东片", "北片", "南片", "西片"] and grid["villages"].sum() == 25
    assert [b.proto.label for b in app.get("download_button")] == ["下载 CSV", "下载 Excel"]
    assert figure(app)["data"][0]["type"] == "bar"  # a first chart from the first text and number columns

    app.selectbox(key="explore_chart_kind").select("pie")
    app.selectbox(key="explore_chart_y").select("people").run()
    pie = figure(app)["data"][0]
    assert pie["type"] == "pie" and sorted(pie["labels"]) == ["东片", "北片", "南片", "西片"]


def test_the_quick_chart_starts_with_years_on_x_and_the_figure_on_y(served_copy):
    app = run_sql(open_page(), "select year as 年度, count(*) as 村数 from village_income group by year order by year")
    assert not app.exception

    assert app.selectbox(key="explore_chart_x").value == "年度"
    assert app.selectbox(key="explore_chart_y").value == "村数"  # not 年度 against 年度
    assert app.selectbox(key="explore_chart_kind").value == "line"
    drawn = figure(app)["data"][0]
    assert drawn["type"] == "scatter" and drawn["mode"] == "lines+markers"


def test_a_refused_statement_is_explained_and_the_page_keeps_working(served_copy):
    app = run_sql(open_page(), "drop table villages")
    assert not app.exception
    assert any("只能查询数据（SELECT），不能删除表" in e.value for e in app.error)
    app = run_sql(app, "select * from read_csv('/etc/passwd')")
    assert any("不能使用表函数 read\\_csv" in e.value for e in app.error)  # refused by name, before a child starts
    app = run_sql(app, "select count(*) as n from villages")
    assert not app.error and metrics(app)["行数"] == "1"


def test_a_saved_query_reopens_from_its_link_with_results(served_copy):
    sql = "select name, population from villages where kind = '社区' order by name"
    app = run_sql(open_page(), sql)
    app.text_input(key="explore_save_name").input("两个社区的人口")
    app.text_area(key="explore_save_description").input("凤岗社区和青溪社区")
    app = app.button(key="explore_save").click().run()
    assert not app.exception
    assert any("已保存为第 1 号查询" in s.value for s in app.success)

    reopened = open_page({"q": "1"})
    assert not reopened.exception
    assert reopened.text_area(key="explore_sql").value == sql
    assert metrics(reopened)["行数"] == "2"
    assert any("两个社区的人口" in h.value for h in reopened.subheader)
    listed = reopened.dataframe[-1].value
    assert list(listed["名称"]) == ["两个社区的人口"] and list(listed["链接"]) == ["?q=1"]

    missing = open_page({"q": "42"})
    assert any("没有编号为 42 的已保存查询" in e.value for e in missing.error)


def test_the_key_question_is_answered_from_the_gallery(served_copy):
    app = open_page()
    app = app.selectbox(key="explore_example").select(0).run()
    assert not app.exception
    assert "哪些村村财收入不足20万且今年没有项目" in app.text_area(key="explore_sql").value
    assert any("哪些村村财收入不足20万且今年没有项目" in h.value for h in app.subheader)
    assert metrics(app)["行数"] == "0"
    assert any("没有符合条件的记录" in info.value for info in app.info)


def test_menus_build_and_run_a_query_without_sql(served_copy):
    app = open_page()
    app = app.segmented_control(key="explore_mode").set_value("菜单查询").run()
    app = app.selectbox(key="explore_menu_table").select("village_income").run()
    app.selectbox(key="explore_f0_income").select("year").run()
    app.text_input(key="explore_v0").input("2024")
    app.selectbox(key="explore_f1_income").select("total_income").run()
    app.selectbox(key="explore_op1").select("<")
    app.text_input(key="explore_v1").input("20").run()
    assert any("total_income < 200000" in c.value for c in app.code)
    app = app.button(key="explore_menu_run").click().run()
    assert not app.exception
    assert metrics(app)["行数"] == "1"
    assert list(app.dataframe[-1].value["村(社区)名称"]) == ["荷塘村"]


def test_the_table_browser_inserts_names_into_the_editor(served_copy):
    app = open_page()
    assert any(e.label.startswith("村级集体经济收入 · 100行") for e in app.expander)
    app = app.button(key="explore_table_village_income").click().run()
    app = app.pills(key="explore_columns_village_income").set_value("total_income").run()
    assert app.text_area(key="explore_sql").value == "village_income total_income"
    assert app.pills(key="explore_columns_village_income").value is None
