"""Where a page's browser time goes: a timeline of one visit, cold (a fresh tab) and as a sidebar click.

    python benchmarks/browser_breakdown.py                    # town, every data page
    python benchmarks/browser_breakdown.py --scale city --repeats 3

For each page, in one Chromium tab, it records (milliseconds from the navigation
or the click, medians over the repeats):

  html      the HTML page received (cold only)
  js        Streamlit's JS bundle loaded and run (DOMContentLoaded; cold only)
  ws        the websocket to the server open (cold only)
  run       the server's script run: first message of the run → script_finished
  plotly    the charts' plotly.js (static/plotly-village.min.js, 1.3 MB) fetched (cold only)
  charts    each chart drawn (first / last), and the visit's end: last chart drawn

and, for comparison, three probe apps served the same way: an empty Streamlit page,
our sidebar alone, and our sidebar with one chart. A cold visit is a new tab, of two
kinds (`--cache`): "warm", a tab in the browser profile that has opened the page before
(bundle and Plotly.js from the HTTP cache, with V8's compiled code: a leader's PC after
the first visit of the day), and "new", a tab in a new profile each time (nothing cached:
a PC that has never opened the dashboard). A switch is a click on the page's link in the
sidebar of a tab that is already open, which is how the dashboard is used.

  cpu       CPU milliseconds the browser's renderer processes spent on the visit (from
            Chromium's process list): the browser's own work, which moves far less with
            the machine's load than the wall-clock columns do
  gpu cpu   the same for Chromium's GPU process, which without a GPU (here) rasterises
            and composites the page on the CPU, competing with the page for the 2 cores
"""

from __future__ import annotations

import argparse
import base64
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from serving import CHROMIUM_ARGS, PAGES, REPO, chromium, city_db, machine, page_url, served, town_db

# Installed in every page before Streamlit's own code: timestamps of websocket messages (kept as bytes for
# decoding), of each Plotly chart's first drawn SVG and of the status widget going away.
PROBE = """
(() => {
  const log = window.__probe = {messages: [], drawn: [], mark: 0};
  const Native = window.WebSocket;
  window.WebSocket = function (...args) {
    const socket = new Native(...args);
    log.wsOpen = null;
    socket.addEventListener('open', () => { log.wsOpen = performance.now(); });
    socket.addEventListener('message', (event) => {
      const t = performance.now();
      const data = event.data;
      if (data instanceof ArrayBuffer) {
        const bytes = new Uint8Array(data);
        let text = '';
        for (let i = 0; i < Math.min(bytes.length, 512); i++) text += String.fromCharCode(bytes[i]);
        log.messages.push([t, bytes.length, btoa(text)]);
      } else if (data instanceof Blob) {
        log.messages.push([t, data.size, '']);
      }
    });
    return socket;
  };
  window.WebSocket.prototype = Native.prototype;
  Object.assign(window.WebSocket, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3});
  log.tops = [];  // each drawn chart's top, px from the top of the page (the first screen is < 768)
  log.redrawn = [];  // [time, top, chart] of a chart drawn again (a filter change: purged, then a new plot)
  const seen = new WeakMap();  // plot → its number
  const svgs = new WeakSet();
  // polled, not observed: a MutationObserver would run on each of Plotly's thousands of DOM changes
  setInterval(() => {
    const main = document.querySelector('[data-testid="stMain"]');
    for (const svg of document.querySelectorAll('.js-plotly-plot .main-svg')) {
      if (svgs.has(svg)) continue;
      svgs.add(svg);
      const plot = svg.closest('.js-plotly-plot');
      const top = plot.getBoundingClientRect().top + (main ? main.scrollTop : 0);
      if (!seen.has(plot)) {
        seen.set(plot, log.tops.length);
        log.drawn.push(performance.now());
        log.tops.push(top);
      } else {  // a plot has two main-svg layers: the second of a first drawing is not a redraw
        log.redrawn.push([performance.now(), top, seen.get(plot)]);
      }
    }
  }, 16);
})();
"""


