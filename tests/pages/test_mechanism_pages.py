"""The four mechanism pages under AppTest on the demo town, and the privacy setting for low scorers."""

from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests import app_charts
from tests.pages.test_pages import DASHBOARD, metrics, served_copy  # noqa: F401  (a fixture)
from village_stats.importing import DEMO_DIR

PAGES = ["views/points.py", "views/studios.py", "views/sages.py", "views/cadres.py"]


def ledger(name: str) -> pd.DataFrame:
    frame = pd.read_excel(DEMO_DIR / f"{name}.xlsx", header=2, dtype=object, engine="openpyxl")
    return frame[pd.to_numeric(frame["序号"], errors="coerce").notna()]


def low_scorers(threshold: float) -> set[str]:
    points = ledger("党员积分存折")
    latest = points[points["积分周期"] == "2024年第四季度"]
    return set(latest.loc[latest["总积分"].astype(float) < threshold, "党员姓名"])


def open_page(page: str, role: str | None = None, year: int = 2024) -> AppTest:
    app = AppTest.from_file(DASHBOARD, default_timeout=60)
    if role:
        app.session_state["auth_role"] = role
    app.run()
    app.selectbox(key="year").select(year).run()
    app.switch_page(page).run()
    assert not app.exception
    return app


def shown_text(app: AppTest) -> str:
    """Everything a user can read: tables, text, notices, metrics."""
    parts = [m.value for m in app.markdown] + [i.value for i in app.info] + [w.value for w in app.warning]
    parts += [m.label + m.value for m in app.metric] + [c.value for c in app.caption]
    parts += [frame.value.to_csv() for frame in app.dataframe]
    return "\n".join(parts)


@pytest.mark.parametrize("page", PAGES)
def test_every_mechanism_page_renders_with_figures(served_copy, page):  # noqa: F811
    app = open_page(page)
    assert len(app.metric) >= 4
    assert app.title[0].value
    assert len(app_charts.charts(app)) >= 1


def test_points_page_counts_members_and_low_scorers(served_copy, settings):  # noqa: F811
    points = ledger("党员积分存折")
    app = open_page("views/points.py")
    shown = metrics(app)
    assert shown["参与积分的党员"] == f"{points[['所属支部', '党员姓名']].drop_duplicates().shape[0]}名"
    threshold = settings.points_low_threshold
    assert shown[f"低于{threshold}分（出出汗）"] == f"{len(low_scorers(float(threshold)))}名"


def test_an_admin_sees_low_scorers_names_when_the_setting_says_admin(served_copy, settings):  # noqa: F811
    assert settings.low_scorer_names == "admin"
    names = low_scorers(float(settings.points_low_threshold))
    app = open_page("views/points.py", role="admin")
    tables = "\n".join(frame.value.to_csv() for frame in app.dataframe)
    assert names and all(name in tables for name in names)


def test_a_viewer_never_sees_low_scorers_names(served_copy, settings):  # noqa: F811
    names = low_scorers(float(settings.points_low_threshold))
    app = open_page("views/points.py", role="viewer")
    text = shown_text(app)
    assert not [name for name in names if name in text]
    assert any(f"共有{len(names)}名党员积分低于" in i.value for i in app.info)  # counted instead


def test_nobody_sees_names_when_the_setting_says_nobody(served_copy, settings, tmp_path, monkeypatch):  # noqa: F811
    path = tmp_path / "settings.toml"
    path.write_text('[privacy]\nlow_scorer_names = "nobody"\n', encoding="utf-8")
    monkeypatch.setenv("VILLAGE_STATS_SETTINGS", str(path))
    names = low_scorers(float(settings.points_low_threshold))
    app = open_page("views/points.py", role="admin")
    assert not [name for name in names if name in shown_text(app)]


def test_everyone_sees_names_when_the_setting_says_everyone(served_copy, settings, tmp_path, monkeypatch):  # noqa: F811
    path = tmp_path / "settings.toml"
    path.write_text('[privacy]\nlow_scorer_names = "everyone"\n', encoding="utf-8")
    monkeypatch.setenv("VILLAGE_STATS_SETTINGS", str(path))
    names = low_scorers(float(settings.points_low_threshold))
    app = open_page("views/points.py", role="viewer")
    assert all(name in shown_text(app) for name in names)


def test_studios_page_shows_coverage_pace_and_candidates(served_copy):  # noqa: F811
    studios = ledger("书记工作室")
    stars = ledger("达标创星")
    five = set(stars[(stars["年度"] == 2024) & (stars["星级"] == "五星级")]["村(社区)名称"])
    app = open_page("views/studios.py")
    shown = metrics(app)
    assert shown["截至2024年底已建"] == f"{len(studios)}个"
    assert shown["距2026年12月31日目标"] == f"还差{25 - len(studios)}个"
    candidates = next(f.value for f in app.dataframe if "工作室名称" not in f.value.columns)
    assert set(candidates["村(社区)"]) == five - set(studios["村(社区)名称"])


def test_sages_page_states_the_seed_sentence(served_copy):  # noqa: F811
    sages = ledger("乡贤参与")
    in_2024 = sages[pd.to_datetime(sages["日期"]).dt.year == 2024]
    opinions = int(in_2024.loc[in_2024["类型"] == "民意收集", "数量"].astype(int).sum())
    app = open_page("views/sages.py")
    assert metrics(app)["收集村情民意"] == f"{opinions}条"
    text = " ".join(m.value for m in app.markdown)
    assert "通过乡贤助力共收集村情民意90余条，协助化解矛盾纠纷60余起" in text


def test_cadres_page_flags_villages_without_reserves(served_copy):  # noqa: F811
    roster = ledger("村干部与后备力量")
    units = set(ledger("村社区名录")["村(社区)名称"])
    without = units - set(roster.loc[roster["身份"] == "后备干部", "村(社区)名称"])
    app = open_page("views/cadres.py")
    reserves = next(value for label, value in metrics(app).items() if label.startswith("后备干部"))
    assert reserves == f"{(roster['身份'] == '后备干部').sum()}人"
    warning = app.warning[0].value
    assert f"{len(without)}个村(社区)尚无后备干部" in warning
    assert all(name.removesuffix("村") in warning for name in without)


def test_overview_shows_the_mechanisms(served_copy):  # noqa: F811
    app = open_page("views/overview.py")
    app.session_state["overview_summary"] = True  # the overview's 汇报摘要 is filled when opened
    app.run()
    shown = metrics(app)
    assert shown["书记工作室（共25个单位）"] == "12个"
    text = " ".join(m.value for m in app.markdown)
    assert "通过乡贤助力共收集村情民意90余条" in text


def test_empty_database_shows_empty_states(tmp_path, monkeypatch):
    # the registry alone: with no registry at all the pages give way to the empty database's guide
    from village_stats.db import open_database
    from village_stats.importing import DEMO_DIR, import_file
    from village_stats.settings import load_settings

    path = tmp_path / "empty.duckdb"
    assert import_file(open_database(path), DEMO_DIR / "村社区名录.xlsx", load_settings()).ok
    monkeypatch.setenv("VILLAGE_STATS_DB", str(path))
    app = AppTest.from_file(DASHBOARD, default_timeout=60).run()
    for page in PAGES:
        app.switch_page(page).run()
        assert not app.exception
        assert any("暂无" in info.value for info in app.info)
