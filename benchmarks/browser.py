"""Browser: time to the last chart drawn, every page, town and city, in Chromium — first open and page switch.

    python benchmarks/browser.py                 # 5 visits per page, kind and scale
    python benchmarks/browser.py --repeats 3 --screenshots test-artifacts/scale

A real `streamlit run` per scale (the bundled demo town; the city with
全部镇(街道)), driven by Playwright with Debian's Chromium. Two kinds of visit:

  switch  a click on the page's entry in the sidebar of a tab that is open on another
          page: how the dashboard is used (open it once, then move between pages).
          Streamlit's JS and Plotly.js are already loaded; the server runs the page's
          script and the browser draws its charts. The target applies to this.
  cold    a fresh navigation to the page's URL (typing it, a bookmark, F5) in the tab that
          has been open on the dashboard: the HTML, Streamlit's JS bundle and the charts'
          1.3 MB plotly.js build come from the browser's cache (with V8's compiled code) but are
          run again, a new session is opened, then the script runs. A leader's PC after
          the first visit of the day.
  new     the same navigation in a new browser profile (a new Playwright context): empty
          HTTP cache, no compiled code kept; everything is fetched and compiled. A PC that
          has never opened the dashboard, or whose cache was cleared.

A visit ends when the script run is over and every chart on the page is drawn (the
viewport is grown to the whole page, so Streamlit draws every chart, not only the
first screen). The first visit of each page fills the server's query cache and is
reported apart ("first", a cold visit in the open tab); the medians are over the visits
after it.
Target (issue): city median ≤ 2 s.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from serving import CHROMIUM_ARGS, DRAWN, PAGES, RUN_OVER, chromium, city_db, machine, page_url, served, town_db


class RunsFinished:
    """Counts the server's script_finished messages on a tab's websockets.

    The status widget appears only some time into a run, and the old page's charts stay
    until the new run replaces them, so the DOM alone can look "done" early in a switch.
    """

    def __init__(self, page) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        self.count = 0
        self._message = ForwardMsg

        def frame(payload: bytes | str) -> None:
            if isinstance(payload, bytes):
                message = self._message()
                try:
                    message.ParseFromString(payload)
                except Exception:  # not a ForwardMsg: nothing to count
                    return
                if message.WhichOneof("type") == "script_finished":
                    self.count += 1

        page.on("websocket", lambda socket: socket.on("framereceived", frame))

    def wait_beyond(self, page, count: int, timeout_s: float = 180) -> None:
        deadline = time.perf_counter() + timeout_s
        while self.count <= count:
            if time.perf_counter() > deadline:
                raise TimeoutError("the script run did not finish")
            page.wait_for_timeout(20)


def wait_drawn(page) -> None:
    page.wait_for_function(RUN_OVER, timeout=180_000, polling=50)
    # Streamlit draws a chart once it is in view: make the whole page the view, as tests/e2e does
    height = page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight")
    page.set_viewport_size({"width": 1366, "height": min(max(height, 768), 12_000)})
    page.wait_for_function(DRAWN, timeout=180_000, polling=50)


def visit(page, url: str, runs: RunsFinished) -> float:
    """Cold: seconds from navigation to the last chart drawn; inf when it did not happen within 3 minutes."""
    before = runs.count
    started = time.perf_counter()
    page.goto(url)
    try:
        runs.wait_beyond(page, before)
        wait_drawn(page)
    except Exception:
        return float("inf")
    return time.perf_counter() - started


def visit_new_profile(browser, url: str) -> float:
    """Cold in a new browser profile: nothing cached; seconds from navigation to the last chart drawn."""
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = context.new_page()
    try:
        return visit(page, url, RunsFinished(page))
    finally:
        context.close()


def switch(page, title: str, runs: RunsFinished) -> float:
    """Switch: seconds from a click on `title` in the sidebar to the new page's last chart drawn."""
    page.set_viewport_size({"width": 1366, "height": 768})
    heading = page.locator('[data-testid="stMainBlockContainer"] h1').first.inner_text()
    link = page.locator('[data-testid="stSidebarNav"] a', has_text=title).first
    before = runs.count
    started = time.perf_counter()
    link.click()
    try:
        runs.wait_beyond(page, before)
        # the old page stays on screen until the new run replaces it: wait for the new heading
        page.wait_for_function(
            "(old) => { const h = document.querySelector('[data-testid=stMainBlockContainer] h1');"
            " return !!h && h.innerText !== old; }",
            arg=heading,
            timeout=180_000,
            polling=50,
        )
        wait_drawn(page)
    except Exception:
        return float("inf")
    return time.perf_counter() - started


