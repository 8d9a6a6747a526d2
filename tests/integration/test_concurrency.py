"""Writes that meet: the same round opened or solved at once, and a stale edit."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from exchange.persistence.database import UnitOfWork
from exchange.persistence.rows import RoundRow, SolveRow
from tests.integration.service import Service, small_network


@pytest.fixture
def service(database_url):
    with Service(database_url, small_network()) as running:
        yield running


#: Reads that commit their audit entries, and reads that write nothing and end only after the
#: answer is serialized (which once left every worker thread waiting for SQLite's writer).
READS = {"case_worker": ["/cases", "/schools", "/me"],
         "coordinator": ["/ledger", "/rounds", "/municipalities", "/cases"],
         "housing_officer": ["/units", "/schools", "/proposals"]}


def at_once(service, calls):
    """Run (municipality, role, method, path, body) calls together, each on its own client."""
    barrier, answers = threading.Barrier(len(calls)), [None] * len(calls)

    def run(i, municipality, role, method, path, body):
        client = TestClient(service.app, raise_server_exceptions=False)
        token = service.tokens[(municipality, role)]
        barrier.wait()
        answers[i] = client.request(method, path, json=body,
                                    headers={"Authorization": f"Bearer {token}"})

    threads = [threading.Thread(target=run, args=(i, *call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_coordinators_opening_the_same_round_at_once_get_one_round_and_no_500(service):
    """Ten races of four coordinators opening the same month."""
    for attempt in range(10):
        period = f"2027-{attempt + 1:02d}"
        answers = at_once(service, [(m, "coordinator", "POST", "/rounds", {"period": period})
                                    for m in ("0126", "0127", "0136", "0138")])
        codes = Counter(a.status_code for a in answers)
        assert codes == {201: 1, 409: 3}, [a.json() for a in answers]
        with UnitOfWork(service.app.state.database.sessions) as uow:
            assert uow.session.scalar(select(func.count()).select_from(RoundRow).where(
                RoundRow.period == period)) == 1
            uow.session.query(RoundRow).filter_by(period=period).update({"status": "closed"})
            uow.commit()


def test_rounds_of_two_months_opened_at_once_leave_one_round_open(service):
    """At most one round of a network is unclosed, even when two months are opened together."""
    answers = at_once(service, [("0126", "coordinator", "POST", "/rounds", {"period": "2027-01"}),
                                ("0127", "coordinator", "POST", "/rounds", {"period": "2027-02"})])
    assert sorted(a.status_code for a in answers) == [201, 409]
    assert service.as_("0126", "coordinator").get("/rounds").json()["total"] == 1


def test_many_more_readers_than_worker_threads_are_all_served(service):
    """Sixty reads at once on one app (its pool has 40 threads): no deadlock, no 500."""
    answers, barrier = [], threading.Barrier(60)

    def read(role, municipality):
        client = service.as_(municipality, role)
        barrier.wait()
        answers.append(client.get(READS[role][len(answers) % len(READS[role])]))

    people = [(role, m) for role in ("case_worker", "coordinator", "housing_officer")
              for m in ("0126", "0127", "0128", "0136", "0138", "0140", "0181", "0192")]
    threads = [threading.Thread(target=read, args=people[i % len(people)]) for i in range(60)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert [a.status_code for a in answers] == [200] * 60


def test_solving_the_same_round_at_once_runs_one_solve(service):
    coordinator = service.as_("0126", "coordinator")
    round_id = coordinator.post("/rounds", json={"period": "2026-12"}).json()["id"]
    answers = at_once(service, [(m, "coordinator", "POST", f"/rounds/{round_id}/solve", None)
                                for m in ("0126", "0127", "0136")])
    assert Counter(a.status_code for a in answers) == {202: 1, 409: 2}
    assert service.solved(coordinator, round_id)["status"] == "solved"
    with UnitOfWork(service.app.state.database.sessions) as uow:
        assert uow.session.scalar(select(func.count()).select_from(SolveRow)) == 1


def test_a_stale_edit_is_refused_and_the_first_one_kept(service):
    worker = service.as_("0126", "case_worker")
    case = worker.get("/cases").json()["items"][0]
    body = {k: v for k, v in case.items()
            if k not in ("id", "municipality", "status", "created_at", "updated_at", "consent",
                         "times")}
    first = worker.put(f"/cases/{case['id']}", json={**body, "max_rent_sek": 12345})
    assert first.status_code == 200 and first.json()["version"] == case["version"] + 1
    second = worker.put(f"/cases/{case['id']}", json={**body, "max_rent_sek": 999})
    assert second.status_code == 409 and "read it again" in second.json()["detail"]
    assert worker.get(f"/cases/{case['id']}").json()["max_rent_sek"] == 12345
    trail = service.as_("0126", "auditor").get("/audit", params={"object_id": case["id"]})
    assert ("case_worker", "stale") in {(e["role"], e["outcome"]) for e in trail.json()["items"]}


def test_concurrent_edits_of_one_case_keep_exactly_one(service):
    """Two edits based on the same version, sent together: one wins, one is told it lost."""
    worker = service.as_("0126", "case_worker")
    case = worker.get("/cases").json()["items"][0]
    body = {k: v for k, v in case.items()
            if k not in ("id", "municipality", "status", "created_at", "updated_at", "consent",
                         "times")}
    answers = at_once(service, [("0126", "case_worker", "PUT", f"/cases/{case['id']}",
                                 {**body, "max_rent_sek": rent}) for rent in (11111, 22222)])
    assert sorted(a.status_code for a in answers) == [200, 409]
    winner = next(a for a in answers if a.status_code == 200).json()["max_rent_sek"]
    assert worker.get(f"/cases/{case['id']}").json()["max_rent_sek"] == winner
