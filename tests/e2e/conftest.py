"""A served exchange on a fresh SQLite database with the Södertörn sample, and Debian's
Chromium driven by Playwright (never a downloaded browser)."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest

CHROMIUM = "/usr/bin/chromium"
SHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"


@dataclass
class Served:
    """A running `exchange serve` and the demo tokens `exchange load-sample` printed."""

    url: str
    tokens: dict[tuple[str, str], str]
    database_url: str

    def token(self, municipality: str, role: str) -> str:
        return self.tokens[(municipality, role)]

    def get(self, municipality: str, role: str, path: str, **params: object) -> Any:
        """What the JSON API answers that person (to find the ids a test needs)."""
        with httpx.Client(base_url=self.url, timeout=30, headers={
                "Authorization": f"Bearer {self.token(municipality, role)}"}) as client:
            answer = client.get(path, params=params)
        answer.raise_for_status()
        return answer.json()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[Served]:
    with serving(tmp_path_factory.mktemp("served")) as running:
        yield running


@contextmanager
def serving(folder: Path, port: int | None = None, **env: str) -> Iterator[Served]:
    """`exchange load-sample sodertorn`, then `exchange serve` on a fresh SQLite database in
    `folder`, with the `EXCHANGE_*` settings `env` adds."""
    database_url = f"sqlite:///{folder / 'exchange.db'}"
    env = {**os.environ, "EXCHANGE_DATABASE_URL": database_url, **env}
    loaded = subprocess.run([sys.executable, "-m", "exchange", "load-sample", "sodertorn"],
                            capture_output=True, text=True, env=env, timeout=300, check=True)
    tokens = {(m, r): t for m, r, t in re.findall(r"^(\d{4})\s+(\w+)\s+(exch_\S+)$",
                                                   loaded.stdout, re.M)}
    port = port or free_port()
    log = (folder / "serve.log").open("w")
    server = subprocess.Popen([sys.executable, "-m", "exchange", "serve", "--port", str(port)],
                              env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(url, server)
        yield Served(url, tokens, database_url)
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def _wait_for(url: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError("exchange serve exited; see its log")
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError("exchange serve did not answer within 60 s")


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's Chromium (apt-get install "
                    "chromium); the browser tests never download one")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture
def context(browser):
    """A fresh browser profile (no cookies) at a laptop's width."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="sv-SE")
    yield context
    context.close()


def shoot(page, name: str, height: int | None = None) -> None:
    """Keep a screenshot of the first screenful (or `height` pixels) as a test artefact
    (build/screenshots)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    if height is None:
        page.screenshot(path=str(SHOTS / f"{name}.png"))
        return
    width = page.viewport_size["width"]
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True,
                    clip={"x": 0, "y": 0, "width": width, "height": height})
