"""The move after a yes: an accepted proposal opens a checklist shared by the sending case worker
and the receiving housing officer; each side changes its own tasks; the move-in is recorded after
the contract; a move that falls through returns the unit to the pool with its reason; overdue
tasks reach their owners' to-do lists and e-mail; the coordinator sees counts only; every read
and change of a checklist is audited."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from exchange.domain.move import DEFAULT_CHECKLIST
from exchange.domain.working_days import add_working_days
from exchange.persistence.database import UnitOfWork
from exchange.persistence.rows import AuditRow, MoveTaskRow, NoticeRow, UserRow, now
from exchange.services.notices import remind_overdue_tasks
from exchange.services.snapshot import _declined
from tests.integration.service import Service, small_network
from tests.integration.test_pages import sign_in

DAYS = {task.key: task.days for task in DEFAULT_CHECKLIST}


@pytest.fixture
def world(database_url):
    """December's round published, and its first proposal accepted."""
    with Service(database_url, small_network()) as service:
        _, made = service.published()
        chosen = made[0]
        worker = service.as_(chosen["sending"], "case_worker")
        officer = service.as_(chosen["receiving"], "housing_officer")
        accepted = worker.post(f"/proposals/{chosen['id']}/accept",
                               json={"version": chosen["version"]})
        assert accepted.status_code == 200
        yield service, worker, officer, chosen


def audit_of(service: Service, proposal_id: str) -> list[tuple[str, str, int | None]]:
    with UnitOfWork(service.app.state.database.sessions) as uow:
        return [(r.action, r.role, r.user_id) for r in uow.session.scalars(
            select(AuditRow).where(AuditRow.object_type == "move",
                                   AuditRow.object_id == proposal_id).order_by(AuditRow.id))]


def test_an_accept_opens_one_checklist_both_sides_see_with_days_in_working_days(world) -> None:
    service, worker, officer, chosen = world
    mine = worker.get(f"/moves/{chosen['id']}").json()
    theirs = officer.get(f"/moves/{chosen['id']}").json()
    assert mine["tasks"] == theirs["tasks"] and mine["stage"] == "under_way"
    today = now().date()
    for task in mine["tasks"]:
        assert task["due"] == add_working_days(today, DAYS[task["key"]]).isoformat()
        assert task["status"] == "todo" and not task["overdue"]
    assert {"viewing", "contract", "keys", "handover"} <= {t["key"] for t in mine["tasks"]}
    assert "protected_address" not in {t["key"] for t in mine["tasks"]}
    assert [m["proposal"] for m in officer.get("/moves").json()] == [chosen["id"]]
    coordinator = service.as_("0126", "coordinator")
    assert coordinator.get(f"/moves/{chosen['id']}").status_code == 403
    other = next(code for code in ("0126", "0127", "0128")
                 if code not in (chosen["sending"], chosen["receiving"]))
    assert service.as_(other, "case_worker").get(f"/moves/{chosen['id']}").status_code == 404


def test_the_receiving_side_sees_tasks_and_never_the_household(world) -> None:
    service, worker, officer, chosen = world
    theirs = officer.get(f"/moves/{chosen['id']}").json()
    assert theirs["case"] is None and theirs["case_label"] is None
    assert chosen["case"] not in officer.get("/moves").text
    assert worker.get(f"/moves/{chosen['id']}").json()["case"] == chosen["case"]


def test_each_side_changes_its_own_tasks_and_every_read_and_change_is_audited(world) -> None:
    service, worker, officer, chosen = world
    tasks = {t["key"]: t for t in worker.get(f"/moves/{chosen['id']}").json()["tasks"]}
    viewing, handover = tasks["viewing"], tasks["handover"]
    path = f"/moves/{chosen['id']}/tasks/"
    refused = worker.put(path + viewing["id"], json={"version": 1, "status": "done"})
    assert refused.status_code == 409  # the viewing is the receiving side's
    done = officer.put(path + viewing["id"], json={"version": viewing["version"],
                                                   "status": "done", "note": "Tisdag kl 10"})
    assert done.status_code == 200
    seen = {t["key"]: t for t in worker.get(f"/moves/{chosen['id']}").json()["tasks"]}
    assert seen["viewing"]["status"] == "done" and seen["viewing"]["note"] == "Tisdag kl 10"
    stale = officer.put(path + viewing["id"], json={"version": viewing["version"],
                                                    "status": "todo"})
    assert stale.status_code == 409
    too_long = worker.put(path + handover["id"], json={"version": handover["version"],
                                                       "status": "started", "note": "x" * 201})
    assert too_long.status_code == 422 and "note" in too_long.text
    actions = audit_of(service, chosen["id"])
    assert ("update", "housing_officer") in [(a, r) for a, r, _ in actions]
    assert [(a, r) for a, r, _ in actions if a == "read"] == [("read", "case_worker")] * 2
    officer.get("/moves")
    assert ("read", "housing_officer") in [(a, r) for a, r, _ in audit_of(service,
                                                                         chosen["id"])]


