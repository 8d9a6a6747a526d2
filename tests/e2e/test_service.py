"""The service's commands as an operator runs them: load, add users, serve, survive a kill."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx2 as httpx
import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from exchange.formats import dump
from exchange.generate import generate_round
from exchange.persistence.rows import (
    CaseRow,
    LedgerEntryRow,
    ProposalRow,
    RoundRow,
    SolveRow,
    UnitRow,
)


@pytest.fixture
def env(tmp_path):
    """An environment whose database is a fresh SQLite file."""
    return {**os.environ, "EXCHANGE_DATABASE_URL": f"sqlite:///{tmp_path / 'exchange.db'}"}


def run(env, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "exchange", *args], capture_output=True,
                          text=True, timeout=300, check=False, env=env)


def test_load_sample_prints_a_token_per_role_and_member_and_renews_them(env):
    first = run(env, "load-sample", "sodertorn")
    assert first.returncode == 0, first.stderr
    assert "Loaded network sodertorn: 8 members" in first.stdout
    tokens = {line.split()[-1] for line in first.stdout.splitlines() if "exch_" in line}
    assert all(len(token) == 48 for token in tokens)  # whole, however narrow the terminal
    assert len(tokens) == 8 * 4
    again = run(env, "load-sample", "sodertorn")
    assert again.returncode == 0 and "already loaded" in again.stdout
    renewed = {line.split()[-1] for line in again.stdout.splitlines() if "exch_" in line}
    assert len(renewed) == 32 and not renewed & tokens


def test_user_create_prints_the_token_as_its_last_line(env):
    assert run(env, "load-sample", "sodertorn").returncode == 0
    made = run(env, "user", "create", "--name", "Sara Lind", "--role", "case_worker",
               "--municipality", "0127")
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip().splitlines()[-1]
    assert token.startswith("exch_") and len(token) >= 48
    wrong = run(env, "user", "create", "--name", "X", "--role", "case_worker",
                "--municipality", "9999")
    assert wrong.returncode == 2 and "municipality" in wrong.stderr
    assert "Traceback" not in wrong.stderr


def test_a_server_killed_mid_solve_leaves_nothing_half_written_and_can_solve_again(env, tmp_path):
    """kill -9 while the round solves: its worker process ends with it; no result, no proposal,
    no status changed; once the dead solve's heartbeat is stale, the round is solved again by a
    new server."""
    round_file = tmp_path / "round.json"
    round_file.write_text(dump(generate_round("sodertorn", 300, 300, 11)))
    assert run(env, "load-network", str(round_file)).returncode == 0
    made = run(env, "user", "create", "--name", "Coordinator", "--role", "coordinator",
               "--municipality", "0126")
    headers = {"Authorization": f"Bearer {made.stdout.strip().splitlines()[-1]}"}
    env = {**env, "EXCHANGE_SOLVE_STALE_AFTER": "2"}
    with serving(env) as api:
        round_id = api.post("/rounds", json={"period": "2026-12"}, headers=headers).json()["id"]
        assert api.post(f"/rounds/{round_id}/solve", headers=headers).status_code == 202
        helpers = descendants(api.server.pid, at_least=2)  # the worker, and what forks it
        api.server.send_signal(signal.SIGKILL)
        api.server.wait()
    deadline = time.monotonic() + 10
    while (alive := [pid for pid in helpers if Path(f"/proc/{pid}").exists()
                     and _state(pid) != "Z"]) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert alive == [], "a solve outlived its service"
    engine = create_engine(env["EXCHANGE_DATABASE_URL"])
    with Session(engine) as session:
        assert session.get_one(RoundRow, round_id).status == "solving"
        for table in (SolveRow, ProposalRow):
            assert session.scalar(select(func.count()).select_from(table)) == 0
        assert set(session.scalars(select(CaseRow.status))) == {"open"}
        assert set(session.scalars(select(UnitRow.status))) == {"available"}
    engine.dispose()
    with serving(env) as api:
        time.sleep(2.5)
        assert api.get(f"/rounds/{round_id}", headers=headers).json()["stalled"] is True
        assert api.post(f"/rounds/{round_id}/solve", headers=headers).status_code == 202
        deadline = time.monotonic() + 240
        while (state := api.get(f"/rounds/{round_id}", headers=headers).json())[
                "status"] == "solving" and time.monotonic() < deadline:
            time.sleep(0.5)
        assert state["status"] == "solved" and state["solves"] == 1
        assert sum(state["placed"].values()) == state["proposals"]["proposed"] > 0


def descendants(pid: int, at_least: int, timeout: float = 60) -> list[int]:
    """The processes below `pid`, once there are `at_least` of them."""
    deadline = time.monotonic() + timeout
    while True:
        parents = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError):  # a process may end while it is read
                fields = stat.read_text().rsplit(")", 1)[1].split()
                parents[int(stat.parent.name)] = int(fields[1])
        found = [child for child in parents if _ancestor(parents, child, pid)]
        if len(found) >= at_least or time.monotonic() > deadline:
            assert len(found) >= at_least, f"only {found} below the service"
            return found
        time.sleep(0.05)


def _ancestor(parents: dict[int, int], child: int, pid: int) -> bool:
    while child in parents and child > 1:
        child = parents[child]
        if child == pid:
            return True
    return False


def _state(pid: int) -> str:
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    return "gone"


class serving:  # noqa: N801 - used as a context manager, like open()
    """`exchange serve --upgrade-db` on a free port, as the container runs it."""

    def __init__(self, env: dict[str, str]) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.env = env

    def __enter__(self) -> httpx.Client:
        self.server = subprocess.Popen(
            [sys.executable, "-m", "exchange", "serve", "--upgrade-db", "--port",
             str(self.port)], env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.client = httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=30)
        self.client.server = self.server  # type: ignore[attr-defined]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if self.client.get("/health").status_code == 200:
                    return self.client
            except httpx.TransportError:
                time.sleep(0.2)
        self.__exit__()
        raise AssertionError("exchange serve did not answer within 60 s")

    def __exit__(self, *exc: object) -> None:
        self.client.close()
        if self.server.poll() is None:
            self.server.terminate()
            self.server.wait(timeout=30)
        assert self.server.stdout is not None
        self.server.stdout.close()


SAMPLE = Path(__file__).parents[2] / "sample_networks" / "sodertorn" / "round-2026-12.json"


def test_the_sample_network_is_the_sample_round_file():
    """`load-sample sodertorn` generates exactly the round file kept in sample_networks/."""
    from exchange.cli.service import SAMPLES

    assert dump(generate_round(*SAMPLES["sodertorn"])) == SAMPLE.read_text()


def test_the_container_runs_the_command_these_tests_run():
    """docker/Dockerfile's CMD is `exchange serve --upgrade-db`, exactly what `serving` starts."""
    dockerfile = (Path(__file__).parents[2] / "docker" / "Dockerfile").read_text()
    cmd = next(line for line in dockerfile.splitlines() if line.startswith("CMD "))
    assert cmd == 'CMD ["exchange", "serve", "--upgrade-db"]'


