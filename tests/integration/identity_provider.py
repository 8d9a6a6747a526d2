"""A real OpenID provider for the tests: panva's oidc-provider (pinned in tests/oidc/), run on the
machine's Node.js on 127.0.0.1, and a person signing in there as a browser would."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import time
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import httpx2 as httpx
import pytest

FOLDER = Path(__file__).resolve().parents[1] / "oidc"
APP = "https://testserver"  # the test client's address: the provider sends browsers back here


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def client(client_id: str, app: str = APP) -> dict[str, Any]:
    """The provider's registration of a client whose pages are at `app`."""
    return {"client_id": client_id, "client_secret": f"s3cret-{client_id}-" + "x" * 24,
            "redirect_uris": [f"{app}/sign-in/callback"],
            "post_logout_redirect_uris": [f"{app}/sign-in?signed_out=1"]}


class IdentityProvider:
    """oidc-provider as a process of its own; `stop` and `start` again to take it down."""

    def __init__(self, folder: Path, groups: dict[str, list[str]] | None = None,
                 app: str = APP) -> None:
        if not (FOLDER / "node_modules" / "oidc-provider").is_dir():
            pytest.fail("tests/oidc has no node_modules: run the README's test command, which "
                        "installs it (npm ci --prefix tests/oidc)")
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.config = folder / "provider.json"
        self.config.write_text(json.dumps({
            "issuer": self.issuer, "port": self.port,
            "clients": [client("exchange", app), client("elsewhere"), client("quick")],
            "quick_clients": ["quick"], "groups": groups or {}}))
        self.log = folder / "provider.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.start()

    def start(self) -> None:
        with self.log.open("ab") as log:  # the process keeps its own handle
            self.process = subprocess.Popen(["node", str(FOLDER / "provider.js"),
                                             str(self.config)],
                                            stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()
            try:
                if httpx.get(f"{self.issuer}/.well-known/openid-configuration",
                             timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        raise AssertionError("oidc-provider did not start within 30 s")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def settings(self, client_id: str = "exchange", **more: Any) -> dict[str, Any]:
        """The exchange's EXCHANGE_OIDC entry for this provider."""
        return {"issuer": self.issuer, "client_id": client_id,
                "client_secret": client(client_id)["client_secret"], **more}

    def authorize(self, url: str, login: str) -> str:
        """Sign in at the provider as `login`, starting at the authorization `url`; the address
        the provider then sends the browser to (the exchange's callback)."""
        with httpx.Client(timeout=10) as person:
            answer = person.get(url)
            while answer.status_code in (302, 303):
                where = urljoin(str(answer.url), answer.headers["location"])
                if where.startswith(APP):
                    return where
                answer = person.get(where)
            form = re.search(r'action="([^"]+)"', answer.text)
            assert form, answer.text
            answer = person.post(urljoin(str(answer.url), form.group(1)), data={"login": login})
            while answer.status_code in (302, 303):
                where = urljoin(str(answer.url), answer.headers["location"])
                if where.startswith(APP):
                    return where
                answer = person.get(where)
        raise AssertionError(f"the provider did not send the browser back: {answer.text[:300]}")

    def id_token_for(self, client_id: str, login: str, nonce: str = "n-elsewhere") -> str:
        """An ID token the provider issues to another client (`client_id`), for `login`."""
        import base64
        import hashlib
        import secrets

        verifier = secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(
            hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        url = str(httpx.URL(f"{self.issuer}/auth", params={
            "client_id": client_id, "response_type": "code", "scope": "openid email",
            "redirect_uri": f"{APP}/sign-in/callback", "state": "s", "nonce": nonce,
            "code_challenge": challenge, "code_challenge_method": "S256"}))
        code = httpx.URL(self.authorize(url, login)).params["code"]
        answer = httpx.post(f"{self.issuer}/token", data={
            "grant_type": "authorization_code", "code": code, "code_verifier": verifier,
            "redirect_uri": f"{APP}/sign-in/callback"},
            auth=(client_id, client(client_id)["client_secret"]), timeout=10)
        answer.raise_for_status()
        return answer.json()["id_token"]