def test_a_move_in_is_recorded_after_the_contract_and_kept_in_the_cases_times(world) -> None:
    service, worker, officer, chosen = world
    move = officer.get(f"/moves/{chosen['id']}").json()
    early = officer.post(f"/moves/{chosen['id']}/moved-in",
                         json={"version": move["version"], "day": now().date().isoformat()})
    assert early.status_code == 409  # no contract yet
    confirmed = officer.post(f"/proposals/{chosen['id']}/confirm",
                             json={"version": move["version"]}).json()
    future = (now().date() + dt.timedelta(days=3)).isoformat()
    refused = officer.post(f"/moves/{chosen['id']}/moved-in",
                           json={"version": confirmed["version"], "day": future})
    assert refused.status_code == 422 and "day" in refused.text and future not in refused.text
    moved = worker.post(f"/moves/{chosen['id']}/moved-in",
                        json={"version": confirmed["version"], "day": now().date().isoformat()})
    assert moved.status_code == 200 and moved.json()["stage"] == "moved_in"
    times = worker.get(f"/cases/{chosen['case']}").json()["times"]
    assert times["moved_in"] == now().date().isoformat()
    assert all(times[k] is not None for k in ("posted", "first_proposal", "accepted",
                                              "contract"))
    assert ("moved_in", "case_worker") in [(a, r) for a, r, _ in audit_of(service, chosen["id"])]


def test_a_move_that_falls_through_returns_the_unit_to_the_pool_with_its_reason(world) -> None:
    service, worker, officer, chosen = world
    move = officer.get(f"/moves/{chosen['id']}").json()
    bad = officer.post(f"/moves/{chosen['id']}/fall-through",
                       json={"version": move["version"], "reason": "cold feet"})
    assert bad.status_code == 422 and "reason" in bad.text
    fell = officer.post(f"/moves/{chosen['id']}/fall-through",
                        json={"version": move["version"], "reason": "landlord_refused"})
    assert fell.status_code == 200
    assert fell.json()["stage"] == "fell_through"
    assert fell.json()["fell_through"] == "landlord_refused"
    assert officer.get(f"/units/{chosen['unit']}").json()["status"] == "available"
    assert worker.get(f"/cases/{chosen['case']}").json()["status"] == "open"
    with UnitOfWork(service.app.state.database.sessions) as uow:  # never proposed again
        assert _declined(uow, [chosen["case"]])[chosen["case"]] == [chosen["unit"]]
    assert ("fall_through", "housing_officer") in [(a, r) for a, r, _ in audit_of(
        service, chosen["id"])]
    task = fell.json()["tasks"][0]
    assert officer.put(f"/moves/{chosen['id']}/tasks/{task['id']}",
                       json={"version": task["version"], "status": "done"}).status_code == 409


def test_an_overdue_task_reaches_its_owners_to_do_list_and_e_mail(world) -> None:
    service, worker, officer, chosen = world
    with UnitOfWork(service.app.state.database.sessions) as uow:
        uow.session.execute(update(MoveTaskRow).where(
            MoveTaskRow.proposal_id == chosen["id"], MoveTaskRow.key == "viewing")
            .values(due=now().date() - dt.timedelta(days=2)))
        uow.commit()
        assert remind_overdue_tasks(uow, now().date()) == 1
        assert remind_overdue_tasks(uow, now().date()) == 0  # once per task
        sent = list(uow.session.execute(select(NoticeRow.kind, UserRow.role).join(
            UserRow, NoticeRow.user_id == UserRow.id).where(NoticeRow.kind == "task_overdue")))
    assert sent == [("task_overdue", "housing_officer")]
    start = sign_in(service, chosen["receiving"], "housing_officer").get("/app").text
    assert f"/app/moves/{chosen['id']}#" in start
    assert f"/app/moves/{chosen['id']}#" not in sign_in(
        service, chosen["sending"], "case_worker").get("/app").text
    overview = {m["code"]: m for m in service.as_("0126", "coordinator")
                .get("/moves/overview").json()}
    assert [t["key"] for t in overview[chosen["receiving"]]["overdue"]] == ["viewing"]
    assert overview[chosen["sending"]]["moving_out"] >= 1
    assert chosen["case"] not in str(overview) and chosen["id"] not in str(overview)
    with UnitOfWork(service.app.state.database.sessions) as uow:  # the overview is audited
        assert uow.session.scalar(select(AuditRow.object_id).where(
            AuditRow.action == "overview", AuditRow.object_type == "move")) == "sodertorn"
    # the to-do lists' reads of the overdue task are reads of the checklist
    assert ("read", "housing_officer") in [(a, r) for a, r, _ in audit_of(service,
                                                                         chosen["id"])]


def test_the_coordinator_edits_the_networks_template(world) -> None:
    service, worker, officer, chosen = world
    coordinator = service.as_("0126", "coordinator")
    default = coordinator.get("/moves/template").json()
    assert [t["key"] for t in default] == [t.key for t in DEFAULT_CHECKLIST]
    mine = [{"key": "keys", "side": "receiving", "days": 2, "title_sv": "Nycklar",
             "title_en": "Keys"}]
    twice = coordinator.put("/moves/template", json={"tasks": mine * 2})
    assert twice.status_code == 422 and "tasks[1].key" in twice.text
    assert worker.put("/moves/template", json={"tasks": mine}).status_code == 403
    assert coordinator.put("/moves/template", json={"tasks": mine}).status_code == 200
    assert [t["key"] for t in worker.get("/moves/template").json()] == ["keys"]
    # a checklist already open keeps its tasks
    assert len(worker.get(f"/moves/{chosen['id']}").json()["tasks"]) > 1
