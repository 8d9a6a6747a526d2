"""The pages of consent and the move, in Swedish first: the case worker records the household's
consent on the case's page (a wrong date is shown beside its field, and nothing is saved); both
sides follow the move's checklist and each ticks its own tasks; the coordinator sees counts."""

from __future__ import annotations

import re

import pytest

from tests.integration.lived import MARKED
from tests.integration.service import Service, small_network
from tests.integration.test_pages import csrf_of, sign_in


@pytest.fixture
def service(database_url):
    with Service(database_url, small_network(), addresses=True) as service:
        yield service


def test_the_case_worker_records_consent_on_the_cases_page(service) -> None:
    case = service.as_("0127", "case_worker").post("/cases", json=MARKED).json()
    own = sign_in(service, "0127", "case_worker")
    path = f"/app/cases/{case['id']}"
    before = own.get(path).text
    assert "Inget samtycke är registrerat" in before and 'id="consent"' in before
    wrong = own.post(f"{path}/consent", data={
        "_csrf": csrf_of(own, path), "version": case["version"], "given": "2026-11-02",
        "until": "2026-10-01", "scope": "network"})
    assert wrong.status_code == 422
    assert 'id="until-error"' in wrong.text and "Måste ligga efter dagen" in wrong.text
    assert "Inget samtycke är registrerat" in wrong.text  # nothing was saved
    saved = own.post(f"{path}/consent", data={
        "_csrf": csrf_of(own, path), "version": case["version"], "given": "2026-11-02",
        "scope": ["network", "landlords"]})
    assert saved.status_code == 303
    after = own.get(saved.headers["location"]).text
    assert "Giltigt: ärendet kan komma med" in after and "Hyresvärdens kontroller" in after
    own.get("/lang/en?next=/app")
    assert "Valid: the case may enter matching rounds" in own.get(path).text


def test_both_sides_follow_the_checklist_and_tick_their_own_tasks(service) -> None:
    _, made = service.published()
    chosen = made[0]
    service.as_(chosen["sending"], "case_worker").post(
        f"/proposals/{chosen['id']}/accept", json={"version": chosen["version"]})
    officer = sign_in(service, chosen["receiving"], "housing_officer")
    listed = officer.get("/app/moves").text
    assert f"/app/moves/{chosen['id']}" in listed and "Pågår, före kontrakt" in listed
    path = f"/app/moves/{chosen['id']}"
    checklist = officer.get(path).text
    assert "Visning" in checklist and "Skickande kommun" in checklist
    forms = re.findall(r'action="(/app/moves/[^"]+/tasks/([^"]+))"', checklist)
    task = service.as_(chosen["receiving"], "housing_officer").get(
        f"/moves/{chosen['id']}").json()["tasks"]
    mine = {t["id"] for t in task if t["side"] == "receiving"}
    assert {task_id for _, task_id in forms} == mine  # a form for her own tasks only
    viewing = next(t for t in task if t["key"] == "viewing")
    ticked = officer.post(f"{path}/tasks/{viewing['id']}", data={
        "_csrf": csrf_of(officer, path), "version": viewing["version"], "status": "done",
        "note": "Visning tisdag"})
    assert ticked.status_code == 303
    worker = sign_in(service, chosen["sending"], "case_worker")
    seen = worker.get(path).text
    assert "Visning tisdag" in seen and "Klar" in seen
    overview = sign_in(service, "0126", "coordinator").get("/app/moves").text
    assert "Flyttar per medlem" in overview and "Nätverkets checklista" in overview
    assert chosen["id"] not in overview


def test_the_coordinator_edits_the_template_on_its_page(service) -> None:
    coordinator = sign_in(service, "0126", "coordinator")
    form = coordinator.get("/app/moves/template").text
    assert 'value="viewing"' in form and "Ändra" not in form.split("<main")[0]
    csrf = csrf_of(coordinator, "/app/moves/template")
    bad = coordinator.post("/app/moves/template", data={
        "_csrf": csrf, "tasks.0.key": "Keys!", "tasks.0.title_sv": "Nycklar",
        "tasks.0.title_en": "Keys", "tasks.0.side": "receiving", "tasks.0.days": "3"})
    assert bad.status_code == 422 and 'id="tasks-0-key-error"' in bad.text
    saved = coordinator.post("/app/moves/template", data={
        "_csrf": csrf, "tasks.0.key": "keys", "tasks.0.title_sv": "Nycklar",
        "tasks.0.title_en": "Keys", "tasks.0.side": "receiving", "tasks.0.days": "3",
        "tasks.1.key": "", "tasks.1.title_sv": "Visning", "tasks.1.title_en": "Viewing",
        "tasks.1.side": "receiving", "tasks.1.days": "5"})  # a cleared key removes the task
    assert saved.status_code == 303
    template = service.as_("0127", "case_worker").get("/moves/template").json()
    assert [(t["key"], t["days"]) for t in template] == [("keys", 3)]
    worker = sign_in(service, "0127", "case_worker")
    assert worker.get("/app/moves/template").status_code == 403
