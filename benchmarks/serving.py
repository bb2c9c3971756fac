"""What the page benchmarks share: the town and city databases, a served dashboard, Chromium.

Not a benchmark itself. The town database is the bundled demo, built through the
importer; the city is `python -m village_stats demo --scale city`, built once into
data/city.duckdb (ignored by git) and reused, since it takes a minute.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from village_stats import serving  # noqa: E402 (after the path is set)
from village_stats.serving import CHROMIUM_ARGS  # noqa: E402, F401 (the browser benchmarks import it from here)

CITY_DB = REPO / "data" / "city.duckdb"
ALL_TOWNS = "全部镇(街道)"
# (title, url path, script) of the dashboard pages that show data; the import and SQL pages are tools
PAGES = [
    ("总览", "", "views/overview.py"),
    ("村财收入", "income", "views/income.py"),
    ("项目投资", "projects", "views/projects.py"),
    ("达标创星", "stars", "views/stars.py"),
    ("五单服务", "tickets", "views/tickets.py"),
    ("问题整改", "problems", "views/problems.py"),
    ("汇报导出", "report", "views/report.py"),
]


def town_db(folder: Path) -> Path:
    """The bundled demo town, imported into `folder`."""
    from village_stats.importing import build_demo
    from village_stats.settings import load_settings

    path = folder / "town.duckdb"
    if not path.exists():
        build_demo(path, load_settings())
    return path


def city_db(path: Path = CITY_DB) -> Path:
    """The city database, built once (about half a minute on the 2-core machine) and then reused."""
    if not path.exists():
        from village_stats import scale
        from village_stats.settings import load_settings

        built = scale.build(path, scale.SCALES["city"], load_settings())
        print(f"built {path.name}: {built.summary()}", flush=True)
    return path


def chromium() -> str:
    found = serving.chromium_path()
    if not found:
        raise SystemExit("Chromium is not installed (Debian: apt-get install chromium)")
    return found


@contextmanager
def served(database: Path) -> Iterator[tuple[str, int]]:
    """`streamlit run dashboard.py` on a free loopback port over a copy of `database`: (url, server pid)."""
    with tempfile.TemporaryDirectory(prefix="bench-served-") as folder:
        copy = Path(folder) / "village.duckdb"
        shutil.copy2(database, copy)
        with serving.served(copy, Path(folder) / "streamlit.log") as (url, process):
            yield url, process.pid


def page_url(url: str, path: str, all_towns: bool) -> str:
    from urllib.parse import quote

    query = f"?town={quote(ALL_TOWNS)}" if all_towns else ""
    return f"{url}/{path}{query}"


RUN_OVER = """() => !!document.querySelector('[data-testid="stMainBlockContainer"] h1')
    && !document.querySelector('[data-testid="stStatusWidget"]')"""

# Done when the script run has ended and every chart container holds a drawn Plotly plot.
# The viewport is made tall beforehand, because Streamlit draws a chart only once it is in view.
DRAWN = """() => {
    if (document.querySelector('[data-testid="stStatusWidget"]')) return false;
    if (document.querySelector('[data-testid="stSkeleton"]')) return false;
    if (!document.querySelector('[data-testid="stMainBlockContainer"] h1')) return false;
    const wanted = document.querySelectorAll('[data-testid="stBidiComponentRegular"]').length;
    // a chart counts once drawn (a plot has several main-svg layers; charts off screen draw later)
    const drawn = [...document.querySelectorAll('[data-testid="stBidiComponentRegular"]')]
        .filter((e) => e.querySelector('.main-svg')).length;
    return wanted > 0 ? drawn >= wanted : !!document.querySelector('[data-testid="stAlert"]');
}"""


def peak_rss_mib(pid: int) -> tuple[float, float]:
    """(current, peak) resident set size of a process in MiB, from /proc (Linux)."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        fields[name] = value.strip()
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def machine() -> str:
    load = os.getloadavg()
    return f"{os.cpu_count()} cores, load average {load[0]:.1f}/{load[1]:.1f}/{load[2]:.1f} (shared with other work)"
