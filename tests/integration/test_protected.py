"""A household with protected personal data (skyddade personuppgifter): the receiving side
learns its move-in date only with the contract, every read of it is flagged in the audit trail,
and the network-health figures never count it."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from exchange.persistence.database import UnitOfWork
from exchange.persistence.rows import AuditRow, now
from exchange.services.health.facts import read_facts
from tests.integration.lived import MARKED
from tests.integration.service import Service, small_network

OWN = "0127"
MOVE_IN = "2027-01-18"


@pytest.fixture
def world(database_url):
    """A protected household of Botkyrka, proposed a unit in December's round."""
    with Service(database_url, small_network()) as service:
        worker = service.as_(OWN, "case_worker")
        posted = worker.post("/cases", json={**MARKED, "protected": True,
                                             "move_in_from": MOVE_IN}).json()
        assert posted["protected"] is True
        worker.post(f"/cases/{posted['id']}/consent", json={
            "version": posted["version"], "given": "2026-11-02", "scope": ["network"]})
        _, made = service.published()
        mine = next(p for p in made if p["case"] == posted["id"])
        yield service, worker, mine


def flagged(service: Service) -> set[tuple[str, str]]:
    with UnitOfWork(service.app.state.database.sessions) as uow:
        return {(r.object_type, r.object_id) for r in uow.session.scalars(
            select(AuditRow).where(AuditRow.action == "read_protected"))}


def test_the_receiving_side_learns_the_move_in_date_only_with_the_contract(world) -> None:
    service, worker, mine = world
    officer = service.as_(mine["receiving"], "housing_officer")
    assert officer.get(f"/proposals/{mine['id']}").json()["household"]["move_in_from"] is None
    assert MOVE_IN not in officer.get("/proposals", params={"limit": 200}).text
    version = worker.post(f"/proposals/{mine['id']}/accept",
                          json={"version": mine["version"]}).json()["version"]
    assert MOVE_IN not in officer.get(f"/proposals/{mine['id']}").text
    tasks = [t["key"] for t in officer.get(f"/moves/{mine['id']}").json()["tasks"]]
    assert tasks[0] == "protected_address"  # the checklist gains the protected address
    officer.post(f"/proposals/{mine['id']}/confirm", json={"version": version})
    seen = officer.get(f"/proposals/{mine['id']}").json()
    assert seen["status"] == "confirmed" and seen["household"]["move_in_from"] == MOVE_IN


def test_every_read_of_a_protected_household_is_flagged_in_the_trail(world) -> None:
    service, worker, mine = world
    worker.get(f"/cases/{mine['case']}")
    service.as_("0126", "coordinator").get("/cases", params={"limit": 200})
    service.as_(mine["receiving"], "housing_officer").get(f"/proposals/{mine['id']}")
    worker.post(f"/proposals/{mine['id']}/accept", json={"version": mine["version"]})
    service.as_(mine["receiving"], "housing_officer").get(f"/moves/{mine['id']}")
    assert {("case", mine["case"]), ("proposal", mine["id"]),
            ("move", mine["id"])} <= flagged(service)
    with UnitOfWork(service.app.state.database.sessions) as uow:
        plain = uow.session.scalars(select(AuditRow.object_id).where(
            AuditRow.action == "read", AuditRow.object_id.in_([mine["case"], mine["id"]])))
        assert list(plain) == []  # no read of it goes unflagged


def test_the_health_figures_never_count_a_protected_household(world) -> None:
    service, _, mine = world
    with UnitOfWork(service.app.state.database.sessions) as uow:
        facts = read_facts(uow, "sodertorn", now() + dt.timedelta(days=1))
    assert mine["case"] not in {c.id for c in facts.cases}
    assert mine["case"] not in {p.case for p in facts.proposals}
    assert len(facts.cases) == len(small_network().cases)


def test_a_household_marked_protected_after_its_yes_gets_the_protected_address_task(
        database_url) -> None:
    with Service(database_url, small_network()) as service:
        _, made = service.published()
        chosen = made[0]
        worker = service.as_(chosen["sending"], "case_worker")
        worker.post(f"/proposals/{chosen['id']}/accept", json={"version": chosen["version"]})
        tasks = [t["key"] for t in worker.get(f"/moves/{chosen['id']}").json()["tasks"]]
        assert "protected_address" not in tasks
        case = worker.get(f"/cases/{chosen['case']}").json()
        body = {k: v for k, v in case.items() if k not in (
            "id", "municipality", "status", "created_at", "updated_at", "consent", "times")}
        changed = worker.put(f"/cases/{case['id']}", json={**body, "protected": True})
        assert changed.status_code == 200 and changed.json()["protected"] is True
        officer = service.as_(chosen["receiving"], "housing_officer")
        tasks = [t["key"] for t in officer.get(f"/moves/{chosen['id']}").json()["tasks"]]
        assert tasks[0] == "protected_address" and tasks.count("protected_address") == 1
