"""A copy of the project as a user unpacks it, for tests that start it from another folder."""

from __future__ import annotations

import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# what a download holds that running the dashboard needs (tests, benchmarks and docs are left out)
RUNTIME = (
    *("dashboard.py", "settings.toml", "requirements.txt", ".streamlit"),
    *("views", "village_stats", "queries", "static"),
)


def copy_project(destination: Path) -> Path:
    """The runtime files and the demo ledgers under `destination`, no database: a first start."""
    skip = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in RUNTIME:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, destination / name, ignore=skip)
        else:
            destination.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)
    shutil.copytree(REPO / "data" / "demo", destination / "data" / "demo")
    return destination
