"""Two service processes on one database share one sign-in limit: in the database, or in Redis
where `EXCHANGE_REDIS_URL` is set (Redis at EXCHANGE_TEST_REDIS_URL; CI gives it)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import httpx2 as httpx
import pytest

from tests.integration.service import TEST_KEYS, Service, small_network

REDIS = os.environ.get("EXCHANGE_TEST_REDIS_URL")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def served(env: dict[str, str]) -> Iterator[str]:
    """`exchange serve` as a process of its own; its address."""
    port = _free_port()
    process = subprocess.Popen([sys.executable, "-m", "exchange", "serve", "--port", str(port)],
                               env={**os.environ, **env}, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None and time.monotonic() < deadline, "serve did not start"
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(params=["database", "redis"])
def store(request) -> dict[str, str]:
    if request.param == "database":
        return {}
    if not REDIS:
        pytest.skip("Redis tests skipped: set EXCHANGE_TEST_REDIS_URL to run them "
                    "(e.g. redis://127.0.0.1:6379/15)")
    import redis

    client = redis.Redis.from_url(REDIS)
    try:
        client.delete(*client.keys("exchange:sign-in-failures:*"), "none")
    except redis.ConnectionError as error:  # a given server that does not answer fails
        pytest.fail(f"Redis at EXCHANGE_TEST_REDIS_URL does not answer: {error}")
    return {"EXCHANGE_REDIS_URL": REDIS}


def test_two_processes_share_one_limit_and_a_right_token_always_gets_in(database_url, store):
    with Service(database_url, small_network()) as service:
        right = service.tokens[("0126", "coordinator")]
    env = {"EXCHANGE_DATABASE_URL": database_url, "EXCHANGE_DATA_KEYS": TEST_KEYS,
           "EXCHANGE_SIGN_IN_FAILURES": "5", **store}
    with ExitStack() as stack:
        first, second = (stack.enter_context(served(env)) for _ in range(2))

        def me(url: str, token: str) -> int:
            return httpx.get(f"{url}/me", headers={"Authorization": f"Bearer {token}"},
                             timeout=30).status_code

        assert [me(first, "exch_wrong") for _ in range(3)] == [401] * 3
        assert [me(second, "exch_wrong") for _ in range(2)] == [401] * 2
        assert me(first, "exch_wrong") == 429 and me(second, "exch_wrong") == 429
        assert me(first, right) == 200 and me(second, right) == 200