# a page the switches come from; not one of the measured pages
FROM_PAGE = "乡贤"


def run_scale(browser, database: Path, all_towns: bool, repeats: int, shots: Path | None, label: str) -> dict:
    """{page title: (cold first, cold median, switch median, new-profile median)} in seconds."""
    results = {}
    with served(database) as (url, _):
        context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
        page = context.new_page()
        runs = RunsFinished(page)
        visit(page, page_url(url, "", all_towns), runs)  # the server's first run: database, settings, lists
        for title, path, _ in PAGES:
            first = visit(page, page_url(url, path, all_towns), runs)
            cold, new = [], []
            for _ in range(repeats):  # interleaved, so that both kinds see the same load
                cold.append(visit(page, page_url(url, path, all_towns), runs))
                new.append(visit_new_profile(browser, page_url(url, path, all_towns)))
            if shots:
                shots.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(shots / f"{label}-{path or 'overview'}.png"), full_page=True)
            switches = []
            for _ in range(repeats):
                switch(page, FROM_PAGE, runs)
                switches.append(switch(page, SIDEBAR[title], runs))
            results[title] = (first, statistics.median(cold), statistics.median(switches), statistics.median(new))
        context.close()
    return results


# the benchmark's page names → their entries in the sidebar (dashboard.py)
SIDEBAR = {
    "总览": "总览",
    "村财收入": "村财收入",
    "项目投资": "项目投资",
    "达标创星": "达标创星",
    "五单服务": "五单服务",
    "问题整改": "问题整改",
    "汇报导出": "汇报导出",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--screenshots", type=Path, help="save a full-page PNG of every page here")
    parser.add_argument("--scales", default="town,city", help="town, city or both (default)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="bench-browser-") as folder, sync_playwright() as playwright:
        town, city = town_db(Path(folder)), city_db()
        browser = playwright.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        print(f"machine: {machine()}", flush=True)
        nothing = {title: (float("nan"),) * 4 for title, _, _ in PAGES}
        scales = args.scales.split(",")
        town_times = (
            run_scale(browser, town, False, args.repeats, args.screenshots, "town") if "town" in scales else nothing
        )
        city_times = (
            run_scale(browser, city, True, args.repeats, args.screenshots, "city") if "city" in scales else nothing
        )
        browser.close()
    for index, kind in (
        (2, "page switch (sidebar click)"),
        (1, "cold, in the open tab (browser cache warm)"),
        (3, "cold, new browser profile (nothing cached)"),
    ):
        print(f"\n{kind}; medians; 'first' = the cold visit that filled the query cache")
        print(f"{'page':8} {'town first':>10} {'town':>7} {'city first':>10} {'city':>7} {'ratio':>6}")
        for title, _, _ in PAGES:
            town_first, city_first = town_times[title][0], city_times[title][0]
            town_median, city_median = town_times[title][index], city_times[title][index]
            verdict = (
                "ok" if city_median <= 2.0 else ("not drawn in 3 min" if city_median == float("inf") else "over 2 s")
            )
            print(
                f"{title:8} {town_first:9.2f}s {town_median:6.2f}s {city_first:9.2f}s {city_median:6.2f}s"
                f" {city_median / town_median:5.1f}×  {verdict}"
            )
    print(f"machine after: {machine()}")


if __name__ == "__main__":
    main()
