"""The 数据导入 page under AppTest: upload, preview, confirm, history, undo, templates."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from village_stats.datasets import DATASETS
from village_stats.db import Database

DASHBOARD = str(Path(__file__).resolve().parents[2] / "dashboard.py")
GOOD = "村(社区)名称,村集体经济总收入(万元)\n北垞村,200.00\n竹秀村,150.50\n"
BAD = "村(社区)名称,村集体经济总收入(万元)\n北垞村,200.00\n北坨村,12\n竹秀村,-3\n"


@pytest.fixture
def served(demo_db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Database:
    path = tmp_path / "village.duckdb"
    shutil.copy2(demo_db_path, path)
    monkeypatch.setenv("VILLAGE_STATS_DB", str(path))
    return Database(path)


def import_page() -> AppTest:
    app = AppTest.from_file(DASHBOARD, default_timeout=60).run()
    return app.switch_page("views/data_import.py").run()


def income(database: Database, village: str, year: int = 2024) -> object:
    with database.read() as cur:
        row = cur.execute(
            "select total_income from village_income where year = $y and village = $v", {"y": year, "v": village}
        ).fetchone()
    return row[0] if row else None


def upload(app: AppTest, name: str, text: str, encoding: str = "gbk") -> AppTest:
    app.file_uploader(key="import_files").set_value((name, text.encode(encoding), "text/csv"))
    return app.run()


def test_preview_then_confirm_then_undo(served):
    before = income(served, "北垞村")
    app = upload(import_page(), "2024年村财收入.csv", GOOD)
    assert not app.exception
    text = " ".join(m.value for m in app.markdown)
    assert "村级集体经济收入" in text and "将新增 **0** 行、更新 **2** 行" in text
    assert income(served, "北垞村") == before  # a preview writes nothing

    app.button(key="import_confirm").click().run()
    assert any("已导入" in s.value for s in app.success)
    assert str(income(served, "北垞村")) == "2000000.00"

    app.selectbox(key="import_undo_id").select(app.selectbox(key="import_undo_id").options[0])
    app.checkbox(key="import_undo_sure").check()
    app.button[-1].click().run()
    assert not app.exception
    assert income(served, "北垞村") == before


def test_a_bad_file_lists_every_error_and_cannot_be_confirmed(served):
    app = upload(import_page(), "2024年村财收入.csv", BAD)
    assert not app.exception
    assert any("3 处错误" in e.value or "2 处错误" in e.value for e in app.error)
    issues = next(d.value for d in app.dataframe if "问题" in d.value.columns)
    assert list(issues["行"]) == [3, 4]
    assert "北垞村" in issues["问题"].iloc[0]  # 北坨村 → 是否为 北垞村？
    assert "不能为负数" in issues["问题"].iloc[1]
    assert not [b for b in app.button if b.key == "import_confirm"]


def test_templates_are_offered_for_every_dataset(served):
    app = import_page()
    labels = [b.label for b in app.get("download_button")]
    for dataset in DATASETS.values():
        assert f"{dataset.title}模板" in labels


def in_page_order(app: AppTest) -> list[object]:
    """Every element of the main area, top to bottom."""

    def walk(node: object) -> list[object]:
        children = getattr(node, "children", None)
        if not children:
            return [node]
        return [leaf for key in sorted(children) for leaf in walk(children[key])]

    return walk(app.main)


def latest_import_id(database: Database) -> int:
    with database.read() as cur:
        return cur.execute("select max(import_id) from imports").fetchone()[0]


def test_after_confirming_the_result_is_at_the_top_and_the_preview_is_gone(served):
    app = upload(import_page(), "2024年村财收入.csv", GOOD)
    app.button(key="import_confirm").click().run()
    assert not app.exception

    elements = in_page_order(app)
    kinds = [type(e).__name__ for e in elements]
    result = next(e for e in elements if type(e).__name__ == "Success")
    assert "村级集体经济收入" in result.value and "更新 2 行" in result.value
    assert elements.index(result) < kinds.index("FileUploader")  # above the uploader, on the first screen
    assert not any("将新增" in m.value for m in app.markdown)  # the preview is cleared
    assert not [b for b in app.button if b.key == "import_confirm"]
    assert app.get("file_uploader")[0].value in (None, [])  # ready for the next file
    assert app.selectbox(key="import_undo_id").value == latest_import_id(served)  # undo means this import
    assert any("结果见页面顶部" in t.value for t in app.toast)  # seen wherever the page was scrolled to


def test_an_unchanged_file_says_there_is_nothing_to_import(served):
    app = upload(import_page(), "2024年村财收入.csv", GOOD)
    app.button(key="import_confirm").click().run()
    app.get("file_uploader")[0].set_value(("2024年村财收入.csv", GOOD.encode("gbk"), "text/csv"))
    app.run()
    assert not app.exception

    assert any("与已导入内容相同，无需导入" in i.value for i in app.info)
    assert not [b for b in app.button if b.key == "import_confirm"]
    assert not any("已导入" in s.value for s in app.success)  # the last import's result gave way to the new file


def test_a_file_name_in_the_success_message_is_text_not_a_link(served):
    """`[点我](http://…)` as a file name became a link in the import's success message."""
    from village_stats.formatting import markdown_text

    name = "[点我](http://evil.example) :red[红色] 2024年村财收入.csv"
    app = upload(import_page(), name, GOOD)
    app.button(key="import_confirm").click().run()
    assert not app.exception
    messages = [s.value for s in app.success]
    assert messages and all("](http" not in m and ":red[" not in m for m in messages)
    assert any(markdown_text(name) in m for m in messages)  # the name is there, escaped
