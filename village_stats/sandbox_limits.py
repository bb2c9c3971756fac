"""What bounds an ad-hoc query: its limits, and the DuckDB settings and process limits that carry them.

The child applies these (sandbox.py) and reads the settings back before it runs anything.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    seconds: float = 10.0  # max_execution_time; the parent kills the child a little after it
    memory: str = "512MB"  # DuckDB's memory_limit
    threads: int = 1  # leaves the other core to the dashboard
    rows: int = 10_000  # rows returned; more are cut and the result says so
    result_bytes: int = 64 * 2**20  # Arrow bytes returned
    address_space_bytes: int = 2 * 2**30  # RLIMIT_AS of the child: what memory_limit does not track
    lock_wait_seconds: float = 30.0  # as import.lock_wait_seconds: waiting for a writer to finish
    concurrent: int = 2  # child processes a Sandbox runs at once


LIMITS = Limits()


def duckdb_config(limits: Limits) -> dict[str, object]:
    """Settings given to duckdb.connect; external access and the lock follow as SETs (see sandbox._connect)."""
    return {
        "threads": limits.threads,
        "memory_limit": limits.memory,
        "temp_directory": "",  # nothing spills to disk: a big query fails instead of filling it
        "max_temp_directory_size": "0KiB",
        "max_execution_time": int(limits.seconds * 1000),
        "autoload_known_extensions": False,
        "autoinstall_known_extensions": False,
        "allow_community_extensions": False,
        "allow_unsigned_extensions": False,
        "allow_persistent_secrets": False,
        "python_enable_replacements": False,  # no `select * from some_python_variable`
    }


# Applied in this order after connecting: connect() applies its config in no fixed order, and
# once external access is off, temp_directory may no longer be set (measured).
LOCKDOWN = ("set enable_external_access = false", "set lock_configuration = true")


def expected_settings(limits: Limits) -> dict[str, str]:
    settings = {k: str(v).lower() for k, v in duckdb_config(limits).items() if isinstance(v, bool | int)}
    return settings | {"temp_directory": "", "enable_external_access": "false", "lock_configuration": "true"}


def confine(limits: Limits) -> None:
    """This process: lower priority than the dashboard, and a ceiling on its address space (POSIX only;
    on Windows DuckDB's memory_limit and the row and byte caps remain)."""
    try:
        import resource
    except ImportError:
        return
    os.nice(5)
    resource.setrlimit(resource.RLIMIT_AS, (limits.address_space_bytes, limits.address_space_bytes))
