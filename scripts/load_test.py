"""Load test: N browser sessions cycle through every page while imports commit; loopback only.

    python scripts/load_test.py                      # 20 sessions, 3 cycles over the 10 pages
    python scripts/load_test.py --sessions 5 --cycles 1

It serves a private copy of the demo database with `streamlit run` on
127.0.0.1, opens N Playwright contexts on Debian's Chromium (one browser
process), and has each session click through all pages in the sidebar, in its
own order (a fresh load of each page's address), for the given number of cycles. Meanwhile the command line imports
a workbook and then one that puts the old values back, over and over
(`python -m village_stats import`), each a committed transaction in another process.

The workbook changes two ledgers in one transaction: one village's 2024 income
(from under 20万 to 150万) and its 2024 star rating (to 5 stars). Every time a
session shows the overview, the summary's “N个村村财收入超过20万元” and
“五星级M个” are read off the page; (N, M) must be the pair before the import
or the pair after it: a mixed pair would be a page that saw half an import.

Prints p50/p95 page times, errors (an exception box or a page that never
finished), the pairs seen, how each import fared, and the server's peak RSS.
Exit status 0 when there are no errors, no mixed pair and every import committed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from village_stats.serving import CHROMIUM_ARGS, chromium_path, served  # noqa: E402 (after the path is set)

# (url path, sidebar title)
PAGES = [
    ("", "总览"),
    ("income", "村财收入"),
    ("projects", "项目投资"),
    ("stars", "达标创星"),
    ("tickets", "五单服务"),
    ("problems", "问题整改"),
    ("report", "汇报导出"),
    ("presenter", "汇报模式"),
    ("data_import", "数据导入"),
    ("explore", "自助查询"),
]
YEAR = 2024
INCOME_RE = re.compile(rf"{YEAR}年全镇(\d+)个村村财收入超过20万元")
STARS_RE = re.compile(rf"{YEAR}年全镇达标创星评定五星级(\d+)个")


@dataclass
class Server:
    url: str
    process: subprocess.Popen

    def peak_rss_mib(self) -> float:
        """The server process's peak resident memory (VmHWM, Linux), in MiB; 0 where unknown."""
        try:
            for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            pass
        return 0.0


@contextmanager
def serve(database: Path, log: Path) -> Iterator[Server]:
    """`streamlit run dashboard.py` on a free loopback port, serving `database`."""
    with served(database, log, start_seconds=60) as (url, process):
        yield Server(url, process)


def write_workbooks(database: Path, folder: Path) -> tuple[Path, Path, tuple[int, int], tuple[int, int]]:
    """Two two-sheet workbooks: one lifts a village over 20万 and to five stars in YEAR, one puts it back.

    Returns their paths and the (villages over 20万, five-star units) pairs before and after.
    Each workbook is one import, one transaction; `undo` would take back one sheet at a time.
    """
    import duckdb
    import xlsxwriter

    with duckdb.connect(str(database), read_only=True) as con:
        village, income, stars = con.execute(
            "select i.village, i.total_income, s.stars from village_income as i "
            "join star_ratings as s using (year, town, village) "
            "join villages as v on v.town = i.town and v.name = i.village "
            "where i.year = $y and i.total_income < 200000 and s.stars < 5 and v.kind = '村' order by 1 limit 1",
            {"y": YEAR},
        ).fetchone()
        over = con.execute(
            "select count(*) from village_income as i join villages as v on v.town = i.town and v.name = i.village "
            "where i.year = $y and i.total_income >= 200000 and v.kind = '村'",
            {"y": YEAR},
        ).fetchone()[0]
        five = con.execute("select count(*) from star_ratings where year = $y and stars = 5", {"y": YEAR}).fetchone()[0]
    paths = []
    for name, yuan, rating in (("荷塘变化.xlsx", 1_500_000, 5), ("荷塘还原.xlsx", income, stars)):
        book = xlsxwriter.Workbook(str(folder / name))
        sheet = book.add_worksheet("村财收入")
        sheet.write_row(0, 0, ["村(社区)名称", "年度", "村集体经济总收入(元)"])
        sheet.write_row(1, 0, [village, YEAR, str(yuan)])
        sheet = book.add_worksheet("达标创星")
        sheet.write_row(0, 0, ["村(社区)名称", "年度", "星级"])
        sheet.write_row(1, 0, [village, YEAR, int(rating)])
        book.close()
        paths.append(folder / name)
    return paths[0], paths[1], (int(over), int(five)), (int(over) + 1, int(five) + 1)


