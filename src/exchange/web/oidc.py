"""The OpenID Connect protocol, as the pages speak it: discovery, the authorization code flow
with PKCE, state and nonce (authlib), and the ID token checked in full (joserfc): signature by
the provider's published keys, issuer, audience, expiry and nonce.

Who may do what is not decided here: a checked identity goes to
`exchange.services.identities`. Every call to the provider goes through `OpenIdClient.http`
and times out; a provider that does not answer is `ProviderDown`, a token that fails a check
is `Refused` with a word for the audit trail.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import requests
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.errors import ClaimError, ExpiredTokenError, JoseError
from joserfc.jwk import KeySet
from joserfc.jwt import ClaimsOption, JWTClaimsRegistry

from exchange.services.identities import Flow, Identity
from exchange.settings import IdentityProvider

#: The algorithms an ID token may be signed with (never "none", never an HMAC of the secret).
ALGORITHMS = ["RS256", "PS256", "ES256"]
METADATA_SECONDS = 3600.0


class ProviderDown(Exception):
    """The identity provider did not answer, or answered nothing a provider would."""


class Refused(Exception):
    """The provider's answer does not prove who signed in; `reason` is a word for the trail."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Metadata:
    """What discovery says of a provider."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    end_session_endpoint: str | None


class OpenIdClient:
    """Speaks to the networks' providers; keeps what discovery said for an hour."""

    def __init__(self, timeout: float, leeway: int) -> None:
        self.http = requests.Session()
        self.timeout, self.leeway = timeout, leeway
        self._metadata: dict[str, tuple[Metadata, float]] = {}
        self._keys: dict[str, KeySet] = {}

    def metadata(self, provider: IdentityProvider) -> Metadata:
        """The provider's endpoints, from its discovery document."""
        cached = self._metadata.get(provider.issuer)
        if cached and cached[1] > time.monotonic():
            return cached[0]
        found = self._get(provider.issuer.rstrip("/") + "/.well-known/openid-configuration")
        try:
            metadata = Metadata(found["issuer"], found["authorization_endpoint"],
                                found["token_endpoint"], found["jwks_uri"],
                                found.get("end_session_endpoint"))
        except (KeyError, TypeError):
            raise ProviderDown("the discovery document lacks an endpoint") from None
        if metadata.issuer != provider.issuer:
            raise ProviderDown("the discovery document names another issuer")
        self._metadata[provider.issuer] = (metadata, time.monotonic() + METADATA_SECONDS)
        return metadata

    def authorization_url(self, provider: IdentityProvider, redirect_uri: str,
                          flow: Flow) -> str:
        """Where the browser signs in: the code flow with PKCE (S256), state and nonce."""
        session = OAuth2Session(provider.client_id, scope=provider.scope,
                                redirect_uri=redirect_uri, code_challenge_method="S256")
        url, _state = session.create_authorization_url(
            self.metadata(provider).authorization_endpoint, state=flow.state,
            code_verifier=flow.verifier, nonce=flow.nonce)
        return str(url)

    def identity(self, provider: IdentityProvider, redirect_uri: str, code: str,
                 flow: Flow) -> Identity:
        """Trade the code for tokens and check the ID token; who signed in."""
        metadata = self.metadata(provider)
        session = OAuth2Session(provider.client_id, provider.secret(),
                                redirect_uri=redirect_uri,
                                token_endpoint_auth_method="client_secret_basic")
        session.adapters = self.http.adapters  # one transport for every call to the provider
        try:
            tokens = session.fetch_token(metadata.token_endpoint, code=code,
                                         code_verifier=flow.verifier, timeout=self.timeout)
        except requests.RequestException:
            raise ProviderDown("the token endpoint did not answer") from None
        except Exception:  # authlib's OAuth errors: the provider refused the code
            raise Refused("code_refused") from None
        if not isinstance(tokens.get("id_token"), str):
            raise Refused("no_id_token")
        claims = self._checked(provider, metadata, tokens["id_token"], flow.nonce)
        groups = claims.get(provider.groups_claim) or []
        return Identity(flow.network, str(claims["sub"]),
                        claims.get("email") if isinstance(claims.get("email"), str) else None,
                        tuple(g for g in groups if isinstance(g, str))
                        if isinstance(groups, list) else ())

    def end_session_url(self, provider: IdentityProvider, after: str) -> str | None:
        """Where the browser signs out at the provider too (RP-initiated logout), or None."""
        try:
            endpoint = self.metadata(provider).end_session_endpoint
        except ProviderDown:
            return None
        if endpoint is None:
            return None
        query = urlencode({"client_id": provider.client_id, "post_logout_redirect_uri": after})
        return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"

    def _checked(self, provider: IdentityProvider, metadata: Metadata, id_token: str,
                 nonce: str) -> dict[str, Any]:
        try:
            token = jwt.decode(id_token, self._keyset(metadata), algorithms=ALGORITHMS)
        except JoseError:  # perhaps the provider rolled its keys: read them again, once
            try:
                token = jwt.decode(id_token, self._keyset(metadata, fresh=True),
                                   algorithms=ALGORITHMS)
            except JoseError:
                raise Refused("bad_signature") from None
        # checked one by one, in this order, so the trail names the first claim that fails
        expected: list[tuple[str, ClaimsOption]] = [
            ("iss", {"essential": True, "value": metadata.issuer}),
            ("aud", {"essential": True, "value": provider.client_id}),
            ("sub", {"essential": True}), ("exp", {"essential": True}),
            ("iat", {"essential": True}), ("nonce", {"essential": True, "value": nonce})]
        for claim, option in expected:
            registry = JWTClaimsRegistry(leeway=self.leeway)
            registry.options[claim] = option
            try:
                registry.validate(token.claims)
            except ExpiredTokenError:
                raise Refused("expired_token") from None
            except ClaimError:
                raise Refused({"aud": "wrong_audience", "nonce": "nonce_mismatch",
                               "iss": "wrong_issuer"}.get(claim, "invalid_token")) from None
        audiences = token.claims["aud"]
        if isinstance(audiences, list) and len(audiences) > 1 and \
                token.claims.get("azp") != provider.client_id:
            raise Refused("wrong_audience")  # OpenID Connect Core 3.1.3.7, steps 4 and 5
        return dict(token.claims)

    def _keyset(self, metadata: Metadata, fresh: bool = False) -> KeySet:
        if fresh or metadata.jwks_uri not in self._keys:
            self._keys[metadata.jwks_uri] = KeySet.import_key_set(self._get(metadata.jwks_uri))
        return self._keys[metadata.jwks_uri]

    def _get(self, url: str) -> Any:
        try:
            answer = self.http.get(url, timeout=self.timeout)
            answer.raise_for_status()
            return answer.json()
        except (requests.RequestException, ValueError):
            raise ProviderDown(f"no answer from {url.split('?')[0]}") from None
