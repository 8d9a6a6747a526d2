"""Bad input gets a problem naming the field and never repeating the value; tokens are kept
only as hashes and can be revoked; lists come in pages."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from exchange.persistence.database import UnitOfWork
from exchange.persistence.rows import TokenRow
from exchange.services.users import revoke_token
from tests.integration.service import Service, small_network

MARKER = "59.123456789"


@pytest.fixture
def service(database_url):
    with Service(database_url, small_network()) as running:
        yield running


def raw(body):
    """A JSON body as Python's json writes it, Infinity and NaN included."""
    return {"content": json.dumps(body), "headers": {"content-type": "application/json"}}


def a_case(service):
    return small_network().cases[0].model_dump(mode="json", exclude={
        "id", "municipality", "declined_units"})


def test_an_invalid_case_gets_every_problem_with_its_path_and_no_value(service):
    body = a_case(service)
    body["safety"] = {"danger_zones": [{"lat": f"near {MARKER}", "lon": 17.9,
                                        "radius_km": -2}]}
    body["rooms_max"] = "many"
    body["household"]["adults"] = 0
    body["secret_note"] = f"lives at {MARKER}"
    answer = service.as_("0126", "case_worker").post("/cases", json=body)
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert {e["path"] for e in problem["errors"]} == {
        "safety.danger_zones[0].lat", "safety.danger_zones[0].radius_km", "rooms_max",
        "household.adults", "secret_note"}
    assert MARKER not in answer.text and "many" not in answer.text


def test_rooms_min_above_rooms_max_is_refused_and_nothing_is_stored(service):
    worker = service.as_("0126", "case_worker")
    before = worker.get("/cases").json()["total"]
    answer = worker.post("/cases", json={**a_case(service), "rooms_min": 4, "rooms_max": 2})
    assert answer.status_code == 422 and answer.json()["errors"][0]["path"] == "rooms_min"
    assert worker.get("/cases").json()["total"] == before


def test_a_posted_case_is_the_case_workers_own_and_comes_back_whole(service):
    worker = service.as_("0138", "case_worker")
    body = a_case(service)
    posted = worker.post("/cases", json=body)
    assert posted.status_code == 201
    stored = worker.get(f"/cases/{posted.json()['id']}").json()
    assert stored["municipality"] == "0138" and stored["status"] == "open"
    assert {k: stored[k] for k in body} == body


def test_tokens_are_stored_only_as_hashes_and_revoked_ones_fail(service):
    token = service.tokens[("0126", "case_worker")]
    with UnitOfWork(service.app.state.database.sessions) as uow:
        digests = set(uow.session.scalars(select(TokenRow.digest)))
        assert token not in digests and len(token) >= 43  # 256 bits, url-safe
        revoke_token(uow, token)
        uow.commit()
    assert service.as_("0126", "case_worker").get("/cases").status_code == 401
    assert service.as_("0127", "case_worker").get("/cases").status_code == 200


def test_lists_come_in_pages(service):
    coordinator = service.as_("0126", "coordinator")
    first = coordinator.get("/cases", params={"limit": 7}).json()
    second = coordinator.get("/cases", params={"limit": 7, "offset": 7}).json()
    assert first["total"] == second["total"] == 40
    assert len(first["items"]) == len(second["items"]) == 7
    assert not {c["id"] for c in first["items"]} & {c["id"] for c in second["items"]}
    assert coordinator.get("/cases", params={"limit": 0}).status_code == 422


@pytest.mark.parametrize(("field", "value"), [
    ("rent_sek", 10**19), ("rooms", 1000), ("area_m2", float("inf")), ("lat", float("nan"))])
def test_a_unit_out_of_range_is_refused_so_it_cannot_break_a_round(service, field, value):
    """A number no solver array can hold, or not a number at all, is refused at the door."""
    unit = small_network().units[0].model_dump(mode="json", exclude={"id", "municipality"})
    answer = service.as_("0126", "housing_officer").post("/units", **raw({**unit, field: value}))
    assert answer.status_code == 422 and answer.json()["errors"][0]["path"] == field


def test_an_infinite_danger_radius_is_refused(service):
    body = a_case(service)
    body["safety"] = {"danger_zones": [{"lat": 59.2, "lon": 17.9, "radius_km": float("inf")}]}
    answer = service.as_("0126", "case_worker").post("/cases", **raw(body))
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["path"] == "safety.danger_zones[0].radius_km"


def test_an_absurd_page_offset_is_a_422_not_a_500(service):
    answer = service.as_("0126", "coordinator").get("/cases", params={"offset": 10**20})
    assert answer.status_code == 422 and answer.json()["errors"][0]["path"] == "query.offset"