def message_kinds(messages: list) -> list[tuple[float, int, str]]:
    """(time, bytes, ForwardMsg type) of each websocket message; the type from its first 512 bytes."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    kinds = []
    for at, size, head in messages:
        kind = "?"
        raw = base64.b64decode(head) if head else b""
        try:
            message = ForwardMsg()
            message.ParseFromString(raw)
            kind = message.WhichOneof("type") or "?"
        except Exception:  # a message cut at 512 bytes may not parse; its first field still tells
            kind = "delta" if raw[:1] else "?"
        kinds.append((at, size, kind))
    return kinds


def timeline(page, start: float, cold: bool) -> dict[str, float]:
    """Milliseconds from `start` (performance.now() of the navigation or the click) to each step."""
    probe = page.evaluate("window.__probe")
    kinds = [(at - start, size, kind) for at, size, kind in message_kinds(probe["messages"]) if at >= start]
    run_start = next((at for at, _, kind in kinds if kind in ("new_session", "delta", "page_info_changed")), None)
    finished = next((at for at, _, kind in kinds if kind == "script_finished"), None)
    drawn = [at - start for at in probe["drawn"] if at >= start]
    tops = probe.get("tops", [])
    # the first screen: the charts whose top is within the 768 px a 1366×768 window shows
    on_screen = [at - start for at, top in zip(probe["drawn"], tops, strict=False) if at >= start and top < 768]
    result = {
        "run start": run_start,
        "run end": finished,
        "messages": len(kinds),
        "KB": sum(size for _, size, _ in kinds) / 1024,
        "charts": len(drawn),
        "first chart": min(drawn) if drawn else None,
        "last chart": max(drawn) if drawn else None,
        "screen": max(on_screen) if on_screen else finished,
    }
    if cold:
        nav = page.evaluate("performance.getEntriesByType('navigation')[0].toJSON()")
        plotly = page.evaluate(
            "performance.getEntriesByType('resource').filter(e => e.name.includes('plotly-village'))"
            ".map(e => [e.startTime, e.responseEnd, e.transferSize])"
        )
        result.update(
            html=nav["responseEnd"],
            js=nav["domContentLoadedEventEnd"],
            ws=probe.get("wsOpen"),
            **{"plotly fetched": plotly[0][1] if plotly else None},
        )
    return result


# like serving.DRAWN, but a page without charts (the probe apps) is done when its run is
ALL_DRAWN = """() => {
    if (document.querySelector('[data-testid="stStatusWidget"]')) return false;
    if (document.querySelector('[data-testid="stSkeleton"]')) return false;
    if (!document.querySelector('[data-testid="stMainBlockContainer"] h1')) return false;
    const wanted = document.querySelectorAll('[data-testid="stBidiComponentRegular"]').length;
    const drawn = [...document.querySelectorAll('[data-testid="stBidiComponentRegular"]')]
        .filter((e) => e.querySelector('.main-svg')).length;  // once per chart, not per svg layer
    return drawn >= wanted;
}"""


# the run is over and the charts in the first screen (1366×768) are drawn: what a visitor sees first
FIRST_SCREEN = """() => {
    if (document.querySelector('[data-testid="stStatusWidget"]')) return false;
    if (!document.querySelector('[data-testid="stMainBlockContainer"] h1')) return false;
    const inView = [...document.querySelectorAll('[data-testid="stBidiComponentRegular"]')]
        .filter((e) => e.getBoundingClientRect().top < window.innerHeight);
    return inView.every((e) => e.querySelector('.main-svg'));
}"""


def wait_drawn(page, timeout_ms: int = 60_000) -> None:
    """The first screen drawn at 1366×768, then the window grown to the whole page and every chart drawn.

    Charts off screen are drawn after the ones on it (plotly_view): growing the window first would
    make every chart an on-screen one and hide what the first screen costs.
    """
    page.wait_for_function(FIRST_SCREEN, timeout=timeout_ms, polling=20)
    height = page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight")
    page.set_viewport_size({"width": 1366, "height": min(max(height, 768), 12_000)})
    page.wait_for_function(ALL_DRAWN, timeout=timeout_ms, polling=20)


class RendererCpu:
    """CPU seconds so far of the browser's renderer processes (the pages' JS, layout, painting) and of its
    GPU process (without a GPU, as here, it rasterises and composites on the CPU)."""

    def __init__(self, browser) -> None:
        self._session = browser.new_browser_cdp_session()

    def __call__(self) -> tuple[float, float]:
        info = self._session.send("SystemInfo.getProcessInfo")["processInfo"]
        renderer = sum(process["cpuTime"] for process in info if process["type"] == "renderer")
        return renderer, sum(process["cpuTime"] for process in info if process["type"] == "GPU")


def cold_visit(context, url: str, cpu: RendererCpu | None = None, browser=None) -> dict[str, float]:
    """A new tab in `context`; with `browser` instead, a new tab in a new profile (nothing cached)."""
    if new_profile := browser is not None:
        context = new_context(browser)
    spent = cpu() if cpu else None
    page = context.new_page()
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(url)
    wait_drawn(page)
    page.wait_for_timeout(300)  # a chart that draws twice is counted once; let late messages arrive
    result = timeline(page, 0.0, cold=True)
    if cpu and spent:  # before the tab closes: a closed renderer leaves the process list
        (renderer, gpu), (renderer_before, gpu_before) = cpu(), spent
        result.update(cpu=(renderer - renderer_before) * 1000, **{"gpu cpu": (gpu - gpu_before) * 1000})
    page.close()
    if new_profile:
        context.close()
    return result


def new_context(browser):
    context = browser.new_context(locale="zh-CN")
    context.add_init_script(PROBE)
    return context


def switch_visit(page, title: str) -> dict[str, float]:
    """Click the page's entry in the sidebar of an open tab."""
    page.set_viewport_size({"width": 1366, "height": 768})
    link = page.locator('[data-testid="stSidebarNav"] a', has_text=title).first
    before = page.locator('[data-testid="stMainBlockContainer"] h1').first.inner_text()
    start = page.evaluate("performance.now()")
    link.click()
    page.wait_for_function(
        "(before) => { const h = document.querySelector('[data-testid=stMainBlockContainer] h1');"
        " return h && h.innerText !== before; }",
        arg=before,
        polling=20,
    )
    wait_drawn(page)
    page.wait_for_timeout(300)
    return timeline(page, start, cold=False)


