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


def test_a_body_beyond_the_limit_is_413_and_nothing_is_stored(database_url):
    """Probe finding: a 3.6 MB case was stored. A body longer than EXCHANGE_MAX_BODY_BYTES is
    refused as it is read, whether its length is declared or not."""
    with Service(database_url, small_network(), max_body_bytes=64 * 1024) as limited:
        worker = limited.as_("0126", "case_worker")
        before = worker.get("/cases").json()["total"]
        big = {**a_case(limited), "padding": "x" * 100_000}
        answer = worker.post("/cases", json=big)
        assert answer.status_code == 413
        assert answer.headers["content-type"] == "application/problem+json"
        streamed = worker.post("/cases", content=iter([json.dumps(big).encode()]),
                               headers={"content-type": "application/json"})
        assert streamed.status_code == 413
        assert worker.get("/cases").json()["total"] == before


@pytest.mark.parametrize(("path", "value", "where"), [
    ("household.children", [{"age": 5}] * 300, "household.children"),
    ("safety.danger_zones", [{"lat": 59.2, "lon": 17.9, "radius_km": 1.0}] * 200,
     "safety.danger_zones"),
    ("safety.excluded_municipalities", ["0180"] * 400, "safety.excluded_municipalities"),
    ("preferences.municipalities", ["0180"] * 400, "preferences.municipalities"),
])
def test_every_list_of_a_case_has_a_bound(service, path, value, where):
    """Probe finding: a case with 300,000 children or 200,000 danger zones was stored and then
    held the database writer for seconds at the next solve."""
    body = a_case(service)
    group, field = path.split(".")
    body[group] = {**body.get(group, {}), field: value}
    answer = service.as_("0126", "case_worker").post("/cases", json=body)
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"][0]["path"] == where


def test_texts_have_a_bound_too(service):
    unit = small_network().units[0].model_dump(mode="json", exclude={"id", "municipality"})
    answer = service.as_("0126", "housing_officer").post("/units",
                                                        json={**unit, "district": "x" * 500})
    assert answer.status_code == 422 and answer.json()["errors"][0]["path"] == "district"


@pytest.mark.parametrize("path", ["/cases", "/rounds"])
def test_json_nested_100000_deep_is_a_clear_refusal_not_a_500(service, path):
    """Probe finding: such a body gave 500 on POST /cases and POST /rounds."""
    role = "case_worker" if path == "/cases" else "coordinator"
    answer = service.as_("0126", role).post(path, content=b"[" * 100_000 + b"]" * 100_000,
                                            headers={"content-type": "application/json"})
    assert answer.status_code == 422
    assert "nested too deeply" in answer.json()["errors"][0]["message"]


def test_digits_of_other_scripts_are_no_month_and_no_municipality(service):
    """Probe finding: {"period": "٢٠٢٦-12"} opened a second December round, and "٠١٢٧" was
    stored as an excluded municipality that could never match."""
    coordinator = service.as_("0126", "coordinator")
    assert coordinator.post("/rounds", json={"period": "٢٠٢٦-12"}).status_code == 422
    assert coordinator.get("/rounds").json()["total"] == 0
    body = a_case(service)
    body["safety"] = {"excluded_municipalities": ["٠١٢٧"]}
    answer = service.as_("0126", "case_worker").post("/cases", json=body)
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["path"] == "safety.excluded_municipalities[0]"


def test_every_api_answer_is_kept_by_no_cache(service):
    """Probe finding: API answers with sensitive fields had no Cache-Control: no-store."""
    worker = service.as_("0126", "case_worker")
    case_id = worker.get("/cases").json()["items"][0]["id"]
    for answer in (worker.get("/cases"), worker.get(f"/cases/{case_id}"),
                   worker.get("/cases/case-none"), service.client.get("/cases")):
        assert answer.headers["cache-control"] == "no-store", answer.request.url
