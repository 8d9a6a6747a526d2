"""A household's location, danger zones, excluded municipalities, kept schools and income reach
its own municipality's case workers and no one else: not another role, not another member, not an
error body, not the log, not the audit trail."""

from __future__ import annotations

import io
import logging
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from exchange.persistence.database import UnitOfWork
from exchange.persistence.rows import AuditRow
from tests.integration.lived import marked_in
from tests.integration.service import Service, small_network
from tests.integration.test_network_health import pdf_text
from tests.integration.test_pages import csrf_of, sign_in

OWN, OTHER = "0127", "0126"
#: The marked values, and how they may be written (JSON, Swedish pages, a name). Values a page
#: rounds to one decimal are matched with their words, or a solve time of "1,7 s" would match.
MARKED_CASE = {
    "reference": "SOC-2026-4711", "urgency": "acute", "waiting_since": "2024-01-01",
    "household": {"adults": 1, "children": [
        {"age": 9, "keep_school": {"lat": 59.23871, "lon": 17.84219, "max_km": 31.4159}}]},
    "rooms_min": 1, "rooms_max": 5, "max_rent_sek": 30000, "monthly_income_sek": 47391,
    "income_support": True,
    "safety": {"excluded_municipalities": ["2584"],
               "danger_zones": [{"lat": 59.51947, "lon": 18.27361, "radius_km": 1.7321}]}}
#: The household's consent: its end day is as much its case workers' only as its location.
CONSENT_UNTIL = "2099-03-17"
MARKS = ("59.23871", "59,2387", "17.84219", "17,8422", "31.4159", "högst 31,4 km", "47391",
         "47 391", "47\u00a0391", "59.51947", "59,5195", "18.27361", "18,2736", "1.7321",
         "radie 1,7 km", "Kiruna", '"2584"', "SOC-2026-4711", CONSENT_UNTIL)


def leaks(text: str) -> list[str]:
    return marked_in(text, MARKS)


@pytest.fixture
def world(database_url, caplog):
    """The marked case, solved and published in December's round, with the log captured."""
    caplog.set_level(logging.DEBUG)
    with Service(database_url, small_network(), addresses=True) as service:
        posted = service.as_(OWN, "case_worker").post("/cases", json=MARKED_CASE)
        assert posted.status_code == 201 and leaks(posted.text)  # its owner sees it all
        given = service.as_(OWN, "case_worker").post(
            f"/cases/{posted.json()['id']}/consent",
            json={"version": posted.json()["version"], "given": "2026-11-02",
                  "until": CONSENT_UNTIL, "scope": ["network", "landlords"]})
        assert given.status_code == 200 and CONSENT_UNTIL in given.text
        coordinator = service.as_(OTHER, "coordinator")
        round_id = coordinator.post("/rounds", json={"period": "2026-12"}).json()["id"]
        coordinator.post(f"/rounds/{round_id}/solve")
        solved = service.solved(coordinator, round_id)
        coordinator.post(f"/rounds/{round_id}/publish", json={"version": solved["version"]})
        proposals = coordinator.get("/proposals", params={"limit": 200}).json()["items"]
        mine = next(p for p in proposals if p["case"] == posted.json()["id"])
        yield service, {"case_id": mine["case"], "proposal_id": mine["id"],
                        "unit_id": mine["unit"], "round_id": round_id, "school_id": "s-0127-0000",
                        "receiving": mine["receiving"]}


def reads(service: Service, ids: dict[str, str]):
    """Every GET of the API with the marked case's ids filled in, from the route table."""
    for path, operations in service.app.openapi()["paths"].items():
        if "get" in operations:
            yield re.sub(r"{(\w+)}", lambda m: ids.get(m.group(1), "x"), path)


def people(ids: dict[str, str]) -> list[tuple[str, str]]:
    """Every role of the case's municipality, another, and the one its proposal goes to."""
    return [(code, role) for code in sorted({OWN, OTHER, ids["receiving"]})
            for role in ("case_worker", "housing_officer", "coordinator", "auditor")]