COLUMNS_COLD = [
    *("cpu", "gpu cpu", "html", "js", "ws"),
    *("run start", "run end", "plotly fetched", "first chart", "screen", "last chart"),
]
COLUMNS_SWITCH = ["run start", "run end", "first chart", "last chart"]


def medians(rows: list[dict[str, float]]) -> dict[str, float]:
    keys = {k for r in rows for k in r}
    return {k: statistics.median([r[k] for r in rows if r.get(k) is not None] or [float("nan")]) for k in keys}


def show(label: str, row: dict[str, float], columns: list[str]) -> None:
    cells = " ".join(f"{row.get(c, float('nan')):8.0f}" for c in columns)
    print(f"{label:10} {cells} {row['charts']:6.0f} {row['messages']:5.0f} {row['KB']:7.1f}", flush=True)


def header(kind: str, columns: list[str]) -> None:
    print(f"\n{kind} (ms from {'navigation' if kind.startswith('cold') else 'click'}, median; cpu: ms of CPU)")
    print(f"{'page':10} " + " ".join(f"{c[:8]:>8}" for c in columns) + f" {'charts':>6} {'msgs':>5} {'KB':>7}")


PROBE_APPS = {
    "empty": 'import streamlit as st\nst.title("空白页")\n',
    "sidebar": (
        "import streamlit as st\nfrom village_stats import ui\n"
        'st.set_page_config(page_title="村情看板", layout="wide")\n'
        'st.sidebar.markdown("### 村情看板")\nwith ui.one_snapshot():\n    ui.sidebar_filters()\n'
        'st.title("只有侧栏")\n'
    ),
    "one chart": (
        "import streamlit as st\nimport pandas as pd\nfrom village_stats import charts, ui\n"
        'st.set_page_config(page_title="村情看板", layout="wide")\n'
        'st.sidebar.markdown("### 村情看板")\nwith ui.one_snapshot():\n    ui.sidebar_filters()\n'
        'st.title("一张图")\n'
        'frame = pd.DataFrame({"tier_label": ["≥20万", "≥50万", "≥100万"],\n'
        '    "villages": [21, 9, 3], "share_pct": [91.3, 39.1, 13.0]})\n'
        'ui.plot(charts.tier_bars(frame, "tier_label", "村财收入分档（个）"), "分档")\n'
    ),
}


