"""Memory: peak RSS of the Streamlit server after 5 concurrent browser sessions visit every page of the city.

    python benchmarks/memory.py               # 5 sessions, city with 全部镇(街道)
    python benchmarks/memory.py --sessions 3

One `streamlit run` over the city database; 5 Chromium contexts (separate
sessions, like 5 people) each visit every data page at the same time, first with
全部镇(街道) and then with one town, with the year changed on the way. The
server's peak resident set (VmHWM in /proc) is read at the end, beside its RSS
before the visits. Target (issue): ≤ 800 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from urllib.parse import urlencode

from serving import ALL_TOWNS, CHROMIUM_ARGS, DRAWN, PAGES, RUN_OVER, chromium, city_db, machine, peak_rss_mib, served


async def session(browser, url: str, number: int, towns: list[str]) -> tuple[int, list[str]]:
    """(pages drawn, pages that did not finish within 2 minutes) for one visitor."""
    context = await browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = await context.new_page()
    drawn, stuck = 0, []
    for town in towns:
        for _, path, _ in PAGES:
            query = urlencode({"town": town, "year": 2025 - number % 3})
            await page.goto(f"{url}/{path}?{query}")
            try:
                await page.wait_for_function(RUN_OVER, timeout=120_000, polling=100)
                height = await page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight")
                await page.set_viewport_size({"width": 1366, "height": min(max(height, 768), 12_000)})
                await page.wait_for_function(DRAWN, timeout=120_000, polling=100)
                drawn += 1
            except Exception:  # the memory is what is measured; a stuck page is reported, not raised
                stuck.append(f"{path or 'overview'}?{query}")
    await context.close()
    return drawn, stuck


async def run(sessions: int) -> None:
    from playwright.async_api import async_playwright

    from village_stats.settings import load_settings

    with served(city_db()) as (url, pid):
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
            before, _ = peak_rss_mib(pid)
            started = time.perf_counter()
            towns = [ALL_TOWNS, load_settings().town]
            visits = await asyncio.gather(*(session(browser, url, n, towns) for n in range(sessions)))
            elapsed = time.perf_counter() - started
            current, peak = peak_rss_mib(pid)
            await browser.close()
    print(f"machine: {machine()}")
    stuck = [page for _, pages in visits for page in pages]
    print(f"{sessions} sessions, {sum(n for n, _ in visits)} pages drawn in {elapsed:.0f} s")
    if stuck:
        print(f"not drawn within 2 minutes: {len(stuck)} ({', '.join(sorted(set(stuck))[:6])})")
    print(f"server RSS before the visits: {before:.0f} MiB; after: {current:.0f} MiB; peak: {peak:.0f} MiB")
    verdict = "ok" if peak * 1.048576 <= 800 else "over the target"
    print(f"peak {peak * 1.048576:.0f} MB against the 800 MB target: {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=5)
    asyncio.run(run(parser.parse_args().sessions))


if __name__ == "__main__":
    main()
