"""Shared fixtures: databases are built by the real importer from ledger files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from village_stats.db import Database, open_database
from village_stats.importing import DEMO_DIR, build_demo
from village_stats.settings import Settings, load_settings


@pytest.fixture(scope="session")
def settings() -> Settings:
    return load_settings()


@pytest.fixture(scope="session")
def demo_db_path(tmp_path_factory: pytest.TempPathFactory, settings: Settings) -> Path:
    """The bundled demo town, imported once per test run; tests must not write to it."""
    path = tmp_path_factory.mktemp("demo") / "village.duckdb"
    build_demo(path, settings)
    return path


@pytest.fixture(scope="session")
def demo_db(demo_db_path: Path, settings: Settings) -> Database:
    return Database(demo_db_path, settings.lock_wait_seconds)


@pytest.fixture
def demo_copy(demo_db_path: Path, tmp_path: Path, settings: Settings) -> Database:
    """A private copy of the demo database that a test may change."""
    path = tmp_path / "village.duckdb"
    shutil.copy2(demo_db_path, path)
    archive = demo_db_path.parent / "archive"
    if archive.exists():
        shutil.copytree(archive, tmp_path / "archive")
    return Database(path, settings.lock_wait_seconds)


@pytest.fixture
def empty_db(tmp_path: Path, settings: Settings) -> Database:
    return open_database(tmp_path / "empty.duckdb", settings.lock_wait_seconds)


@pytest.fixture(scope="session")
def demo_dir() -> Path:
    return DEMO_DIR