def probe_apps(browser, database: Path, repeats: int, cache: str, cpu: RendererCpu) -> dict[str, dict[str, float]]:
    from village_stats import plotly_view
    from village_stats import serving as app_serving

    header(f"cold, {cache} cache", COLUMNS_COLD)
    folder = REPO / "test-artifacts" / "probe-apps"
    (folder / "static").mkdir(parents=True, exist_ok=True)
    # the charts' plotly.js is served from the app's static folder, beside the script
    shutil.copy2(plotly_view.BUNDLE_PATH, folder / "static" / plotly_view.BUNDLE)
    found = {}
    for name, source in PROBE_APPS.items():
        script = folder / f"{name.replace(' ', '_')}.py"
        script.write_text(source, encoding="utf-8")
        with (
            tempfile.TemporaryDirectory(prefix="bench-probe-") as tmp,
            app_serving.served(database, Path(tmp) / "log", script=script) as (url, _),
        ):
            context = new_context(browser)
            cold_visit(context, url)  # fills the HTTP cache and the server's caches
            where = {"context": context} if cache == "warm" else {"context": None, "browser": browser}
            rows = [cold_visit(url=url, cpu=cpu, **where) for _ in range(repeats)]
            context.close()
        found[name] = medians(rows)
        show(name, found[name], COLUMNS_COLD)
    return found


# a change of the year in the selector at the top of the page, in a tab that shows the page
YEAR_REDRAWN = """([start, screen]) => {
    if (document.querySelector('[data-testid="stStatusWidget"]')) return false;
    if (document.querySelector('[data-stale="true"]')) return false;
    const inView = [...document.querySelectorAll('.js-plotly-plot')]
        .filter((e) => e.getBoundingClientRect().top < screen).length;
    const charts = new Set(window.__probe.redrawn.filter(([at, top]) => at >= start && top < screen).map((r) => r[2]));
    return charts.size >= inView;
}"""


def year_box(page):
    """The 年度 selector at the top of the page (a combobox: its input holds the year shown)."""
    box = page.locator('[data-testid="stMainBlockContainer"] [data-testid="stSelectbox"]', has_text="年度").first
    return box.locator('input[role="combobox"]')


def filter_change(page, year: str) -> dict[str, float]:
    """Pick `year` in the 年度 selector at the top of an open page: ms from the pick to the run's end and
    to the charts of the first screen drawn again with the new year's data."""
    page.set_viewport_size({"width": 1366, "height": 768})
    year_box(page).click()
    option = page.locator('[role="option"]', has_text=year).first
    option.wait_for()
    start = page.evaluate("performance.now()")
    option.click()
    page.wait_for_function(YEAR_REDRAWN, arg=[start, 768], timeout=60_000, polling=20)
    page.wait_for_timeout(300)
    result = timeline(page, start, cold=False)
    redrawn = [at - start for at, top, _ in page.evaluate("window.__probe.redrawn") if at >= start and top < 768]
    result["redrawn"] = max(redrawn) if redrawn else None
    return result


def year_changes(context, url: str, repeats: int) -> dict[str, float]:
    """The overview open in a tab; the year changed back and forth `repeats` times (both years cached)."""
    tab = context.new_page()
    tab.set_viewport_size({"width": 1366, "height": 768})
    tab.goto(url)
    wait_drawn(tab)
    first = year_box(tab).input_value()  # the year the page opened on
    year_box(tab).click()
    tab.locator('[role="option"]').first.wait_for()
    options = [text.strip() for text in tab.locator('[role="option"]').all_inner_texts()]
    tab.keyboard.press("Escape")
    other = next(year for year in options if year != first)
    filter_change(tab, other)  # the other year's queries into the server's cache
    rows = [filter_change(tab, year) for _ in range(repeats) for year in (first, other)]
    tab.close()
    return medians(rows)


