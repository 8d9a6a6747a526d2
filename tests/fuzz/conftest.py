"""The service the fuzz tests run against, its schema, and what they share: the Hypothesis
settings, who signs in for which operation, and who must be refused it."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from exchange.app import create_app
from exchange.settings import Settings
from tests.integration.conftest import migrate
from tests.integration.service import Service, other_network, small_network

#: Generated cases per operation and role (and scenarios for the state machine): a small count
#: in CI, EXCHANGE_FUZZ_EXAMPLES=1000 for the full run.
EXAMPLES = int(os.environ.get("EXCHANGE_FUZZ_EXAMPLES", "20"))
HOME, NEIGHBOUR, OTHER_NETWORK = "0126", "0127", "1280"
HOME_CENTRE = (59.2371, 17.9819)  # Huddinge

FUZZ = settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
                # requests in process take milliseconds, but a thousand of them is "slow" to it
                suppress_health_check=[HealthCheck.too_slow])


class CurrentApp:
    """An ASGI app that hands every request to the app of the running test, so that the schema
    can be read at collection, before any database exists. The test's Service runs the real
    app's lifespan."""

    def __init__(self) -> None:
        # the routes and their OpenAPI need no database: this one only answers /openapi.json
        self.app: Any = create_app(Settings(database_url="sqlite://"))

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            message = await receive()
            while message["type"] != "lifespan.shutdown":
                await send({"type": f"{message['type']}.complete"})
                message = await receive()
            await send({"type": "lifespan.shutdown.complete"})
            return
        await self.app(scope, receive, send)


CURRENT = CurrentApp()


class SignedIn:
    """Who signs in: `token(method, path)` gives the token for an operation. Applied as
    Schemathesis's auth, so that the cases that test a missing token still leave it out."""

    token: Any = None

    @classmethod
    def headers(cls, case: Any) -> dict[str, str]:
        """Headers to call a case with. Schemathesis makes its coverage cases when pytest
        collects the tests, before the service and its tokens exist: those carry `PENDING`,
        which the real token overrides (the case itself is left alone: it is run once per role).
        """
        if case.headers and case.headers.get("Authorization") == f"Bearer {PENDING}":
            return {"Authorization": f"Bearer {cls.token(case.method, case.path)}"}
        return {}


def as_documented(case: Any) -> None:
    """Bring a case within the rules its fields document beyond what JSON Schema can state,
    keeping every other property of it, valid or not: `rooms_min` at most `rooms_max` (both
    have the same schema, so they are swapped); a unit where its municipality is (a position in
    range moves to the home municipality's centre); a pledge that ends neither in the past nor
    before the unit is free (such an end is left out: null is valid); a checklist template's
    tasks each with a key of their own; a consent given by today, ending neither in the past
    nor before it starts."""
    body = case.body
    if not isinstance(body, dict):
        return
    if _numbers(body.get("rooms_min"), body.get("rooms_max")) and (
            body["rooms_min"] > body["rooms_max"]):
        body["rooms_min"], body["rooms_max"] = body["rooms_max"], body["rooms_min"]
    if case.path == "/moves/template" and isinstance(body.get("tasks"), list):
        _unique_keys(body["tasks"])
    if case.path.endswith("/consent"):
        _consent_as_documented(body)
    if not case.path.startswith("/units"):
        return
    if _numbers(body.get("lat"), body.get("lon")) and (
            abs(body["lat"]) <= 90 and abs(body["lon"]) <= 180):
        body["lat"], body["lon"] = HOME_CENTRE
    until, free = _date(body.get("pledged_until")), _date(body.get("available_from"))
    if until is not None and (until < dt.date.today() or (free is not None and until < free)):
        body["pledged_until"] = None


def _unique_keys(tasks: list[Any]) -> None:
    """A template's tasks each need a key of their own: a repeated key gets its place added."""
    seen: set[Any] = set()
    for i, task in enumerate(tasks):
        if isinstance(task, dict) and isinstance(task.get("key"), str):
            if task["key"] in seen:
                task["key"] = f"{task['key'][:30]}_{i}"
            seen.add(task["key"])


def _consent_as_documented(body: dict[str, Any]) -> None:
    """A consent given by today, whose end (if any) is neither past nor before its start."""
    given, until = _date(body.get("given")), _date(body.get("until"))
    if given is not None and given > dt.date.today():
        body["given"] = dt.date.today().isoformat()
    if until is not None and (until < dt.date.today() or until < (given or until)):
        body["until"] = None


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


PENDING = "pending"


def api_schema(signed_in: type[SignedIn]) -> Any:
    """The service's OpenAPI schema, bound to the running test's app, signed in as `signed_in`
    says."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", CURRENT)

    @schema.auth(refresh_interval=None, retry_on=[])
    class _Bearer:
        def get(self, case: Any, context: Any) -> str:
            return signed_in.token(case.method, case.path) if signed_in.token else PENDING

        def set(self, case: Any, token: str, context: Any) -> None:
            case.headers["Authorization"] = f"Bearer {token}"

    return schema


def _numbers(*values: Any) -> bool:
    return all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)


def owner_role(method: str, path: str) -> str:
    """Who in a municipality's team calls an operation: the role whose function it is."""
    if path.startswith(("/cases", "/me", "/municipalities")) or path.endswith(
            ("/accept", "/decline")):
        return "case_worker"
    if path.startswith(("/units", "/schools")) or path.endswith("/confirm"):
        return "housing_officer"
    return "auditor" if path.startswith("/audit") else "coordinator"


def peer_of(role: str, method: str, path: str) -> tuple[str, str]:
    """Someone of another municipality with the same role, who must not reach the owner's
    objects: a neighbour for her own municipality's cases, units and proposals; for what the
    whole network shares (schools, rounds, the coordinator's views), someone of another network."""
    shared = role == "coordinator" or (path.startswith("/schools") and method == "GET")
    return (OTHER_NETWORK if shared else NEIGHBOUR), role


#: The fuzzer sends unknown tokens on purpose (ignored_auth); the sign-in limit has tests of its
#: own and would otherwise lock every later request out. A solve of the small network is quick.
SERVICE_SETTINGS: dict[str, Any] = {"sign_in_failures": 10**9, "solve_time_limit": 5}


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """The app on a fresh SQLite database with Södertörn and Skåne loaded, served to the fuzzer."""
    path = tmp_path_factory.mktemp("fuzz") / "exchange.db"
    migrate(f"sqlite:///{path}")
    with Service(f"sqlite:///{path}", small_network(), other_network(),
                 **SERVICE_SETTINGS) as running:
        CURRENT.app = running.app
        yield running
