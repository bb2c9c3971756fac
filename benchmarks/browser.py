"""Browser: time from navigation to the last chart drawn, every page, town and city, in Chromium.

    python benchmarks/browser.py                 # 5 visits per page and scale
    python benchmarks/browser.py --repeats 3 --screenshots test-artifacts/scale

A real `streamlit run` per scale (the bundled demo town; the city with
全部镇(街道)), driven by Playwright with Debian's Chromium. A visit is a fresh
navigation to the page's URL; it ends when the script run is over and every chart
on the page is drawn (the viewport is tall, so Streamlit draws every chart at once).
The first visit of each page fills the server's query cache and is reported
apart; the median is over the visits after it. Target (issue): city median ≤ 2 s.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from serving import CHROMIUM_ARGS, DRAWN, PAGES, RUN_OVER, chromium, city_db, machine, page_url, served, town_db


def visit(page, url: str) -> float:
    """Seconds from navigation to the last chart drawn; inf when it did not happen within 3 minutes."""
    started = time.perf_counter()
    page.goto(url)
    try:
        page.wait_for_function(RUN_OVER, timeout=180_000, polling=50)
        # Streamlit draws a chart once it is in view: make the whole page the view, as tests/e2e does
        height = page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight")
        page.set_viewport_size({"width": 1366, "height": min(max(height, 768), 12_000)})
        page.wait_for_function(DRAWN, timeout=180_000, polling=50)
    except Exception:
        return float("inf")
    return time.perf_counter() - started


def run_scale(browser, database: Path, all_towns: bool, repeats: int, shots: Path | None, label: str) -> dict:
    results = {}
    with served(database) as (url, _):
        context = browser.new_context(viewport={"width": 1366, "height": 5000}, locale="zh-CN")
        page = context.new_page()
        visit(page, page_url(url, "", all_towns))  # the server's first run: database, settings, lists
        for title, path, _ in PAGES:
            first = visit(page, page_url(url, path, all_towns))
            times = [visit(page, page_url(url, path, all_towns)) for _ in range(repeats)]
            results[title] = (first, statistics.median(times))
            if shots:
                shots.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(shots / f"{label}-{path or 'overview'}.png"), full_page=True)
        context.close()
    return results


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
        nothing = {title: (float("nan"), float("nan")) for title, _, _ in PAGES}
        scales = args.scales.split(",")
        town_times = (
            run_scale(browser, town, False, args.repeats, args.screenshots, "town") if "town" in scales else nothing
        )
        city_times = (
            run_scale(browser, city, True, args.repeats, args.screenshots, "city") if "city" in scales else nothing
        )
        browser.close()
    print(f"{'page':8} {'town first':>10} {'town median':>11} {'city first':>10} {'city median':>11} {'ratio':>6}")
    for title, _, _ in PAGES:
        (town_first, town_median), (city_first, city_median) = town_times[title], city_times[title]
        verdict = "ok" if city_median <= 2.0 else ("not drawn in 3 min" if city_median == float("inf") else "over 2 s")
        print(
            f"{title:8} {town_first:9.2f}s {town_median:10.2f}s {city_first:9.2f}s {city_median:10.2f}s"
            f" {city_median / town_median:5.1f}×  {verdict}"
        )
    print(f"machine after: {machine()}")


if __name__ == "__main__":
    main()
