"""Sensitive fields are sealed at rest, open only with the right key at the right place, and
rotate to a new key after which the old one can go."""

from __future__ import annotations

from collections import Counter
from contextlib import contextmanager

import pytest
from sqlalchemy import select, update

from exchange.persistence.database import UnitOfWork, make_engine, session_factory
from exchange.persistence.rows import CaseRow
from exchange.persistence.sealing import key_line, new_key, parse_keys
from exchange.services.rotation import PLAIN, key_usage, reseal
from exchange.services.rounds import replay
from exchange.services.sealed import case_spec
from tests.integration.lived import (
    MARKED,
    every_cell,
    live_a_round,
    marked_in,
    post_marked_case,
)
from tests.integration.service import TEST_KEYS, Service, small_network


@pytest.fixture
def service(database_url):
    with Service(database_url, small_network()) as running:
        yield running


@pytest.fixture
def raw(database_url):
    """An engine on the database, beside the service, to see what is stored."""
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@contextmanager
def sessions_with(database_url: str, keys: str):  # type: ignore[no-untyped-def]
    engine = make_engine(database_url)
    try:
        yield session_factory(engine, parse_keys(keys, "test"))
    finally:
        engine.dispose()


def reseal_all(sessions) -> Counter[str]:  # type: ignore[no-untyped-def]
    moved: Counter[str] = Counter()
    while True:
        with UnitOfWork(sessions) as uow:
            batch = reseal(uow, batch=25)
            uow.commit()
        if not batch:
            return moved
        moved.update(batch)


def test_no_stored_row_holds_a_sensitive_field_in_plain(service, raw):
    """Cases, round files and results are sealed: no marker is found in any raw cell."""
    case_id = post_marked_case(service)
    live_a_round(service)
    text = every_cell(raw)
    assert "seal:1:" in text and case_id in text
    assert marked_in(text) == []
    mine = service.as_("0127", "case_worker").get(f"/cases/{case_id}").json()
    assert mine["safety"] == MARKED["safety"] and mine["monthly_income_sek"] == 76543


def test_a_sealed_spec_moved_to_another_case_does_not_open_and_says_so(service, raw):
    marked, other = post_marked_case(service), post_marked_case(service)
    with raw.begin() as connection:
        moved = connection.scalar(select(CaseRow.sealed_spec).where(CaseRow.id == other))
        connection.execute(update(CaseRow).where(CaseRow.id == marked).values(sealed_spec=moved))
    answer = service.as_("0127", "case_worker").get(f"/cases/{marked}")
    assert answer.status_code == 503
    detail = answer.json()["detail"]
    kid = parse_keys(TEST_KEYS, "test").current
    assert f"does not open with key {kid}" in detail and marked in detail
    assert marked_in(answer.text) == [] and "Traceback" not in answer.text
    assert service.as_("0127", "case_worker").get(f"/cases/{other}").status_code == 200


def test_a_wrong_key_fails_clearly_naming_the_key_id(service, database_url):
    case_id = post_marked_case(service)
    kid = parse_keys(TEST_KEYS, "test").current
    impostor = key_line(kid, new_key()[1])  # the same id, another key
    with Service(database_url, data_keys=impostor) as wrong:
        wrong.tokens = service.tokens
        answer = wrong.as_("0127", "case_worker").get(f"/cases/{case_id}")
        listed = wrong.as_("0127", "case_worker").get("/cases")
        # what needs no sealed field still works: the coordinator's anonymised list
        assert wrong.as_("0126", "coordinator").get("/cases").status_code == 200
    for failed in (answer, listed):
        assert failed.status_code == 503 and kid in failed.json()["detail"]
        assert marked_in(failed.text) == []


def test_rotation_reseals_everything_so_the_old_key_can_be_dropped(service, database_url):
    case_id = post_marked_case(service)
    round_id = live_a_round(service)["round"]
    old = parse_keys(TEST_KEYS, "test").current
    fresh = key_line(*new_key())
    with UnitOfWork(service.app.state.database.sessions) as uow:
        stored = key_usage(uow)
    assert stored[old] == 41 + 2 * 1  # every case, and the round file and result of one solve
    with sessions_with(database_url, f"{fresh},{TEST_KEYS}") as both:
        moved = reseal_all(both)
    assert set(moved) == {old} and moved[old] == stored[old]  # every case, round file, result
    with sessions_with(database_url, fresh) as only_new, UnitOfWork(only_new) as uow:
        assert set(key_usage(uow)) == {parse_keys(fresh, "test").current}
        row = uow.session.get_one(CaseRow, case_id)
        assert case_spec(row)["safety"] == MARKED["safety"]
        assert replay(uow, round_id).same  # the round file and result open and agree
        assert reseal(uow) == Counter()


def test_rows_stored_before_sealing_are_read_and_sealed_by_rotation(service, raw):
    """A case stored in plain (before migration 0003) stays readable until rotation seals it."""
    case_id = post_marked_case(service)
    with UnitOfWork(service.app.state.database.sessions) as uow:
        full = case_spec(uow.session.get_one(CaseRow, case_id))
        uow.session.execute(update(CaseRow).where(CaseRow.id == case_id).values(
            spec=full, sealed_spec=None))
        uow.commit()
    worker = service.as_("0127", "case_worker")
    assert worker.get(f"/cases/{case_id}").json()["safety"] == MARKED["safety"]
    with UnitOfWork(service.app.state.database.sessions) as uow:
        assert key_usage(uow)[PLAIN] == 1
    assert sum(reseal_all(service.app.state.database.sessions).values()) == 1
    assert marked_in(every_cell(raw)) == []
    assert worker.get(f"/cases/{case_id}").json()["safety"] == MARKED["safety"]


def test_a_marker_is_found_as_a_value_and_not_by_chance_inside_a_hash_or_a_number():
    stored = '{"monthly_income_sek": 76543, "lat": 59.191919}'
    assert marked_in(stored) == ['"monthly_income_sek"', "59.191919", "76543"]
    assert marked_in("income 76543 kr") == ["76543"]
    assert marked_in("Stockholm,Kiruna", ["Kiruna"]) == ["Kiruna"]
    chance = "hash 9f76543ab0, id 1c2d-765439, time 04:38:25.076543, share 0,76543, 159.1919190"
    assert marked_in(chance) == []
