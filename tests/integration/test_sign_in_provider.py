"""Signing in through a real OpenID provider (oidc-provider on Node.js, started here): the code
flow with PKCE, state and nonce; registered people only; every bad answer refused with a page,
an audit entry and no session."""

from __future__ import annotations

import json
import re
import time

import httpx2 as httpx
import pytest
from requests.adapters import HTTPAdapter

from tests.integration.identity_provider import APP, IdentityProvider
from tests.integration.service import Service, small_network
from tests.integration.test_pages import audit_actions, browser, csrf_of

SESSION = "__Host-exchange-session"
ANNA = "anna@huddinge.test"


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    idp = IdentityProvider(tmp_path_factory.mktemp("oidc"),
                           groups={"berit": ["exchange-botkyrka-officers"]})
    yield idp
    idp.stop()


@pytest.fixture
def service(database_url, provider):
    group_roles = {"exchange-botkyrka-officers": "housing_officer@0127"}
    with Service(database_url, small_network(), oidc_leeway=0, oidc={
            "sodertorn": provider.settings(group_roles=group_roles,
                                           scope="openid email profile groups")}) as running:
        registered = running.as_("0126", "coordinator").post("/people", json={
            "name": "Anna", "role": "case_worker", "municipality": "0126", "email": ANNA})
        assert registered.status_code == 201, registered.text
        yield running


class TokenAnswer(HTTPAdapter):
    """The provider's real answer from its token endpoint, with another ID token put in (what
    a forged or replayed answer would carry), or held back for `delay` seconds."""

    def __init__(self, id_token: str | None = None, delay: float = 0.0) -> None:
        super().__init__()
        self.id_token, self.delay, self.seen = id_token, delay, []

    def send(self, request, **kwargs):  # type: ignore[no-untyped-def]
        response = super().send(request, **kwargs)
        body = response.json()
        self.seen.append(body.get("id_token"))
        if self.id_token:
            body["id_token"] = self.id_token
            response._content = json.dumps(body).encode()
        time.sleep(self.delay)
        return response


def answer_with(service: Service, provider: IdentityProvider, adapter: TokenAnswer) -> None:
    service.app.state.oidc.http.mount(f"{provider.issuer}/token", adapter)


def start(client, network: str = "sodertorn") -> str:
    """Press the provider's button: the authorization URL the browser is sent to."""
    answer = client.get(f"/sign-in/provider/{network}", params={"next": "/app/proposals"})
    assert answer.status_code == 303, answer.text
    return answer.headers["location"]


def sign_in(service, provider, login: str):
    """A whole sign-in through the provider; the browser and the callback's answer."""
    client = browser(service)
    callback = provider.authorize(start(client), login)
    return client, client.get(callback.removeprefix(APP))


def test_the_flow_uses_pkce_state_and_nonce(service, provider) -> None:
    url = httpx.URL(start(browser(service)))
    assert str(url).startswith(f"{provider.issuer}/auth")
    params = url.params
    assert params["code_challenge_method"] == "S256" and len(params["code_challenge"]) == 43
    assert len(params["state"]) >= 32 and len(params["nonce"]) >= 32
    assert params["client_id"] == "exchange" and "openid" in params["scope"].split()
    assert params["redirect_uri"] == f"{APP}/sign-in/callback"


def test_a_registered_person_signs_in_and_out_through_the_provider(service, provider) -> None:
    client, answer = sign_in(service, provider, ANNA.upper())  # the e-mail in any case
    assert answer.status_code == 303 and answer.headers["location"] == "/app/proposals"
    start = client.get("/app")  # her start page, a case worker's
    assert start.status_code == 200 and 'href="/app/cases"' in start.text
    assert ("sign_in", "identity", "ok") in audit_actions(service)
    signed_out = client.post("/sign-out", data={"_csrf": csrf_of(client, "/app/cases")})
    there = signed_out.headers["location"]
    assert there.startswith(f"{provider.issuer}/session/end") and "client_id=exchange" in there
    assert client.get("/app/cases").status_code == 303  # the session is over here at once
    with httpx.Client(timeout=10) as person:  # and at the provider, which sends her back
        confirm = person.get(there)
        xsrf = re.search(r'name="xsrf" value="([^"]+)"', confirm.text).group(1)
        back = person.post(f"{provider.issuer}/session/end/confirm",
                           data={"xsrf": xsrf, "logout": "yes"})
        assert back.headers["location"] == f"{APP}/sign-in?signed_out=1"
    assert ("sign_out", "session", "ok") in audit_actions(service)


def test_an_unregistered_person_gets_a_clear_page_an_audit_entry_and_no_access(service,
                                                                                provider):
    client, answer = sign_in(service, provider, "stranger@idp.test")
    assert answer.status_code == 403 and "Du är inte registrerad i bostadsutbytet" in answer.text
    assert "stranger" not in answer.text and SESSION not in client.cookies
    assert ("sign_in", "identity", "unregistered") in audit_actions(service)
    assert client.get("/app/cases").status_code == 303  # off to the sign-in page


