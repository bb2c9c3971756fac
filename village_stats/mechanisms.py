"""Decisions about the seed's other mechanisms that pages, narrative and reports share (pure).

Who may see low scorers' names, how fast studios must now be set up to reach
the target by the deadline, and how the town's reports round a count ("90余条").
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

# privacy.low_scorer_names → the roles that see names
_NAMES_SHOWN_TO = {"everyone": ("admin", "viewer"), "admin": ("admin",), "nobody": ()}


def may_name_low_scorers(setting: str, role: str) -> bool:
    """Whether a user in `role` ("admin" or "viewer") may see who scored below the threshold.

    An unknown setting or role names nobody: personal data is shown only when allowed.
    """
    return role in _NAMES_SHOWN_TO.get(setting, ())


def low_scorers_hidden_below(setting: str, role: str, threshold: Decimal) -> Decimal | None:
    """The points below which a member's name is hidden from `role`, or None when names are shown.

    The 党员积分 page, its downloads, the table browser and ad-hoc SQL all ask this, so a
    setting cannot hide a name on one and show it on another.
    """
    return None if may_name_low_scorers(setting, role) else threshold


@dataclass(frozen=True)
class StudioPace:
    target: int  # units that should have a studio by the deadline
    built: int
    remaining: int
    quarters_left: int  # calendar quarters from today's (included) to the deadline's
    per_quarter: int  # studios to set up each quarter, rounded up; 0 when done
    overdue: bool  # the deadline has passed with studios still missing


def _quarter_index(day: date) -> int:
    return day.year * 4 + (day.month - 1) // 3


def studio_goal(target: int, town_units: Sequence[int] | None) -> int:
    """How many studios the target asks for: `target` is one town's, never more than its units.

    Across the towns of a county or city each town's goal is min(target, its units), summed.
    `town_units` is studio_coverage's list (an array in a DataFrame cell; NULL when no units).
    """
    if town_units is None or isinstance(town_units, float):
        return 0
    return sum(min(target, int(units)) for units in town_units)


def studio_pace(built: int, units: int, target: int, deadline: date, today: date) -> StudioPace:
    """The pace needed to reach `target` (never more than the units in view) by `deadline`.

    The current quarter counts as one still to work in, so on the deadline's own
    quarter the whole remainder is due.
    """
    goal = min(target, units)
    remaining = max(0, goal - built)
    quarters = max(0, _quarter_index(deadline) - _quarter_index(today) + 1)
    overdue = remaining > 0 and today > deadline
    per_quarter = 0 if remaining == 0 else (remaining if quarters == 0 else math.ceil(remaining / quarters))
    return StudioPace(goal, built, remaining, quarters, per_quarter, overdue)


def about(count: int, unit: str) -> str:
    """A count the way the town's reports say it: 96 → 90余条, 63 → 60余起, 90 → 90条, 7 → 7条."""
    if count < 20 or count % 10 == 0:
        return f"{count}{unit}"
    return f"{count // 10 * 10}余{unit}"


_QUARTERS = "一二三四"


def period_label(period: str) -> str:
    """A stored period as a report says it: 2024Q4 → 2024年第四季度, 2024-03 → 2024年3月, 2024 → 2024年度."""
    if len(period) == 6 and period[4] == "Q":
        return f"{period[:4]}年第{_QUARTERS[int(period[5]) - 1]}季度"
    if len(period) == 7 and period[4] == "-":
        return f"{period[:4]}年{int(period[5:])}月"
    return f"{period}年度"
