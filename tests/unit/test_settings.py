"""Settings an operator gives: a network's provider with its secret in a file, and empty
variables (as compose passes them) taken as unset."""

from __future__ import annotations

import json

import pytest

from exchange.settings import IdentityProvider, Settings


def test_a_providers_secret_is_read_from_its_file(tmp_path, monkeypatch) -> None:
    (tmp_path / "secret").write_text("s3cret\n")
    monkeypatch.setenv("EXCHANGE_OIDC", json.dumps({"sodertorn": {
        "issuer": "https://idp.example", "client_id": "exchange",
        "client_secret_file": str(tmp_path / "secret")}}))
    assert Settings().oidc["sodertorn"].secret() == "s3cret"
    with pytest.raises(ValueError, match="client_secret_file"):
        IdentityProvider(issuer="https://idp.example", client_id="x").secret()


def test_empty_variables_are_unset(monkeypatch) -> None:
    for name in ("EXCHANGE_OIDC", "EXCHANGE_SMTP_URL", "EXCHANGE_PUBLIC_URL"):
        monkeypatch.setenv(name, "")
    settings = Settings()
    assert (settings.oidc, settings.smtp_url, settings.public_url) == ({}, None, None)
