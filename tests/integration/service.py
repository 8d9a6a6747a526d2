"""A test client for the service: a fresh app on a database, a loaded network, and its people."""

from __future__ import annotations

import time
from typing import Any

import httpx2 as httpx
from fastapi.testclient import TestClient

from exchange.app import create_app
from exchange.data import municipalities
from exchange.domain.lifecycle import Role
from exchange.domain.model import Round
from exchange.generate import generate_round
from exchange.persistence.sealing import key_line, new_key
from exchange.services.loading import demo_users, load_network
from exchange.settings import Settings
from tests.builders import as_round

OTHER_NETWORK: dict[str, Any] = {
    "format": "exchange-round/1",
    "round": {"id": "skane-2026-12", "date": "2026-12-01"},
    "network": {"id": "skane", "name": "Skåne", "rules": {"reciprocity_tolerance": 1}},
    "municipalities": [{"code": "1280", "name": "Malmö", "lat": 55.6, "lon": 13.0},
                       {"code": "1281", "name": "Lund", "lat": 55.7, "lon": 13.19}],
    "units": [{"id": "x", "municipality": "1281", "lat": 55.71, "lon": 13.2, "rooms": 2,
               "rent_sek": 8000, "contract": "first_hand"}],
    "cases": [{"id": "y", "municipality": "1280", "urgency": "acute",
               "waiting_since": "2026-10-01", "household": {"adults": 1}, "rooms_min": 1,
               "rooms_max": 3, "max_rent_sek": 9000}],
}


#: A data key for the tests' databases (a server database is never given one by itself).
TEST_KEYS = key_line(*new_key())


class Service:
    """The app, with a token for every (municipality, role) of the loaded networks."""

    def __init__(self, database_url: str, *networks: Round, addresses: bool = False,
                 **settings: Any) -> None:
        """With `addresses`, the units get street addresses, as the sample's do."""
        settings.setdefault("data_keys", TEST_KEYS)
        self.app = create_app(Settings(database_url=database_url, **settings))
        self.tokens: dict[tuple[str, str], str] = {}
        with self.app.state.database.unit_of_work() as uow:
            for network in networks:
                load_network(uow, network, addresses=addresses)
                for issued in demo_users(uow, network.network.id):
                    self.tokens[(issued.municipality, issued.role)] = issued.token
        self.client = TestClient(self.app, raise_server_exceptions=False)

    def __enter__(self) -> Service:
        self.client.__enter__()  # runs the app's lifespan: its shutdown closes every connection
        return self

    def __exit__(self, *exc: object) -> None:
        self.client.__exit__(*exc)

    def as_(self, municipality: str, role: Role | str) -> httpx.Client:
        """A client signed in as the demo user of that municipality and role."""
        token = self.tokens[(municipality, Role(role).value)]
        return _Signed(self.client, {"Authorization": f"Bearer {token}"})

    def solved(self, coordinator: Any, round_id: str, timeout: float = 120) -> dict[str, Any]:
        """Wait for a background solve to end; the round as it then is."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            round_ = coordinator.get(f"/rounds/{round_id}").json()
            if round_["status"] != "solving":
                return round_
            time.sleep(0.1)
        raise AssertionError(f"round {round_id} still solving after {timeout} s")


    def published(self, coordinator_of: str = "0126", period: str = "2026-12"
                  ) -> tuple[str, list[dict[str, Any]]]:
        """Open, solve and publish the month's round; its id and its proposals."""
        coordinator = self.as_(coordinator_of, "coordinator")
        round_id = coordinator.post("/rounds", json={"period": period}).json()["id"]
        coordinator.post(f"/rounds/{round_id}/solve")
        solved = self.solved(coordinator, round_id)
        coordinator.post(f"/rounds/{round_id}/publish", json={"version": solved["version"]})
        return round_id, coordinator.get("/proposals", params={"limit": 200}).json()["items"]


class _Signed:
    """The test client with a bearer token on every request."""

    def __init__(self, client: TestClient, headers: dict[str, str]) -> None:
        self._client, self._headers = client, headers

    def __getattr__(self, method: str) -> Any:
        call = getattr(self._client, method)
        return lambda *args, **kw: call(*args, headers={**self._headers,
                                                         **kw.pop("headers", {})}, **kw)


def small_network(seed: int = 7) -> Round:
    """A Södertörn network small enough to solve in a blink."""
    return generate_round("sodertorn", 40, 36, seed)


def other_network() -> Round:
    return as_round(OTHER_NETWORK)


def unit_body(municipality: str, **changes: Any) -> dict[str, Any]:
    """A unit of the small network as the housing officer of `municipality` pledges it: in
    that municipality (a unit nearer another's places must be confirmed)."""
    unit = small_network().units[0].model_dump(mode="json", exclude={"id", "municipality"})
    centre = municipalities()[municipality]
    return {**unit, "lat": centre.lat + 0.002, "lon": centre.lon + 0.002, **changes}
