"""Swedish working days, for answer deadlines: Monday to Friday, less the public holidays and
the days that are holidays in practice (Midsummer Eve, Christmas Eve, New Year's Eve), as the
`holidays` package lists them."""

from __future__ import annotations

import datetime as dt
from functools import cache

import holidays


@cache
def _days_off(year: int) -> frozenset[dt.date]:
    listed = holidays.country_holidays("SE", years=year, categories=("public", "de_facto"),
                                       include_sundays=False)
    return frozenset(listed)


def is_working_day(day: dt.date) -> bool:
    """Whether `day` is a Swedish working day."""
    return day.weekday() < 5 and day not in _days_off(day.year)


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The `days`-th working day after `start` (the day a proposal published on `start` must be
    answered by; `start` itself never counts)."""
    day, left = start, days
    while left > 0:
        day += dt.timedelta(days=1)
        left -= is_working_day(day)
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """How many working days come after `start`, up to and including `end` (0 if none)."""
    count, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        count += is_working_day(day)
    return count
