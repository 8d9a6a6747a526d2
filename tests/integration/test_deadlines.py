"""Answer deadlines: set in Swedish working days when a round is published, shown to everyone
who sees the proposal; an overdue proposal can lapse (the coordinator only), which returns its
case and unit to the pool and is not the household's decline."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update

from exchange.domain.working_days import add_working_days
from exchange.persistence.database import UnitOfWork
from exchange.persistence.rows import ProposalRow, now
from exchange.services.snapshot import _declined
from tests.integration.service import Service, small_network


@pytest.fixture
def world(database_url):
    with Service(database_url, small_network()) as service:
        _, made = service.published()
        yield service, service.as_("0126", "coordinator"), made


def test_every_view_of_a_published_proposal_carries_its_deadline(world) -> None:
    service, coordinator, made = world
    due = add_working_days(now().date(), 5).isoformat()  # the network's default
    assert {p["answer_by"] for p in made} == {due} and not any(p["overdue"] for p in made)
    one = made[0]
    for who in ((one["sending"], "case_worker"), (one["receiving"], "housing_officer")):
        seen = service.as_(*who).get(f"/proposals/{one['id']}").json()
        assert seen["answer_by"] == due and seen["overdue"] is False


def overdue(service: Service, proposal_id: str) -> None:
    """Its last day to answer was yesterday."""
    with UnitOfWork(service.app.state.database.sessions) as uow:
        uow.session.execute(update(ProposalRow).where(ProposalRow.id == proposal_id).values(
            answer_by=now().date() - dt.timedelta(days=1)))
        uow.commit()


def test_the_coordinator_lets_an_overdue_proposal_lapse_and_it_is_no_decline(world) -> None:
    service, coordinator, made = world
    late, on_time = made[0], made[1]
    assert coordinator.post(f"/proposals/{late['id']}/lapse",
                            json={"version": late["version"]}).status_code == 409  # not late
    overdue(service, late["id"])
    listed = coordinator.get("/proposals/overdue").json()
    assert [p["id"] for p in listed] == [late["id"]] and listed[0]["overdue"]
    worker = service.as_(late["sending"], "case_worker")
    assert worker.post(f"/proposals/{late['id']}/lapse",
                       json={"version": late["version"]}).status_code == 403
    lapsed = coordinator.post(f"/proposals/{late['id']}/lapse",
                              json={"version": late["version"]})
    assert lapsed.status_code == 200 and lapsed.json()["status"] == "lapsed"
    assert worker.get(f"/cases/{late['case']}").json()["status"] == "open"
    officer = service.as_(late["receiving"], "housing_officer")
    assert officer.get(f"/units/{late['unit']}").json()["status"] == "available"
    with UnitOfWork(service.app.state.database.sessions) as uow:
        assert _declined(uow, [late["case"]]) == {}  # the pair may be proposed again
    assert worker.post(f"/proposals/{late['id']}/accept",
                       json={"version": lapsed.json()["version"]}).status_code == 409
    assert coordinator.get(f"/proposals/{on_time['id']}").json()["status"] == "proposed"
    assert coordinator.get("/proposals/overdue").json() == []
