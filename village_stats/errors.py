"""One error shape: a kebab-case `code` a program can test, and the Chinese `message` a person reads.

Every exception the package raises on purpose derives from `VillageStatsError`, so the
command line (and a page) handles one class: it prints `message` and, where a program
needs to tell refusals apart, reads `code`. Bad data is not an error: it is a report of
issues (see validation.py); these are the refusals and failures around it.

A subclass names its default code as a class attribute; most keep their other base too
(`ValueError` for a request asked wrongly, `RuntimeError` for a state that refuses it),
because callers catch them as such.
"""

from __future__ import annotations

import re

KEBAB_CASE = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")


class VillageStatsError(Exception):
    """A refusal or failure whose message is Chinese and whose code is kebab-case (`database-busy`)."""

    code: str = "village-stats-error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