def test_a_mapped_group_registers_its_member_at_her_first_sign_in(service, provider) -> None:
    client, answer = sign_in(service, provider, "berit")
    assert answer.status_code == 303
    start = client.get("/app")  # her start page, a housing officer's
    assert start.status_code == 200 and 'href="/app/units"' in start.text
    assert 'href="/app/cases"' not in start.text
    people = service.as_("0126", "coordinator").get("/people").json()["items"]
    berit = next(p for p in people if p["subject"] == "berit")
    assert (berit["role"], berit["municipality"]) == ("housing_officer", "0127")


def test_a_removed_person_is_let_in_by_neither_her_e_mail_nor_her_group(service, provider):
    client, _ = sign_in(service, provider, ANNA)
    assert client.get("/app").status_code == 200
    sign_in(service, provider, "berit")  # registered by her group
    coordinator = service.as_("0126", "coordinator")
    people = coordinator.get("/people").json()["items"]
    for person in people:
        if person["email"] == ANNA or person["subject"] == "berit":
            assert coordinator.post(f"/people/{person['id']}/remove").status_code == 200
    assert client.get("/app").status_code == 303  # her open session ended with her access
    for login in (ANNA, "berit"):
        again, answer = sign_in(service, provider, login)
        assert answer.status_code == 403 and SESSION not in again.cookies
    assert [o for a, k, o in audit_actions(service) if k == "identity"][-2:] == ["removed"] * 2
    assert len(coordinator.get("/people").json()["items"]) == len(people)  # nobody new


@pytest.mark.parametrize("swap", ["wrong_audience", "nonce_mismatch"])
def test_an_id_token_for_another_client_or_another_sign_in_is_refused(service, provider,
                                                                      swap) -> None:
    """A real ID token of this provider, issued to another client, or replayed from an earlier
    sign-in of the same person (its nonce was used), lets nobody in."""
    if swap == "wrong_audience":
        token = provider.id_token_for("elsewhere", ANNA)
    else:
        earlier = TokenAnswer()
        answer_with(service, provider, earlier)
        assert sign_in(service, provider, ANNA)[1].status_code == 303
        token = earlier.seen[-1]
    answer_with(service, provider, TokenAnswer(id_token=token))
    client, answer = sign_in(service, provider, ANNA)
    assert answer.status_code == 401 and "kunde inte bekräftas" in answer.text
    assert SESSION not in client.cookies
    assert ("sign_in", "identity", swap) in audit_actions(service), [
        a for a in audit_actions(service) if a[1] == "identity"]


def test_an_expired_id_token_is_refused(database_url, provider) -> None:
    with Service(database_url, small_network(), oidc_leeway=0,
                 oidc={"sodertorn": provider.settings("quick")}) as service:
        service.as_("0126", "coordinator").post("/people", json={
            "name": "Anna", "role": "case_worker", "municipality": "0126", "email": ANNA})
        answer_with(service, provider, TokenAnswer(delay=2.5))  # it lives one second
        client, answer = sign_in(service, provider, ANNA)
        assert answer.status_code == 401 and SESSION not in client.cookies
        assert ("sign_in", "identity", "expired_token") in audit_actions(service)


def test_a_state_mismatch_or_a_replayed_answer_signs_nobody_in(service, provider) -> None:
    client = browser(service)
    callback = provider.authorize(start(client), ANNA)
    forged = re.sub(r"state=[^&]+", "state=forged", callback)
    answer = client.get(forged.removeprefix(APP))
    assert answer.status_code == 400 and "Inloggningen har gått ut" in answer.text
    assert SESSION not in client.cookies
    # the sign-in under way was taken by the forged answer: the real one no longer works
    assert client.get(callback.removeprefix(APP)).status_code == 400
    assert ("sign_in", "identity", "state_mismatch") in audit_actions(service)
    other = browser(service)  # an answer replayed in another browser
    first, answer = sign_in(service, provider, ANNA)
    assert answer.status_code == 303
    replay = other.get(answer.request.url.raw_path.decode())
    assert replay.status_code == 400 and SESSION not in other.cookies


def test_a_provider_that_is_down_gets_a_clear_page_and_nothing_half_signed_in(service,
                                                                              provider):
    client = browser(service)
    url = start(client)
    callback = provider.authorize(url, ANNA)
    provider.stop()
    try:
        service.app.state.oidc._metadata.clear()  # nothing remembered of it either
        down = client.get(callback.removeprefix(APP))
        assert down.status_code == 503 and "Inloggningstjänsten svarar inte" in down.text
        assert SESSION not in client.cookies
        again = browser(service).get("/sign-in/provider/sodertorn")
        assert again.status_code == 503 and "Du är inte inloggad" in again.text
    finally:
        provider.start()
    assert ("sign_in", "identity", "provider_down") in audit_actions(service)
    assert sign_in(service, provider, ANNA)[1].status_code == 303  # back: she signs in


def test_token_sign_in_can_be_turned_off_for_the_pages(database_url, provider) -> None:
    with Service(database_url, small_network(), token_sign_in=False,
                 oidc={"sodertorn": provider.settings()}) as service:
        client = browser(service)
        form = client.get("/sign-in")
        assert "Logga in via Södertörn" in form.text and 'name="token"' not in form.text
        refused = client.post("/sign-in", data={
            "token": service.tokens[("0126", "coordinator")], "nonce": "x"})
        assert refused.status_code == 404
        assert service.as_("0126", "coordinator").get("/me").status_code == 200  # the API
