"""Retention: the details of long-closed cases and the round files of long-closed rounds are
erased by `purge`; profiles, the ledger and the audit trail stay."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select, update

from exchange.persistence.database import UnitOfWork
from exchange.persistence.rows import AuditRow, CaseRow, LedgerEntryRow, RoundRow, SolveRow, now
from exchange.services.errors import Conflict
from exchange.services.retention import expired, months_before, purge
from exchange.services.rounds import replay
from exchange.services.sealed import case_spec
from tests.integration.lived import COORDINATOR, live_a_round
from tests.integration.service import Service, small_network

LONG_AGO = dt.datetime(2020, 1, 1)


@pytest.fixture
def service(database_url):
    with Service(database_url, small_network()) as running:
        yield running


def age(service, round_id: str, *case_ids: str) -> None:
    """Make the round and cases look closed since LONG_AGO."""
    with UnitOfWork(service.app.state.database.sessions) as uow:
        uow.session.execute(update(RoundRow).where(RoundRow.id == round_id).values(
            closed_at=LONG_AGO))
        uow.session.execute(update(CaseRow).where(CaseRow.id.in_(case_ids)).values(
            updated_at=LONG_AGO))
        uow.commit()


def count(uow, row) -> int:  # type: ignore[no-untyped-def]
    return uow.session.scalar(select(func.count()).select_from(row)) or 0


def test_nothing_recent_is_erased(service):
    ids = live_a_round(service)
    with UnitOfWork(service.app.state.database.sessions) as uow:
        found = expired(uow, months_before(now(), 12))
        assert (found.case_count, found.solves) == (0, 0)
        assert ids["housed"] in [c.id for c in uow.session.scalars(select(CaseRow))]


def test_purge_erases_old_details_and_keeps_profiles_ledger_and_audit(service):
    ids = live_a_round(service)
    age(service, ids["round"], ids["housed"], ids["withdrawn"])
    cutoff = months_before(now(), 12)
    with UnitOfWork(service.app.state.database.sessions) as uow:
        found = expired(uow, cutoff)  # what --dry-run shows, erasing nothing
        assert (found.case_count, found.solves) == (2, 1)
        assert sorted(found.cases["sodertorn"]) == sorted([ids["housed"], ids["withdrawn"]])
        ledger, audit = count(uow, LedgerEntryRow), count(uow, AuditRow)
        erased = purge(uow, cutoff)
        uow.commit()
    assert erased.case_count == 2 and erased.solves == 1
    with UnitOfWork(service.app.state.database.sessions) as uow:
        assert count(uow, LedgerEntryRow) == ledger
        assert count(uow, AuditRow) == audit + 3  # two cases and one round, each audited
        housed = uow.session.get_one(CaseRow, ids["housed"])
        assert housed.sealed_spec is None and housed.erased_at is not None
        assert set(case_spec(housed)) == {"urgency", "waiting_since", "rooms_min", "rooms_max",
                                          "max_rent_sek", "needs", "household"}
        solve = uow.session.scalars(select(SolveRow)).one()
        assert solve.round_file is None and solve.result is None and solve.placed
        with pytest.raises(Conflict, match="erased"):
            replay(uow, ids["round"])
        open_ones = [c for c in uow.session.scalars(select(CaseRow)) if c.id not in ids.values()]
        assert all(c.sealed_spec is not None and c.erased_at is None for c in open_ones)
        assert (expired(uow, cutoff).case_count, expired(uow, cutoff).solves) == (0, 0)
    coordinator = service.as_(*COORDINATOR)
    shown = coordinator.get(f"/rounds/{ids['round']}").json()
    assert shown["placed"] and shown["unplaced"] is None
    worker = service.as_(ids["housed_by"], "case_worker")  # where she lives is no longer shown
    assert worker.get(f"/proposals/{ids['housed_proposal']}").status_code == 404
    assert ids["housed_proposal"] not in worker.get("/proposals").text


def test_an_erased_case_still_shows_its_profile_to_its_case_worker(service):
    ids = live_a_round(service)
    age(service, ids["round"], ids["withdrawn"])
    with UnitOfWork(service.app.state.database.sessions) as uow:
        purge(uow, months_before(now(), 12))
        municipality = uow.session.get_one(CaseRow, ids["withdrawn"]).municipality_code
        uow.commit()
    shown = service.as_(municipality, "case_worker").get(f"/cases/{ids['withdrawn']}")
    assert shown.status_code == 200 and shown.json()["status"] == "withdrawn"
    assert shown.json()["safety"] == {"excluded_municipalities": [], "danger_zones": []}
