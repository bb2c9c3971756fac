"""村情看板: import a town's ledgers into DuckDB and show them to its leadership."""

__version__ = "0.1.0"