@dataclass
class Observations:
    page_seconds: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    pairs: list[tuple[int, int]] = field(default_factory=list)
    imports: list[tuple[str, int, float, str]] = field(default_factory=list)  # action, status, seconds, stderr


async def _wait_for_run(page, timeout_ms: int) -> None:
    """Wait until Streamlit has finished the script run the click started."""
    app = '[data-testid="stApp"]'
    with contextlib.suppress(Exception):  # the run may start a moment after the load, or be over before we look
        await page.wait_for_selector(f'{app}[data-test-script-state="running"]', timeout=1500)
    await page.wait_for_selector(f'{app}[data-test-script-state="notRunning"]', timeout=timeout_ms)
    await page.wait_for_function("() => !document.querySelector('[data-testid=\"stSkeleton\"]')", timeout=timeout_ms)


async def _session(
    browser, url: str, number: int, cycles: int, seen: Observations, timeout_ms: int, verbose: bool
) -> None:
    context = await browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = await context.new_page()
    order = PAGES[:]
    random.Random(number).shuffle(order)
    try:
        for cycle in range(cycles):
            for path, _title in order:
                started = time.monotonic()
                try:
                    # a fresh load per view: 汇报模式 hides the sidebar, so links cannot be followed from it
                    await page.goto(f"{url}/{path}?year={YEAR}", timeout=timeout_ms)
                    await _wait_for_run(page, timeout_ms)
                except Exception as error:
                    seen.errors.append(f"session {number} cycle {cycle} {path or 'overview'}: {type(error).__name__}")
                    continue
                seen.page_seconds.setdefault(path or "overview", []).append(time.monotonic() - started)
                if verbose:
                    print(f"session {number} {path or 'overview'} {time.monotonic() - started:.2f} s", flush=True)
                if await page.locator('[data-testid="stException"]').count():
                    text = await page.locator('[data-testid="stException"]').first.inner_text()
                    seen.errors.append(f"session {number} {path or 'overview'}: exception {text[:200]}")
                if path == "":
                    await open_summary(page, timeout_ms)
                    body = await page.locator('[data-testid="stMainBlockContainer"]').inner_text()
                    income, stars = INCOME_RE.search(body), STARS_RE.search(body)
                    if income and stars:
                        seen.pairs.append((int(income.group(1)), int(stars.group(1))))
                    else:
                        seen.errors.append(f"session {number}: overview without the {YEAR} summary")
    finally:
        await context.close()


# the overview's 汇报摘要 is filled when its expander is opened (one more run, on the same snapshot rule)
SUMMARY = '[data-testid="stExpander"] summary'
SUMMARY_SHOWN = (
    "() => document.querySelector('[data-testid=stMainBlockContainer]').innerText.includes('村财收入超过20万元')"
)


async def open_summary(page: object, timeout_ms: int) -> None:
    """Open the overview's 汇报摘要 and wait until its sentences are on the page."""
    try:
        await page.locator(SUMMARY, has_text="汇报摘要").first.click(timeout=timeout_ms)
        await page.wait_for_function(SUMMARY_SHOWN, timeout=timeout_ms)
    except Exception:
        return  # the caller reports an overview without the summary


async def _browse(url: str, sessions: int, cycles: int, seen: Observations, timeout_ms: int, verbose: bool) -> None:
    from playwright.async_api import async_playwright

    executable = chromium_path()
    if executable is None:
        raise RuntimeError("Chromium is not installed")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            await asyncio.gather(
                *(_session(browser, url, n, cycles, seen, timeout_ms, verbose) for n in range(sessions))
            )
        finally:
            await browser.close()


def _import_loop(database: Path, workbooks: list[Path], stop: threading.Event, seen: Observations, pause: float):
    """Import the change, then the restoring workbook, and so on, from another process until told to stop."""
    number = 0
    while not stop.wait(pause):
        workbook = workbooks[number % 2]
        command = [sys.executable, "-m", "village_stats", "import", str(workbook), "--db", str(database)]
        started = time.monotonic()
        done = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
        seen.imports.append((workbook.stem, done.returncode, time.monotonic() - started, done.stderr.strip()[-300:]))
        number += 1


