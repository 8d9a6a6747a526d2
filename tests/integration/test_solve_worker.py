"""Solves run in worker processes of their own: a worker that crashes, outgrows its memory or
is cancelled ends alone, the service answers on, and the round is given back to be solved again.

A county round of 1,000 cases and 1,000 units takes the solver many seconds, so each test acts
while its worker is still at work.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from exchange.generate import generate_round
from exchange.persistence.rows import AuditRow
from tests.integration.service import Service
from tests.integration.test_pages import sign_in

COORDINATOR = ("0180", "coordinator")  # Stockholm
COUNTY = generate_round("stockholm", 1000, 1000, seed=3)


@pytest.fixture
def county(database_url: str) -> Iterator[Service]:
    with Service(database_url, COUNTY, solve_time_limit=120) as service:
        yield service


def worker_of(round_id: str, timeout: float = 60) -> Any:
    """The worker process solving the round, once it is at work."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [p for p in multiprocessing.active_children() if p.name == f"solve {round_id}"]
        if found and found[0].pid:
            return found[0]
        time.sleep(0.05)
    raise AssertionError("no worker process started")


def settled(service: Service, round_id: str, timeout: float = 30) -> dict[str, Any]:
    """The round once it is no longer solving."""
    coordinator = service.as_(*COORDINATOR)
    deadline = time.monotonic() + timeout
    while (view := coordinator.get(f"/rounds/{round_id}").json())["status"] == "solving":
        assert time.monotonic() < deadline, view["progress"]
        time.sleep(0.1)
    return view


def start(service: Service) -> str:
    coordinator = service.as_(*COORDINATOR)
    rounds = coordinator.get("/rounds").json()["items"]
    round_id = rounds[0]["id"] if rounds else coordinator.post(
        "/rounds", json={"period": "2026-12"}).json()["id"]
    assert coordinator.post(f"/rounds/{round_id}/solve").status_code == 202
    return round_id


def test_a_cancelled_solve_stops_its_worker_and_gives_the_round_back(county: Service) -> None:
    coordinator = county.as_(*COORDINATOR)
    round_id = start(county)
    worker = worker_of(round_id)
    assert worker.pid != os.getpid()
    cancelled = coordinator.post(f"/rounds/{round_id}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "open"
    worker.join(timeout=10)  # stopped at its next heartbeat, not at the end of its solve
    assert worker.exitcode is not None
    view = coordinator.get(f"/rounds/{round_id}").json()
    assert view["status"] == "open" and view["progress"].startswith("cancelled")
    assert coordinator.post(f"/rounds/{round_id}/cancel").status_code == 409  # nothing runs
    with county.app.state.database.unit_of_work() as uow:
        assert uow.session.scalar(select(AuditRow.action).where(
            AuditRow.object_id == round_id, AuditRow.action == "cancel")) == "cancel"
    page = sign_in(county, *COORDINATOR).get(f"/app/rounds/{round_id}")
    assert "du avbröt den" in page.text


def test_only_the_coordinator_cancels_and_only_a_running_solve(county: Service) -> None:
    round_id = county.as_(*COORDINATOR).post("/rounds", json={"period": "2026-12"}).json()["id"]
    assert county.as_("0180", "case_worker").post(f"/rounds/{round_id}/cancel").status_code == 403
    assert county.as_(*COORDINATOR).post(f"/rounds/{round_id}/cancel").status_code == 409


def test_a_worker_that_dies_leaves_the_service_answering(county: Service) -> None:
    """A crash in native solver code looks like this from outside: the worker is gone."""
    coordinator = county.as_(*COORDINATOR)
    round_id = start(county)
    os.kill(worker_of(round_id).pid, signal.SIGKILL)
    view = settled(county, round_id)
    assert view["status"] == "open" and "signal SIGKILL" in view["progress"]
    assert coordinator.get("/ledger").status_code == 200
    page = sign_in(county, *COORDINATOR).get(f"/app/rounds/{round_id}")
    assert "Den senaste matchningen blev inte klar" in page.text


def test_a_solve_beyond_its_memory_limit_fails_and_says_so(database_url: str) -> None:
    with Service(database_url, COUNTY, solve_memory_mb=40) as service:
        round_id = start(service)
        view = settled(service, round_id)
        assert view["status"] == "open" and "40 MB" in view["progress"], view["progress"]
        assert service.as_(*COORDINATOR).get(f"/rounds/{round_id}").status_code == 200


def test_a_service_that_stops_mid_solve_gives_the_round_back(database_url: str) -> None:
    with Service(database_url, COUNTY, solve_time_limit=120) as service:
        round_id = start(service)
        worker = worker_of(round_id)
    assert not worker.is_alive()
    with Service(database_url) as again:
        again.tokens = service.tokens
        view = again.as_(*COORDINATOR).get(f"/rounds/{round_id}").json()
    assert view["status"] == "open" and view["progress"].startswith("stopped")
