"""Answer deadlines count Swedish working days: weekends, public holidays and the holidays in
practice (Christmas Eve, New Year's Eve, Midsummer Eve) are skipped."""

from __future__ import annotations

import datetime as dt

from exchange.domain.working_days import add_working_days, is_working_day, working_days_between


def test_a_week_of_working_days_skips_the_weekend() -> None:
    assert add_working_days(dt.date(2026, 12, 2), 5) == dt.date(2026, 12, 9)  # Wed -> Wed


def test_christmas_and_new_year_are_not_working_days() -> None:
    # Mon 21 Dec + 5: 22, 23, (24, 25, 26, 27 off), 28, 29, 30
    assert add_working_days(dt.date(2026, 12, 21), 5) == dt.date(2026, 12, 30)
    assert add_working_days(dt.date(2026, 12, 30), 1) == dt.date(2027, 1, 4)  # 31, 1 Jan off
    assert not is_working_day(dt.date(2027, 1, 6))  # Epiphany
    assert not is_working_day(dt.date(2026, 6, 19))  # Midsummer Eve


def test_working_days_between_counts_what_add_adds() -> None:
    start = dt.date(2026, 12, 18)
    for days in range(12):
        assert working_days_between(start, add_working_days(start, days)) == days
