"""Sequences of calls, linked by the ids they return (post a case, change it, withdraw it;
pledge, publish and withdraw a unit; open, solve and publish a round), made by one
municipality's team, each member for her own functions: every check passes at every step, and
a user of another municipality is refused whatever the team just reached."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from schemathesis.core import NotSet
from sqlalchemy.engine import make_url

from exchange.app import create_app
from exchange.settings import Settings
from tests.fuzz.conftest import (
    CURRENT,
    FUZZ,
    HOME,
    SERVICE_SETTINGS,
    SignedIn,
    api_schema,
    as_documented,
    owner_role,
    peer_of,
)
from tests.integration.service import TEST_KEYS, Service


class AsTeam(SignedIn):
    """The home municipality's team: each operation called by the role whose function it is."""


schema = api_schema(AsTeam)
KINDS = {"case", "unit", "round"}  # what a POST creates, each read at /{kind}s/{id}


class Scenario:
    """A fresh app on a fresh copy of the loaded database, for one sequence: each starts from
    the same state, so that Hypothesis can replay and shrink what it finds."""

    def __init__(self, template: Path, path: Path, tokens: dict[tuple[str, str], str]) -> None:
        with sqlite3.connect(template) as source, sqlite3.connect(path) as copy:
            source.backup(copy)
        self.path, self.tokens = path, tokens
        self.client = TestClient(create_app(Settings(database_url=f"sqlite:///{path}",
                                                     data_keys=TEST_KEYS, **SERVICE_SETTINGS)),
                                 raise_server_exceptions=False)
        self.client.__enter__()  # the lifespan: its end waits for a solve and closes the database
        CURRENT.app = self.client.app

    def close(self) -> None:
        self.client.__exit__(None, None, None)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)

    def wait_for_solve(self, round_id: str, timeout: float = 60) -> None:
        """Wait for the background solve of a round to end, so that what follows meets a
        settled round, the same each time the sequence is replayed."""
        deadline = time.monotonic() + timeout
        while self.send_as((HOME, "coordinator"), "GET", f"/rounds/{round_id}").json().get(
                "status") == "solving":
            assert time.monotonic() < deadline, f"round still solving after {timeout} s"
            time.sleep(0.02)

    def send_as(self, who: tuple[str, str], method: str, url: str, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"}
        return self.client.request(method, url, headers=headers, **kwargs)


def peer_is_refused(scenario: Scenario) -> Any:
    """A check: what the owner just reached (2xx), a peer of another municipality is refused
    with 404 (or 403 when her role lacks the function): the same request replayed as her, and a
    read of the object it created."""

    def check(ctx: Any, response: Any, case: Any) -> None:
        if not 200 <= response.status_code < 300:
            return
        peer = peer_of(owner_role(case.method, case.path), case.method, case.path)
        if case.path_parameters:
            body = None if isinstance(case.body, NotSet) else case.body
            replay = scenario.send_as(peer, case.method, case.formatted_path, json=body,
                                      params=case.query)
            _refused(replay, case.method, case.formatted_path)
        created = response.json() if case.method == "POST" and not case.path_parameters else {}
        kind = case.path.strip("/").rstrip("s")
        if kind in KINDS and isinstance(created, dict) and "id" in created:
            _refused(scenario.send_as(peer, "GET", f"/{kind}s/{created['id']}"), "GET",
                     f"/{kind}s/{{id}}")

    return check


def _refused(reply: Any, method: str, path: str) -> None:
    assert reply.status_code in (403, 404), (
        f"a peer's {method} {path} answered {reply.status_code}, not 404 or 403")


@pytest.fixture
def template(service: Service, tmp_path: Path) -> Iterator[Path]:
    """The loaded database, as every scenario starts from it."""
    path, loaded = tmp_path / "template.db", make_url(service.app.state.settings.database_url)
    with sqlite3.connect(loaded.database or "") as source, sqlite3.connect(path) as copy:
        source.backup(copy)
    yield path


def test_sequences(service: Service, template: Path, tmp_path: Path) -> None:
    """The state machine over the schema's links, with the peer check added to every step."""
    AsTeam.token = staticmethod(
        lambda method, path: service.tokens[(HOME, owner_role(method, path))])

    class Team(schema.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            self.scenario = Scenario(template, tmp_path / "scenario.db", service.tokens)
            self.check = peer_is_refused(self.scenario)

        def teardown(self) -> None:
            self.scenario.close()
            CURRENT.app = service.app

        def before_call(self, case: Any) -> None:
            as_documented(case)

        def after_call(self, response: Any, case: Any) -> None:
            super().after_call(response, case)
            if case.path.endswith("/solve") and response.status_code == 202:
                self.scenario.wait_for_solve(case.path_parameters["round_id"])

        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": AsTeam.headers(case)}

        def validate_response(self, response: Any, case: Any, additional_checks: Any = None,
                              **kwargs: Any) -> None:
            super().validate_response(response, case, [*(additional_checks or []), self.check],
                                      **kwargs)

    Team.run(settings=FUZZ)
