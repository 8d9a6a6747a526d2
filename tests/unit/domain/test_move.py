"""The move checklist's template: which tasks a household gets, and their days in Swedish
working days from the accept."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from exchange.domain.consent import consent_problems, consent_valid
from exchange.domain.move import (
    DEFAULT_CHECKLIST,
    TaskStatus,
    TaskTemplate,
    When,
    due_on,
    is_overdue,
    tasks_for,
)

VIEWING = next(t for t in DEFAULT_CHECKLIST if t.key == "viewing")  # 5 working days


def test_due_dates_skip_weekends_and_christmas() -> None:
    """Accepted on Friday 18 December 2026: Christmas Eve and Day are no working days."""
    assert due_on(dt.date(2026, 12, 18), VIEWING) == dt.date(2026, 12, 29)


def test_due_dates_skip_midsummer_eve() -> None:
    """Accepted on Wednesday 17 June 2026: Midsummer Eve (the 19th) is no working day."""
    assert due_on(dt.date(2026, 6, 17), VIEWING) == dt.date(2026, 6, 25)


def test_every_default_task_falls_on_a_working_day_in_order_of_its_days() -> None:
    accepted = dt.date(2026, 12, 30)
    for task in DEFAULT_CHECKLIST:
        due = due_on(accepted, task)
        assert due.weekday() < 5 and due not in (dt.date(2027, 1, 1), dt.date(2027, 1, 6))
    days = sorted(DEFAULT_CHECKLIST, key=lambda t: t.days)
    dues = [due_on(accepted, t) for t in days]
    assert dues == sorted(dues)


def test_a_household_gets_the_tasks_that_apply_to_it() -> None:
    alone = [t.key for t in tasks_for(DEFAULT_CHECKLIST, children=False, protected=False)]
    assert "school_places" not in alone and "protected_address" not in alone
    family = [t.key for t in tasks_for(DEFAULT_CHECKLIST, children=True, protected=True)]
    assert {"school_places", "protected_address"} <= set(family)


def test_a_template_without_the_protected_address_still_gets_it_for_a_protected_household(
        ) -> None:
    bare = [TaskTemplate(key="keys", side="receiving", days=3, title_sv="Nycklar",
                         title_en="Keys")]
    assert [t.key for t in tasks_for(bare, children=False, protected=True)] == [
        "protected_address", "keys"]
    assert [t.key for t in tasks_for(bare, children=False, protected=False)] == ["keys"]


def test_a_template_task_is_checked() -> None:
    with pytest.raises(ValidationError):
        TaskTemplate(key="Keys!", side="receiving", days=3, title_sv="x", title_en="x")
    with pytest.raises(ValidationError):
        TaskTemplate(key="keys", side="landlord", days=3, title_sv="x", title_en="x")
    assert TaskTemplate(key="keys", side="sending", days=0, title_sv="x", title_en="x",
                        when="children").when is When.CHILDREN


def test_a_task_is_overdue_only_past_its_day_and_unsettled() -> None:
    day = dt.date(2026, 12, 10)
    assert is_overdue(day, TaskStatus.TODO, day + dt.timedelta(days=1))
    assert not is_overdue(day, TaskStatus.TODO, day)
    assert not is_overdue(day, TaskStatus.DONE, day + dt.timedelta(days=9))
    assert not is_overdue(day, TaskStatus.NOT_NEEDED, day + dt.timedelta(days=9))


def test_a_consent_holds_from_its_start_to_its_end_unless_ended() -> None:
    start, end = dt.date(2026, 11, 1), dt.date(2026, 12, 31)
    assert consent_valid(start, end, False, start) and consent_valid(start, end, False, end)
    assert not consent_valid(start, end, False, end + dt.timedelta(days=1))
    assert not consent_valid(start, end, True, start)
    assert not consent_valid(None, None, False, start)
    assert consent_valid(start, None, False, dt.date(2040, 1, 1))


def test_a_consent_is_refused_at_the_field_that_is_wrong() -> None:
    today = dt.date(2026, 12, 6)
    assert consent_problems(today, None, today) == {}
    assert set(consent_problems(today + dt.timedelta(days=1), None, today)) == {"given"}
    assert set(consent_problems(dt.date(2026, 11, 1), dt.date(2026, 10, 1), today)) == {"until"}
    assert set(consent_problems(dt.date(2026, 11, 1), dt.date(2026, 12, 5), today)) == {"until"}
