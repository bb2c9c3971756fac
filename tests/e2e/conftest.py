"""A real `streamlit run` on a free loopback port, driven by Debian's Chromium through Playwright.

Locally the browser tests skip when Chromium or Playwright is missing; in CI
(CI=true) they fail instead, so a missing install step cannot hide.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from village_stats.serving import CHROMIUM_ARGS, chromium_path, served

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"


def _require(condition: bool, reason: str) -> None:
    if condition:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI must run the browser tests; see .ci/run)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    executable = chromium_path()
    _require(executable is not None, "Chromium is not installed")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _require(False, "playwright is not installed")
        raise
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def app_url(demo_db_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The dashboard serving a private copy of the demo database."""
    folder = tmp_path_factory.mktemp("served")
    database = folder / "village.duckdb"
    shutil.copy2(demo_db_path, database)
    with served(database, folder / "streamlit.log") as (url, _):
        yield url


def script_finished(page: object, timeout_ms: int = 30_000) -> None:
    """The script run has finished and no element of a previous run is left on the page."""
    page.wait_for_function(
        # Streamlit's own mark of a finished script run, and its running-man widget gone
        "() => document.querySelector('[data-testid=\"stApp\"]')?.dataset.testScriptState === 'notRunning'"
        " && !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " && !document.querySelector('[data-testid=\"stSkeleton\"]')"
        # elements of the previous run (the page before a sidebar click) stay, marked stale, until replaced
        " && !document.querySelector('[data-stale=\"true\"]')",
        timeout=timeout_ms,
    )


# Every chart component on the page has drawn its current figure: plotly_view sets data-drawn="true" on
# its plot once Plotly.react has finished, and "false" whenever a new figure arrives or the plot is removed.
# A page without charts (an empty state, 汇报模式's 核心指标) has nothing to wait for.
CHARTS_DRAWN = """() => {
    const wanted = document.querySelectorAll('[data-testid="stBidiComponentRegular"]').length;
    const plots = [...document.querySelectorAll('.village-plot')];
    return plots.length >= wanted && plots.every((plot) => plot.dataset.drawn === 'true');
}"""


def wait_until_idle(page: object, timeout_ms: int = 30_000, grow: bool = True) -> None:
    """Wait until the script run has finished and every chart on the page reports itself drawn.

    Streamlit draws charts only once they scroll into view, so the viewport is first grown to the
    height of the whole page (`grow=False` keeps a screen's size: 汇报模式 and the wall fit one).
    """
    page.wait_for_selector('[data-testid="stMainBlockContainer"] h1', timeout=timeout_ms)
    script_finished(page, timeout_ms)
    if grow:
        height = page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight")
        width = page.viewport_size["width"]
        page.set_viewport_size({"width": width, "height": min(max(height, page.viewport_size["height"]), 8000)})
    page.wait_for_function(CHARTS_DRAWN, timeout=timeout_ms)
    page.evaluate("document.fonts.ready")  # the CJK font is in before a screenshot is taken


def save_screenshot(page: object, name: str) -> Path:
    """The whole page (wait_until_idle has already grown the viewport to fit it)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path