def test_a_server_killed_while_closing_a_round_leaves_it_whole_or_untouched(env):
    """kill -9 at growing moments into a close: each time, either the round is closed with a
    ledger entry for every confirmed move, or nothing of the close was written; a new server
    then closes it."""
    loaded = run(env, "load-sample", "sodertorn")
    tokens = {(m, r): t for m, r, t in re.findall(r"^(\d{4})\s+(\w+)\s+(exch_\S+)$",
                                                   loaded.stdout, re.M)}

    def as_(code: str, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {tokens[(code, role)]}"}

    coordinator = as_("0126", "coordinator")
    with serving(env) as api:
        round_id = api.post("/rounds", json={"period": "2026-12"}, headers=coordinator).json()["id"]
        api.post(f"/rounds/{round_id}/solve", headers=coordinator)
        while (state := api.get(f"/rounds/{round_id}", headers=coordinator).json())[
                "status"] == "solving":
            time.sleep(0.2)
        api.post(f"/rounds/{round_id}/publish", json={"version": state["version"]},
                 headers=coordinator)
        moves = api.get("/proposals", params={"round": round_id, "limit": 200},
                        headers=coordinator).json()["items"]
        for p in moves:
            worker, officer = as_(p["sending"], "case_worker"), as_(p["receiving"],
                                                                   "housing_officer")
            api.post(f"/proposals/{p['id']}/accept", json={"version": p["version"]},
                     headers=worker)
            api.post(f"/proposals/{p['id']}/confirm", json={"version": p["version"] + 1},
                     headers=officer)
    confirmed = len(moves)
    for delay in (0.0, 0.01, 0.03, 0.06, 0.1, 0.2, 0.4, 1.0, 3.0):
        with serving(env) as api:
            version = api.get(f"/rounds/{round_id}", headers=coordinator).json()["version"]
            closing = threading.Thread(target=_ignore_errors, args=(
                api.post, f"/rounds/{round_id}/close"), kwargs={
                "json": {"version": version}, "headers": coordinator})
            closing.start()
            time.sleep(delay)
            api.server.send_signal(signal.SIGKILL)
            api.server.wait()
            closing.join()
        closed, entries = _close_state(env, round_id)
        assert entries == (confirmed if closed else 0), (delay, closed, entries)
        if closed:
            break
    else:
        with serving(env) as api:
            version = api.get(f"/rounds/{round_id}", headers=coordinator).json()["version"]
            assert api.post(f"/rounds/{round_id}/close", json={"version": version},
                            headers=coordinator).status_code == 200
        assert _close_state(env, round_id) == (True, confirmed)


def _ignore_errors(call, *args, **kwargs) -> None:
    with contextlib.suppress(httpx.TransportError):  # the server dies under the request
        call(*args, **kwargs)


def _close_state(env, round_id: str) -> tuple[bool, int]:
    """Whether the round is closed, and how many moves the ledger holds for it."""
    engine = create_engine(env["EXCHANGE_DATABASE_URL"])
    with Session(engine) as session:
        closed = session.get_one(RoundRow, round_id).status == "closed"
        entries = session.scalar(select(func.count()).select_from(LedgerEntryRow).where(
            LedgerEntryRow.round_id == round_id, LedgerEntryRow.kind == "move"))
    engine.dispose()
    return closed, entries or 0
