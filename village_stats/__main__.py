"""`python -m village_stats`: the CLI, with a workbook to import already being parsed."""

import sys

from village_stats import read_ahead

# before the rest of the package loads (a third of a second of the other core): see read_ahead.py
read_ahead.start(sys.argv[1:])

from village_stats import cli  # noqa: E402

raise SystemExit(cli.main())
