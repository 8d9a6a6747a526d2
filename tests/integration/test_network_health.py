"""The network's health through the API, the pages and the report, on a stored history (SQLite
and PostgreSQL): figures that agree with the ledger, the report read back (pdftotext, openpyxl)
with its small counts hidden, audited reads, the cost rule, and clear refusals."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from collections import Counter

import pytest
from openpyxl import load_workbook

from exchange.history import History, generate_history
from exchange.services.errors import Conflict
from exchange.services.health.report import FEWER, protect
from exchange.services.history_loading import load_history
from exchange.services.rounds import replay
from tests.integration.service import Service, small_network
from tests.integration.test_pages import csrf_of, sign_in

COORDINATOR, HOME = ("0126", "coordinator"), "0126"
MONTHS = 14


def lived(drop: str | None = None) -> History:
    """Fourteen months of the small network's past; without the round of `drop`, if given."""
    past = generate_history(small_network(), MONTHS, 7)
    if drop is None:
        return past
    return past.model_copy(update={
        "rounds": [r for r in past.rounds if r.period != drop],
        "proposals": [p for p in past.proposals if p.period != drop]})


@pytest.fixture
def service(database_url):
    with Service(database_url, small_network()) as running:
        with running.app.state.database.unit_of_work() as uow:
            load_history(uow, lived())
        yield running


def figures(service):
    answer = service.as_(*COORDINATOR).get("/network-health/figures")
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_the_figures_agree_with_the_stored_history_and_the_ledger(service):
    past, shown = lived(), figures(service)
    assert shown["months"] == [r.period for r in past.rounds] and len(shown["months"]) == MONTHS
    in_months = Counter(f"{c.posted_at:%Y-%m}" for c in past.cases)
    assert sum(r["posted"] for r in shown["rows"]) == sum(in_months[m] for m in shown["months"])
    confirmed = [p for p in past.proposals if p.status == "confirmed"]
    assert sum(r["sent"] for r in shown["rows"]) == len(confirmed)
    assert sum(r["received"] for r in shown["rows"]) == len(confirmed)
    declined = Counter(p.decline_reason for p in past.proposals if p.status == "declined")
    assert Counter({r: sum(d["count"] for d in shown["declines"] if d["reason"] == r)
                    for r in declined}) == declined
    ledger = service.as_(*COORDINATOR).get("/ledger").json()["balances"]
    last = {r["member"]: r["balance"] for r in shown["rows"] if r["month"] == shown["months"][-1]}
    assert last == {b["municipality"]: b["balance"] for b in ledger}
    assert any(r["idle_days"] > 0 for r in shown["rows"])


def test_a_round_of_the_history_is_closed_and_says_it_cannot_be_replayed(service):
    first = lived().rounds[0].period
    shown = service.as_(*COORDINATOR).get(f"/rounds/sodertorn-{first}").json()
    assert shown["status"] == "closed" and shown["solves"] == 1
    with service.app.state.database.unit_of_work() as uow, \
            pytest.raises(Conflict, match="loaded from a history"):
        replay(uow, f"sodertorn-{first}")


def test_forecast_and_plan_come_labelled_for_the_coordinator_only(service):
    coordinator = service.as_(*COORDINATOR)
    made = coordinator.get("/network-health/forecast").json()
    assert made["made_from"] == figures(service)["months"][-1]
    assert {line["urgency"] for line in made["lines"]} == {"acute", "high", "normal"}
    plan = coordinator.get("/network-health/plan", params={"months": 3}).json()
    assert len(plan["months"]) == 3 and plan["targets"]
    for role in ("case_worker", "housing_officer", "auditor"):
        for path in ("/network-health/figures", "/network-health/forecast",
                     "/network-health/plan"):
            assert service.as_(HOME, role).get(path).status_code == 403


def pdf_text(content: bytes) -> str:
    done = subprocess.run([shutil.which("pdftotext") or "pdftotext", "-layout", "-", "-"],
                          input=content, capture_output=True, check=True)
    return done.stdout.decode("utf-8")


def expected_cases_table(shown, month):
    """The report's "Hushåll per medlem" table, as it must read."""
    rows = [r for r in shown["rows"] if r["month"] == month]
    keys = ("posted", "placed", "moved", "sent", "received")
    columns = {k: protect([r[k] for r in rows]) for k in keys}
    return {shown["members"][r["member"]]: [str(columns[k][i]) for k in keys]
            for i, r in enumerate(rows)}


def test_the_report_reads_back_with_its_numbers_and_small_counts_hidden(service):
    shown = figures(service)
    month = shown["months"][-1]
    answer = service.as_(*COORDINATOR).get("/network-health/report",
                                           params={"month": month, "format": "pdf"})
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/pdf"
    text = pdf_text(answer.content)
    assert f"månadsrapport {month}" in text and "Prognos" in text
    expected = expected_cases_table(shown, month)
    assert any(FEWER in cells for cells in expected.values())  # the test would prove nothing
    table = text[text.index("Hushåll per medlem"):]
    for name, cells in expected.items():
        line = next(line for line in table.splitlines() if line.strip().startswith(name))
        assert re.split(r"\s{2,}", line.strip())[1:] == cells, name