def test_only_the_households_own_case_workers_see_its_marked_details(world, caplog) -> None:
    service, ids = world
    seen_by_owner = []
    for code, role in people(ids):
        client = service.as_(code, role)
        for path in reads(service, ids):
            answer = client.get(path, params={"limit": 200})
            assert answer.status_code < 500, path
            if (code, role) == (OWN, "case_worker"):
                seen_by_owner += leaks(answer.text)
            else:
                assert leaks(answer.text) == [], (code, role, path)
    assert "59.51947" in seen_by_owner and "47391" in seen_by_owner  # the control
    assert leaks(caplog.text) == []


def test_no_page_but_her_own_shows_the_marked_details(world) -> None:
    service, ids = world
    pages = {"coordinator": ["/app/network", "/app/rounds", f"/app/rounds/{ids['round_id']}",
                             "/app/health", "/app/people", "/app/preferences"],
             "housing_officer": ["/app/units", "/app/proposals", "/app/preferences"],
             "case_worker": ["/app/cases", "/app/proposals", f"/app/cases/{ids['case_id']}",
                             "/app/preferences"],
             "auditor": ["/app/audit", "/app/preferences"]}
    for code in sorted({OWN, OTHER, ids["receiving"]}):
        for role, paths in pages.items():
            client = sign_in(service, code, role)
            for path in paths:
                text = client.get(path).text
                if (code, role) == (OWN, "case_worker") and "cases/" in path:
                    assert {"47\u00a0391", "radie 1,7 km", "högst 31,4 km"} <= set(
                        leaks(text))  # the control: each way of writing a mark is right
                elif (code, role) == (OWN, "case_worker"):
                    pass  # her list names the case by her reference; her proposals' maps
                    # show the household's danger zones
                else:
                    assert leaks(text) == [], (code, role, path)


def test_the_health_figures_and_the_monthly_report_hold_counts_only(world, caplog) -> None:
    """With the marked case's round closed, every health answer, the report's PDF (as text)
    and its workbook (every cell) hold none of the marks, for whoever may read them."""
    service, ids = world
    coordinator = service.as_(OTHER, "coordinator")
    current = coordinator.get(f"/rounds/{ids['round_id']}").json()
    closed = coordinator.post(f"/rounds/{ids['round_id']}/close",
                              json={"version": current["version"]})
    assert closed.status_code == 200
    texts = [coordinator.get(path).text for path in (
        "/network-health/figures", "/network-health/forecast", "/network-health/plan")]
    for code, role in ((OTHER, "coordinator"), (OWN, "auditor")):
        client = service.as_(code, role)
        pdf = client.get("/network-health/report", params={"month": "2026-12"})
        assert pdf.status_code == 200
        texts.append(pdf_text(pdf.content))
        book = load_workbook(io.BytesIO(client.get("/network-health/report", params={
            "month": "2026-12", "format": "xlsx"}).content))
        texts.append(" ".join(str(cell) for sheet in book for row in sheet.iter_rows(
            values_only=True) for cell in row))
    assert "2026-12" in texts[-2] and "Hushåll per medlem" in texts[-2]  # the control
    page = sign_in(service, OTHER, "coordinator").get("/app/health")
    assert page.status_code == 200 and "<svg" in page.text
    texts.append(page.text)
    assert [leaks(text) for text in texts] == [[] for _ in texts]
    assert leaks(caplog.text) == []


def test_refused_input_carrying_the_marks_is_never_echoed(world, caplog) -> None:
    service, ids = world
    own = service.as_(OWN, "case_worker")
    bad = {**MARKED_CASE, "max_rent_sek": "59.51947 Kiruna", "rooms_min": 7,
           "household": {"adults": "47391"}, "surprise": "18.27361"}
    for answer in (own.post("/cases", json=bad),
                   own.put(f"/cases/{ids['case_id']}", json={**bad, "version": 1}),
                   service.as_(OTHER, "case_worker").put(f"/cases/{ids['case_id']}",
                                                         json={**MARKED_CASE, "version": 1})):
        assert answer.status_code in (404, 409, 422) and leaks(answer.text) == []
    page = sign_in(service, OWN, "case_worker")
    answer = page.post("/app/cases", data={
        "_csrf": csrf_of(page, "/app/cases/new"), "max_rent_sek": "59.51947",
        "safety.excluded_other": "Kiruna, 18.27361", "household.adults": "47391"})
    assert answer.status_code == 422
    errors = re.findall(r'class="error"[^>]*>([^<]*)<', answer.text)
    assert errors and leaks(" ".join(errors)) == []  # the form shows what was typed, not errors
    assert leaks(caplog.text) == []


