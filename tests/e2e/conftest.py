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


def wait_until_idle(page: object, timeout_ms: int = 30_000) -> None:
    """Wait until the script run has finished and every chart on the page has been drawn.

    Streamlit draws charts only once they scroll into view, so the viewport is
    first grown to the height of the whole page.
    """
    page.wait_for_selector('[data-testid="stMainBlockContainer"] h1', timeout=timeout_ms)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " && !document.querySelector('[data-testid=\"stSkeleton\"]')"
        # elements of the previous run (the page before a sidebar click) stay, marked stale, until replaced
        " && !document.querySelector('[data-stale=\"true\"]')",
        timeout=timeout_ms,
    )
    height = page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight")
    width = page.viewport_size["width"]
    page.set_viewport_size({"width": width, "height": min(max(height, 768), 8000)})
    page.wait_for_function(
        """() => {
            const wanted = document.querySelectorAll('[data-testid="stBidiComponentRegular"]').length;
            // a chart counts once drawn (a plot has several main-svg layers; charts off screen draw later)
            const drawn = [...document.querySelectorAll('[data-testid="stBidiComponentRegular"]')]
                .filter((e) => e.querySelector('.main-svg')).length;
            // a page without charts (an empty state) is done when its run is
            return wanted > 0 ? drawn >= wanted : !!document.querySelector('[data-testid="stAlert"]');
        }""",
        timeout=timeout_ms,
    )
    page.wait_for_timeout(500)


def save_screenshot(page: object, name: str) -> Path:
    """The whole page (wait_until_idle has already grown the viewport to fit it)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path