def test_the_workbook_has_a_sheet_per_table_with_the_same_cells(service):
    shown = figures(service)
    month = shown["months"][-1]
    answer = service.as_(*COORDINATOR).get("/network-health/report",
                                           params={"month": month, "format": "xlsx"})
    assert answer.status_code == 200
    book = load_workbook(io.BytesIO(answer.content))
    assert {"Hushåll per medlem", "Lägenheter per medlem", "Skäl att tacka nej",
            "Förslag till nya löften"} <= set(book.sheetnames)
    assert len(book.sheetnames) == 7  # cases, balances, units, waits, declines, forecast, plan
    sheet = book["Hushåll per medlem"]
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert {row[0]: [str(c) for c in row[1:]] for row in rows} == expected_cases_table(
        shown, month)


def test_an_auditors_read_of_a_report_is_audited(service):
    month = figures(service)["months"][-1]
    auditor = service.as_(HOME, "auditor")
    assert auditor.get("/network-health/report", params={"month": month}).status_code == 200
    assert service.as_(HOME, "case_worker").get(
        "/network-health/report", params={"month": month}).status_code == 403
    trail = auditor.get("/audit", params={"object_id": f"sodertorn-{month}"}).json()["items"]
    assert ("auditor", "read", "report", "ok") in {
        (e["role"], e["action"], e["object_type"], e["outcome"]) for e in trail}


def test_a_month_outside_the_history_or_without_a_closed_round_is_refused(database_url):
    gap = lived().rounds[5].period
    with Service(database_url, small_network()) as service:
        with service.app.state.database.unit_of_work() as uow:
            load_history(uow, lived(drop=gap))
        coordinator = service.as_(*COORDINATOR)
        for month, words in (("2031-01", "outside the network's history"),
                             (gap, "has no closed round")):
            answer = coordinator.get("/network-health/report", params={"month": month})
            assert answer.status_code == 409 and words in answer.json()["detail"], month
        malformed = coordinator.get("/network-health/report", params={"month": "2026-13"})
        assert malformed.status_code == 422
        assert malformed.json()["errors"] == [{"path": "query.month",
                                               "message": "expected a month as YYYY-MM"}]


def test_a_forecast_without_enough_history_says_how_many_months_it_needs(database_url):
    with Service(database_url, small_network()) as service:
        for path in ("/network-health/forecast", "/network-health/plan"):
            answer = service.as_(*COORDINATOR).get(path)
            assert answer.status_code == 409 and "at least 12 months" in answer.json()["detail"]


def test_the_network_decides_who_carries_the_cost_of_idle_units(service):
    coordinator = service.as_(*COORDINATOR)
    own = figures(service)
    changed = coordinator.put("/network-health/settings", json={"idle_cost_rule": "shared_by_use"})
    assert changed.status_code == 200
    shared = figures(service)
    assert shared["cost_rule"] == "shared_by_use"
    for month in own["months"]:  # shared out, never lost or made up
        total = sum(r["idle_cost_sek"] for r in own["rows"] if r["month"] == month)
        carried = sum(r["cost_carried_sek"] for r in shared["rows"] if r["month"] == month)
        assert abs(total - carried) <= len(own["members"])  # each share rounded to whole SEK
    assert [r["cost_carried_sek"] for r in own["rows"]] != [r["cost_carried_sek"]
                                                             for r in shared["rows"]]
    assert coordinator.put("/network-health/settings",
                           json={"idle_cost_rule": "nobody"}).status_code == 422
    assert service.as_(HOME, "housing_officer").put(
        "/network-health/settings", json={"idle_cost_rule": "shared_by_use"}).status_code == 403


def test_the_coordinators_page_shows_two_years_charts_tables_and_the_report(service):
    page = sign_in(service, *COORDINATOR)
    answer = page.get("/app/health")
    assert answer.status_code == 200
    assert answer.text.count("<svg") >= 6 and answer.text.count("<table") >= 7
    assert "Prognos (inte utfall)" in answer.text and "Löftesplan" in answer.text
    month = figures(service)["months"][-1]
    report = page.get("/app/health/report", params={"month": month, "format": "xlsx"})
    assert report.status_code == 200 and report.content[:2] == b"PK"
    saved = page.post("/app/health/settings", data={
        "_csrf": csrf_of(page, "/app/health"), "idle_cost_rule": "shared_by_use"})
    assert saved.status_code == 303 and figures(service)["cost_rule"] == "shared_by_use"
    assert sign_in(service, HOME, "housing_officer").get("/app/health").status_code == 403