def ratios(empty: dict[str, float], overview: dict[str, float], change: dict[str, float] | None) -> None:
    """The overview against the empty-Streamlit probe of the same run: the targets of the one-screen overview."""
    base, screen, page = empty["run end"], overview["screen"], overview["last chart"]
    print(f"ratios to the empty probe's run end ({base:.0f} ms), same run:")
    print(f"  first screen (its cards and charts drawn) {screen:.0f} ms = {screen / base:.2f}x (target <= 1.5x)")
    print(f"  whole page (last chart drawn)             {page:.0f} ms = {page / base:.2f}x (target <= 2.0x)")
    if change:
        run, redrawn = change["run end"], change["redrawn"]
        print(f"  year change: run end {run:.0f} ms, first screen redrawn {redrawn:.0f} ms (target <= 1000 ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", choices=["town", "city"], default="town")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-probes", action="store_true", help="skip the empty / sidebar / one-chart apps")
    parser.add_argument("--cache", choices=["warm", "new", "both"], default="both", help="which cold visits")
    parser.add_argument("--no-switch", action="store_true", help="cold visits only")
    parser.add_argument("--pages", help="only these pages, e.g. 总览,汇报导出 (default: every data page)")
    args = parser.parse_args()
    pages = [p for p in PAGES if not args.pages or p[0] in args.pages.split(",")]
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="bench-breakdown-") as folder, sync_playwright() as playwright:
        database = town_db(Path(folder)) if args.scale == "town" else city_db()
        all_towns = args.scale == "city"
        browser = playwright.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        print(f"machine: {machine()}; scale {args.scale}", flush=True)
        cpu = RendererCpu(browser)
        caches = ["warm", "new"] if args.cache == "both" else [args.cache]
        probes, overview = {}, {}
        if not args.no_probes:
            for cache in caches:
                probes[cache] = probe_apps(browser, database, args.repeats, cache, cpu)
        with served(database) as (url, _):
            context = new_context(browser)
            cold_visit(context, page_url(url, "", all_towns))
            for _title, path, _ in pages:
                cold_visit(context, page_url(url, path, all_towns))  # the server's query cache
            for cache in caches:
                header(f"cold, {cache} cache", COLUMNS_COLD)
                where = {"context": context} if cache == "warm" else {"context": None, "browser": browser}
                for title, path, _ in pages:
                    address = page_url(url, path, all_towns)
                    rows = [cold_visit(url=address, cpu=cpu, **where) for _ in range(args.repeats)]
                    show(title, medians(rows), COLUMNS_COLD)
                    if title == "总览":
                        overview[cache] = medians(rows)
            change = None
            if overview:
                change = year_changes(context, page_url(url, "", all_towns), args.repeats)
                header("year change", ["run end", "redrawn"])
                show("总览", change, ["run end", "redrawn"])
            for cache in overview.keys() & probes.keys():
                print(f"\n{cache} cache:")
                ratios(probes[cache]["empty"], overview[cache], change)
            if args.no_switch:
                context.close()
                browser.close()
                print(f"machine after: {machine()}")
                return
            header("switch", COLUMNS_SWITCH)
            tab = context.new_page()
            tab.goto(page_url(url, "report", all_towns))
            wait_drawn(tab)
            for title, _path, _ in pages:
                rows = []
                for _ in range(args.repeats):
                    switch_visit(tab, "乡贤")  # from another page, as a user would come
                    rows.append(switch_visit(tab, SIDEBAR_TITLES[title]))
                show(title, medians(rows), COLUMNS_SWITCH)
            context.close()
        browser.close()
        print(f"machine after: {machine()}")


# the benchmark's page names → the titles of their links in the sidebar (dashboard.py)
SIDEBAR_TITLES = {
    "总览": "总览",
    "村财收入": "村财收入",
    "项目投资": "项目投资",
    "达标创星": "达标创星",
    "五单服务": "五单服务",
    "问题整改": "问题整改",
    "汇报导出": "汇报导出",
}

if __name__ == "__main__":
    start = time.perf_counter()
    main()
    print(f"took {time.perf_counter() - start:.0f} s")