@dataclass
class Report:
    observations: Observations
    before: tuple[int, int]
    after: tuple[int, int]
    peak_rss_mib: float
    wall_seconds: float

    @property
    def mixed(self) -> list[tuple[int, int]]:
        return [p for p in self.observations.pairs if p not in (self.before, self.after)]

    @property
    def failed_imports(self) -> list[tuple[str, int, float, str]]:
        return [i for i in self.observations.imports if i[1] != 0]

    @property
    def ok(self) -> bool:
        return not self.observations.errors and not self.mixed and not self.failed_imports

    def lines(self) -> list[str]:
        times = sorted(t for ts in self.observations.page_seconds.values() for t in ts)
        seen = self.observations
        out = [
            f"page views: {len(times)} in {self.wall_seconds:.0f} s",
            f"page time p50 {_percentile(times, 50):.2f} s, p95 {_percentile(times, 95):.2f} s, "
            f"max {max(times, default=0):.2f} s",
        ]
        for name, values in sorted(seen.page_seconds.items()):
            out.append(f"  {name:12} n={len(values):3}  p50 {_percentile(sorted(values), 50):.2f} s")
        commits = [i for i in seen.imports if i[1] == 0]
        waits = sorted(i[2] for i in commits)
        out.append(
            f"imports: {len(commits)} committed, {len(self.failed_imports)} failed; "
            f"duration p50 {_percentile(waits, 50):.1f} s, max {max(waits, default=0):.1f} s"
        )
        out.append(
            f"overview figures seen: before {seen.pairs.count(self.before)}, after {seen.pairs.count(self.after)}, "
            f"mixed {len(self.mixed)}  (before={self.before}, after={self.after})"
        )
        out.append(f"errors: {len(seen.errors)}")
        out += [f"  {e}" for e in seen.errors[:20]]
        out += [f"  failed {a}: {s}" for a, _, _, s in self.failed_imports[:5]]
        out.append(f"server peak RSS: {self.peak_rss_mib:.0f} MiB")
        return out


def _percentile(values: list[float], pct: int) -> float:
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


def run(
    start_db: Path,
    workdir: Path,
    sessions: int,
    cycles: int,
    import_pause: float = 4.0,
    timeout_ms: int = 180_000,
    verbose: bool = False,
) -> Report:
    """Serve a copy of `start_db`, browse with `sessions` contexts while imports commit; the findings."""
    database = workdir / "village.duckdb"
    shutil.copy2(start_db, database)
    change, restore, before, after = write_workbooks(database, workdir)
    seen = Observations()
    stop = threading.Event()
    with serve(database, workdir / "streamlit.log") as server:
        importer = threading.Thread(target=_import_loop, args=(database, [change, restore], stop, seen, import_pause))
        started = time.monotonic()
        importer.start()
        try:
            asyncio.run(_browse(server.url, sessions, cycles, seen, timeout_ms, verbose))
        finally:
            stop.set()
            importer.join()
        wall = time.monotonic() - started
        peak = server.peak_rss_mib()
    return Report(seen, before, after, peak, wall)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--cycles", type=int, default=3)
    parser.add_argument("--import-pause", type=float, default=4.0, help="seconds between imports")
    parser.add_argument("--verbose", action="store_true", help="print every page view")
    args = parser.parse_args()
    # stopped with kill/timeout: still stop the server and clean up (the finally blocks run)
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(128 + number))
    from village_stats.importing import build_demo
    from village_stats.settings import load_settings

    with tempfile.TemporaryDirectory(prefix="load-test-") as folder:
        workdir = Path(folder)
        start = workdir / "demo" / "village.duckdb"
        start.parent.mkdir()
        build_demo(start, load_settings())
        report = run(start, workdir, args.sessions, args.cycles, args.import_pause, verbose=args.verbose)
    print(f"{args.sessions} sessions × {args.cycles} cycles × {len(PAGES)} pages on 127.0.0.1")
    for line in report.lines():
        print(line)
    return 0 if report.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
