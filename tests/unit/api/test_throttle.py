"""The failed sign-in limit over a store the test holds, and the address it counts."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest
from starlette.requests import Request

from exchange.http.throttle import FailureLimit, client_address, trusted_proxies


class Store:
    """Failures in memory, at times the test sets."""

    def __init__(self) -> None:
        self.times: dict[str, list[float]] = {}

    def add(self, address: str, window: float) -> int:
        self.times.setdefault(address, []).append(time.time())
        return self.recent(address, window)[0]

    def recent(self, address: str, window: float) -> tuple[int, float | None]:
        kept = [t for t in self.times.get(address, []) if t > time.time() - window]
        return len(kept), min(kept, default=None)


def test_an_address_over_the_limit_waits_until_its_oldest_failure_ages_out() -> None:
    store = Store()
    limit = FailureLimit(3, 60, store)
    for _ in range(3):
        assert limit.wait("10.0.0.1") == 0
        limit.failed("10.0.0.1")
    store.times["10.0.0.1"][0] -= 20  # the first failure was 20 s ago
    assert 39 < limit.wait("10.0.0.1") <= 40
    assert limit.wait("10.0.0.2") == 0  # others are not held back
    store.times["10.0.0.1"][0] -= 40
    assert limit.wait("10.0.0.1") == 0


def request(peer: str, *forwarded: str, proxies: str = "") -> Request:
    app = SimpleNamespace(state=SimpleNamespace(proxies=trusted_proxies(proxies)))
    headers = [(b"x-forwarded-for", value.encode()) for value in forwarded]
    return Request({"type": "http", "client": (peer, 5000), "headers": headers, "app": app})


def test_a_client_that_is_no_configured_proxy_cannot_choose_its_address() -> None:
    assert client_address(request("127.0.0.1", "203.0.113.9")) == "127.0.0.1"
    assert client_address(request("10.1.1.1", "203.0.113.9", proxies="10.2.0.0/16")) == \
        "10.1.1.1"


def test_behind_a_proxy_the_rightmost_untrusted_entry_is_the_client() -> None:
    proxies = "10.0.0.1, 10.0.1.0/24"
    # the client wrote "1.1.1.1" itself; the proxy appended the address it saw
    assert client_address(request("10.0.0.1", "1.1.1.1, 198.51.100.7",
                                  proxies=proxies)) == "198.51.100.7"
    assert client_address(request("10.0.0.1", "1.1.1.1", "198.51.100.7, 10.0.1.5",
                                  proxies=proxies)) == "198.51.100.7"
    assert client_address(request("10.0.0.1", "nonsense", proxies=proxies)) == "invalid"
    assert client_address(request("10.0.0.1", proxies=proxies)) == "10.0.0.1"


def test_a_wildcard_proxy_setting_is_refused() -> None:
    from pydantic import ValidationError

    from exchange.settings import Settings

    with pytest.raises(ValidationError, match="name the proxies"):
        Settings(forwarded_allow_ips="*")
