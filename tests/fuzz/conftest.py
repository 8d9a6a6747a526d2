"""The service the fuzz tests run against, its schema, and what they share: the Hypothesis
settings, who signs in for which operation, and who must be refused it."""

from __future__ import annotations

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


def rooms_in_order(case: Any) -> None:
    """Give a case `rooms_min` at most `rooms_max`, as documented on the field but beyond what
    JSON Schema can state: both have the same schema, so swapping them keeps every other
    property of the case, valid or not, and makes a valid one valid data."""
    body = case.body
    if (isinstance(body, dict) and _numbers(body.get("rooms_min"), body.get("rooms_max"))
            and body["rooms_min"] > body["rooms_max"]):
        body["rooms_min"], body["rooms_max"] = body["rooms_max"], body["rooms_min"]


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