def test_the_audit_trail_holds_ids_and_words_only(world) -> None:
    service, ids = world
    for code, role in people(ids):
        service.as_(code, role).get(f"/cases/{ids['case_id']}")
    with UnitOfWork(service.app.state.database.sessions) as uow:
        rows = uow.session.scalars(select(AuditRow)).all()
        trail = " ".join(str(getattr(r, c.key)) for r in rows for c in AuditRow.__table__.c)
    assert len(rows) > 50 and ids["case_id"] in trail
    assert leaks(trail) == []


def test_a_units_address_and_a_declines_comment_reach_only_their_own_people(world,
                                                                             caplog) -> None:
    """The address of a unit proposed to the household (where it may come to live) reaches the
    unit's housing officer and the household's case workers; the sealed comment to a decline
    of "other", the household's case workers alone. No other role or member, page or log."""
    service, ids = world
    officer = (ids["receiving"], "housing_officer")
    street = service.as_(*officer).get(f"/units/{ids['unit_id']}").json()["address"]["street"]
    own = service.as_(OWN, "case_worker")
    version = own.get(f"/proposals/{ids['proposal_id']}").json()["version"]
    comment = "Markerad kommentar 8123"
    assert own.post(f"/proposals/{ids['proposal_id']}/decline", json={
        "version": version, "reason": "other", "comment": comment}).status_code == 200
    allowed = {street: {officer, (OWN, "case_worker")}, comment: {(OWN, "case_worker")}}
    seen: dict[str, set[tuple[str, str]]] = {street: set(), comment: set()}
    pages = {"/app", "/app/units", f"/app/units/{ids['unit_id']}", "/app/proposals",
             f"/app/cases/{ids['case_id']}", f"/app/rounds/{ids['round_id']}", "/app/audit"}
    for who in people(ids):
        page = sign_in(service, *who)
        texts = [service.as_(*who).get(path, params={"limit": 200}).text
                 for path in reads(service, ids)] + [page.get(path).text for path in pages]
        for mark in seen:
            if any(mark in text for text in texts):
                assert who in allowed[mark], (who, mark)
                seen[mark].add(who)
    assert seen == allowed  # the control: each reaches everyone it should
    assert street not in caplog.text and comment not in caplog.text


def test_no_checklist_route_gives_the_receiving_side_a_household_detail(world, caplog) -> None:
    """Once the household says yes, its move checklist is shared with the receiving side:
    tasks only. No API read nor page of the checklist gives anyone but the household's own case
    workers a marked detail (its reference, income, zones, kept school, consent)."""
    service, ids = world
    own = service.as_(OWN, "case_worker")
    version = own.get(f"/proposals/{ids['proposal_id']}").json()["version"]
    assert own.post(f"/proposals/{ids['proposal_id']}/accept",
                    json={"version": version}).status_code == 200
    move_paths = [p for p in reads(service, ids) if p.startswith("/moves")]
    assert f"/moves/{ids['proposal_id']}" in move_paths and "/moves" in move_paths
    pages = ["/app", "/app/moves", f"/app/moves/{ids['proposal_id']}"]
    seen_by_owner = []
    for code, role in people(ids):
        client, page = service.as_(code, role), sign_in(service, code, role)
        texts = [client.get(path).text for path in move_paths]
        texts += [page.get(path).text for path in pages]
        if (code, role) == (OWN, "case_worker"):
            seen_by_owner += [mark for text in texts for mark in leaks(text)]
        else:
            assert [leaks(text) for text in texts] == [[] for _ in texts], (code, role)
    receiving = service.as_(ids["receiving"], "housing_officer")
    move = receiving.get(f"/moves/{ids['proposal_id']}")
    assert move.status_code == 200 and move.json()["tasks"]  # the control: it sees the tasks
    assert move.json()["case"] is None and ids["case_id"] not in move.text
    assert "SOC-2026-4711" in seen_by_owner  # the control: her own reference names the move
    assert leaks(caplog.text) == []
