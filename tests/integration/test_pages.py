"""The pages' sign-in, CSRF and confidentiality rules, on SQLite and PostgreSQL (the browser
tests in tests/e2e drive the same pages through each role's work)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from exchange.persistence.database import UnitOfWork
from exchange.persistence.rows import AuditRow, RoundRow, TokenRow, WebSessionRow
from exchange.services.users import digest, revoke_token
from tests.integration.service import Service, small_network

CSRF = re.compile(r'name="_csrf" value="([^"]+)"')


@pytest.fixture
def service(database_url):
    with Service(database_url, small_network()) as running:
        yield running


def browser(service: Service) -> TestClient:
    """A client with a cookie jar of its own, over HTTPS (the cookies are Secure)."""
    return TestClient(service.app, base_url="https://testserver", follow_redirects=False)


def sign_in(service: Service, municipality: str, role: str) -> TestClient:
    client = browser(service)
    form = client.get("/sign-in")
    nonce = re.search(r'name="nonce" value="([^"]+)"', form.text).group(1)
    answer = client.post("/sign-in", data={
        "token": service.tokens[(municipality, role)], "nonce": nonce, "next": "/app"})
    assert answer.status_code == 303, answer.text
    return client


def csrf_of(client: TestClient, path: str) -> str:
    return CSRF.search(client.get(path).text).group(1)


def audit_actions(service: Service) -> list[tuple[str, str, str]]:
    with UnitOfWork(service.app.state.database.sessions) as uow:
        return [(r.action, r.object_type, r.outcome)
                for r in uow.session.scalars(select(AuditRow).order_by(AuditRow.id))]


def test_signing_in_sets_a_locked_down_cookie_and_is_audited_either_way(service) -> None:
    client = browser(service)
    client.get("/sign-in")
    refused = client.post("/sign-in", data={"token": "exch_wrong", "nonce": client.cookies.get(
        "__Host-exchange-sign-in"), "next": "/app"})
    assert refused.status_code == 401 and "exch_wrong" not in refused.text
    signed = sign_in(service, "0126", "coordinator")
    start = signed.get("/app")  # each role's start page: what waits for her
    assert start.status_code == 200 and "Att göra" in start.text
    cookie = next(h for h in _set_cookies(service) if h.startswith("__Host-exchange-session="))
    for attribute in ("Secure", "HttpOnly", "SameSite=lax", "Path=/"):
        assert attribute in cookie
    assert ("sign_in", "session", "denied") in audit_actions(service)
    assert ("sign_in", "session", "ok") in audit_actions(service)


def _set_cookies(service: Service) -> list[str]:
    client = browser(service)
    nonce = re.search(r'name="nonce" value="([^"]+)"', client.get("/sign-in").text).group(1)
    answer = client.post("/sign-in", data={
        "token": service.tokens[("0126", "coordinator")], "nonce": nonce})
    return answer.headers.get_list("set-cookie")


def test_sign_in_needs_its_own_form_and_never_leads_off_site(service) -> None:
    client = browser(service)
    forged = client.post("/sign-in", data={"token": service.tokens[("0126", "coordinator")],
                                           "nonce": "guessed"})
    assert forged.status_code == 403
    nonce = re.search(r'name="nonce" value="([^"]+)"', client.get("/sign-in").text).group(1)
    answer = client.post("/sign-in", data={"token": service.tokens[("0126", "coordinator")],
                                           "nonce": nonce, "next": "//evil.example/x"})
    assert answer.headers["location"] == "/app"


def test_a_revoked_token_or_an_expired_session_signs_the_browser_out(service) -> None:
    client = sign_in(service, "0127", "case_worker")
    assert client.get("/app/cases").status_code == 200
    with UnitOfWork(service.app.state.database.sessions) as uow:
        revoke_token(uow, service.tokens[("0127", "case_worker")])
        uow.commit()
    assert client.get("/app/cases").headers["location"].startswith("/sign-in")

    other = sign_in(service, "0126", "case_worker")
    with UnitOfWork(service.app.state.database.sessions) as uow:
        uow.session.execute(update(WebSessionRow).values(
            expires_at=dt.datetime(2000, 1, 1)))
        uow.commit()
    assert other.get("/app/cases").headers["location"] == "/sign-in?next=/app/cases"


def test_a_form_without_its_sessions_csrf_token_changes_nothing(service) -> None:
    coordinator = sign_in(service, "0126", "coordinator")
    other = sign_in(service, "0127", "coordinator")
    foreign = csrf_of(other, "/app/rounds")
    for token in ("", "forged", foreign):
        refused = coordinator.post("/app/rounds", data={"period": "2026-12", "_csrf": token})
        assert refused.status_code == 403
    with UnitOfWork(service.app.state.database.sessions) as uow:
        assert uow.session.scalars(select(RoundRow)).all() == []
    opened = coordinator.post("/app/rounds", data={
        "period": "2026-12", "_csrf": csrf_of(coordinator, "/app/rounds")})
    assert opened.headers["location"] == "/app/rounds/sodertorn-2026-12"


def test_signing_out_ends_the_session_for_good(service) -> None:
    client = sign_in(service, "0127", "case_worker")
    kept = client.cookies.get("__Host-exchange-session")
    out = client.post("/sign-out", data={"_csrf": csrf_of(client, "/app/cases")})
    assert out.headers["location"] == "/sign-in?signed_out=1"
    replay = browser(service)
    replay.cookies.set("__Host-exchange-session", kept)
    assert replay.get("/app/cases").headers["location"].startswith("/sign-in")
    assert ("sign_out", "session", "ok") in audit_actions(service)


def test_pages_forbid_framing_outside_assets_and_caching(service) -> None:
    client = sign_in(service, "0127", "case_worker")
    headers = client.get("/app/cases").headers
    assert "default-src 'self'" in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["cache-control"] == "no-store"
    assert headers["x-content-type-options"] == "nosniff"


MARKS = ("59.123457", "59,1235", "17.654321", "17,6543", "43210", "43\u00a0210", "43 210")


def test_a_households_location_and_income_reach_only_its_own_case_workers_pages(service):
    """A case with marked danger zone and income: its case worker's page shows them; no page
    of the coordinator, a housing officer or another member's case worker does."""
    own = sign_in(service, "0127", "case_worker")
    csrf = csrf_of(own, "/app/cases/new")
    posted = own.post("/app/cases", data={
        "_csrf": csrf, "urgency": "acute", "waiting_since": "2025-01-01",
        "household.adults": "1", "rooms_min": "1", "rooms_max": "4", "max_rent_sek": "20000",
        "monthly_income_sek": "43210", "safety.danger_zones.0.lat": "59.123457",
        "safety.danger_zones.0.lon": "17.654321", "safety.danger_zones.0.pinned": "1",
        "safety.danger_zones.0.radius_km": "1"})
    assert posted.status_code == 303, posted.text
    case_page = own.get(posted.headers["location"]).text
    assert "43\u00a0210" in case_page and "utsatt på kartan, radie 1,0 km" in case_page
    edit = own.get(posted.headers["location"].split("?")[0] + "/edit").text
    assert "59.123457" in edit  # the pin, as the case worker left it

    case_id = posted.headers["location"].split("/")[-1].split("?")[0]
    worker = service.as_("0127", "case_worker")
    version = worker.get(f"/cases/{case_id}").json()["version"]
    assert worker.post(f"/cases/{case_id}/consent", json={
        "version": version, "given": "2026-11-02", "scope": ["network"]}).status_code == 200
    coordinator = sign_in(service, "0126", "coordinator")
    token = csrf_of(coordinator, "/app/rounds")
    for step in ("", "/sodertorn-2026-12/solve"):
        answer = coordinator.post(f"/app/rounds{step}", data={"period": "2026-12", "_csrf": token})
        assert answer.status_code == 303
    api = service.as_("0126", "coordinator")
    solved = service.solved(api, "sodertorn-2026-12")
    published = coordinator.post("/app/rounds/sodertorn-2026-12/publish",
                                 data={"_csrf": token, "version": solved["version"]})
    assert published.status_code == 303
    proposed = [p for p in api.get("/proposals", params={"limit": 200}).json()["items"]
                if p["case"] == case_id]
    assert proposed and proposed[0]["published"]  # so the pages below do show its proposal
    receiving = proposed[0]["receiving"]
    pages = {coordinator: ["/app/network", "/app/rounds", "/app/rounds/sodertorn-2026-12"]}
    officer = sign_in(service, receiving, "housing_officer")
    pages[officer] = ["/app/units", "/app/proposals"]
    assert proposed[0]["id"] in officer.get("/app/proposals").text
    pages[sign_in(service, "0126", "case_worker")] = ["/app/cases", "/app/proposals"]
    assert proposed[0]["id"] in own.get("/app/proposals").text
    for client, paths in pages.items():
        for path in paths:
            answer = client.get(path)
            assert answer.status_code == 200, path
            assert not [m for m in MARKS if m in answer.text], path


def test_hand_made_requests_get_a_page_that_says_what_went_wrong(service) -> None:
    client = sign_in(service, "0127", "case_worker")
    assert client.get("/app/cases", params={"offset": "many"}).status_code == 400
    no_token = browser(service)
    no_token.get("/sign-in")
    answer = no_token.post("/sign-in", data={"nonce": no_token.cookies.get(
        "__Host-exchange-sign-in")})
    assert answer.status_code == 400 and "<h1>" in answer.text
    missing = client.get("/app/cases/case-does-not-exist")
    assert missing.status_code == 404 and "Hittades inte" in missing.text


def test_failed_sign_ins_are_limited_per_address_but_a_right_token_always_gets_in(service):
    """Five wrong tokens from one address: the sixth wrong one waits (pages and API share the
    count), and a right token from the same address is let in at once."""
    client = browser(service)

    def attempt(token: str):
        client.get("/sign-in")
        return client.post("/sign-in", data={
            "token": token, "nonce": client.cookies.get("__Host-exchange-sign-in")})

    for _ in range(5):
        assert attempt("exch_guess").status_code == 401
    refused = attempt("exch_guess")
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
    assert "För många misslyckade inloggningar" in refused.text
    api = service.client.get("/me", headers={"Authorization": "Bearer exch_guess"})
    assert api.status_code == 429  # the same address, the same count
    assert attempt(service.tokens[("0126", "coordinator")]).status_code == 303
    right = service.client.get("/me", headers={
        "Authorization": f"Bearer {service.tokens[('0127', 'case_worker')]}"})
    assert right.status_code == 200


def test_an_expired_token_neither_calls_the_api_nor_signs_in(service) -> None:
    token = service.tokens[("0127", "case_worker")]
    with UnitOfWork(service.app.state.database.sessions) as uow:
        uow.session.execute(update(TokenRow).where(TokenRow.digest == digest(token)).values(
            expires_at=dt.datetime(2000, 1, 1)))
        uow.commit()
    assert service.as_("0127", "case_worker").get("/me").status_code == 401
    client = browser(service)
    client.get("/sign-in")
    refused = client.post("/sign-in", data={"token": token, "nonce": client.cookies.get(
        "__Host-exchange-sign-in")})
    assert refused.status_code == 401


@pytest.mark.parametrize(("role", "path"), [
    ("coordinator", "/app/cases"), ("coordinator", "/app/proposals"),
    ("coordinator", "/app/units/new"), ("housing_officer", "/app/cases/new"),
    ("case_worker", "/app/units"), ("case_worker", "/app/rounds"),
    ("housing_officer", "/app/network"), ("case_worker", "/app/health"),
    ("auditor", "/app/health")])
def test_a_page_of_another_role_is_refused_and_audited(service, role, path) -> None:
    client = sign_in(service, "0126", role)
    answer = client.get(path)
    assert answer.status_code == 403 and "Inte för din roll" in answer.text
    assert audit_actions(service)[-1][2] == "denied"


def test_a_forged_form_is_audited(service) -> None:
    client = sign_in(service, "0126", "coordinator")
    client.post("/app/rounds", data={"period": "2026-12", "_csrf": "forged"})
    assert ("forged_form", "page", "denied") in audit_actions(service)


#: Every page route that takes an object's id, and the object kind it takes; a new page route
#: with an id must be added here, or the test below fails.
PAGE_ID_ROUTES = {
    ("GET", "/app/rounds/{round_id}"): "round", ("GET", "/app/rounds/{round_id}/progress"): "round",
    ("POST", "/app/rounds/{round_id}/solve"): "round",
    ("POST", "/app/rounds/{round_id}/cancel"): "round",
    ("POST", "/app/rounds/{round_id}/publish"): "round",
    ("POST", "/app/rounds/{round_id}/close"): "round",
    ("GET", "/app/rounds/{round_id}/publish"): "round",
    ("GET", "/app/rounds/{round_id}/close"): "round",
    ("GET", "/app/units/{unit_id}"): "unit", ("GET", "/app/units/{unit_id}/edit"): "unit",
    ("POST", "/app/units/{unit_id}"): "unit",
    ("POST", "/app/units/{unit_id}/publish"): "unit",
    ("POST", "/app/units/{unit_id}/withdraw"): "unit",
    ("GET", "/app/cases/{case_id}"): "case", ("GET", "/app/cases/{case_id}/edit"): "case",
    ("POST", "/app/cases/{case_id}"): "case", ("POST", "/app/cases/{case_id}/withdraw"): "case",
    ("GET", "/app/proposals/{proposal_id}/accept"): "proposal",
    ("POST", "/app/proposals/{proposal_id}/accept"): "proposal",
    ("POST", "/app/proposals/{proposal_id}/undo-accept"): "proposal",
    ("GET", "/app/proposals/{proposal_id}/confirm"): "proposal",
    ("POST", "/app/proposals/{proposal_id}/decline"): "proposal",
    ("POST", "/app/proposals/{proposal_id}/confirm"): "proposal",
    ("POST", "/app/proposals/{proposal_id}/lapse"): "proposal",
    ("POST", "/app/cases/{case_id}/consent"): "case",
    ("POST", "/app/cases/{case_id}/consent/withdraw"): "case",
    ("GET", "/app/moves/{proposal_id}"): "proposal",
    ("POST", "/app/moves/{proposal_id}/tasks/{task_id}"): "proposal",
    ("POST", "/app/moves/{proposal_id}/moved-in"): "proposal",
    ("POST", "/app/moves/{proposal_id}/fall-through"): "proposal",
    ("GET", "/app/people/{person_id}/remove"): "person",
    ("POST", "/app/people/{person_id}/remove"): "person",
    ("POST", "/app/schools/{school_id}"): "school",
}
HOMES = {"coordinator": "/app/network", "housing_officer": "/app/units",
         "case_worker": "/app/cases", "auditor": "/app/audit"}


def flat_routes(routes, prefix: str = ""):
    """(method, path) of every route, through the routers FastAPI nests on inclusion."""
    for route in routes:
        if hasattr(route, "original_router"):
            yield from flat_routes(route.original_router.routes,
                                   prefix + route.include_context.prefix)
        elif hasattr(route, "methods"):
            yield from ((method, prefix + route.path) for method in route.methods)


def test_every_page_with_an_id_refuses_people_of_another_member_or_network(database_url):
    from tests.integration.service import other_network

    with Service(database_url, small_network(), other_network()) as service:
        coordinator = service.as_("0126", "coordinator")
        round_id = coordinator.post("/rounds", json={"period": "2026-12"}).json()["id"]
        coordinator.post(f"/rounds/{round_id}/solve")
        solved = service.solved(coordinator, round_id)
        coordinator.post(f"/rounds/{round_id}/publish", json={"version": solved["version"]})
        owned = next(p for p in coordinator.get("/proposals", params={"limit": 200}).json()[
            "items"] if p["sending"] == "0127" and p["receiving"] != "0126")
        person = next(p for p in coordinator.get("/people").json()["items"]
                      if p["municipality"] == "0127")
        school = coordinator.get("/schools", params={"municipality": "0127"}).json()["items"][0]
        ids = {"round": round_id, "case": owned["case"], "proposal": owned["id"],
               "unit": owned["unit"], "person": str(person["id"]), "school": school["id"]}
        routes = {(method, path) for method, path in flat_routes(service.app.routes)
                  if path.startswith("/app") and "{" in path}
        assert routes == set(PAGE_ID_ROUTES)  # a new page with an id needs its entry above
        people = [("1280", role) for role in HOMES]
        people += [("0126", role) for role in HOMES if role != "coordinator"]
        for code, role in people:
            client = sign_in(service, code, role)
            csrf = csrf_of(client, HOMES[role])
            for (method, path), kind in PAGE_ID_ROUTES.items():
                if code == "0126" and kind == "round":
                    continue  # the round is her network's: her coordinator's, not hers
                url = re.sub(r"{\w+}", ids[kind], path)
                answer = client.request(method, url, data={
                    "_csrf": csrf, "version": "1", "reason": "location"} if method == "POST"
                    else None)
                assert answer.status_code in (403, 404), (code, role, method, path)
                shown = f"people/{ids[kind]}" if kind == "person" else ids[kind]  # a number
                assert shown not in answer.text, (code, role, method, path)


def test_the_address_of_the_service_leads_to_the_pages(service) -> None:
    assert browser(service).get("/").headers["location"] == "/app"


def test_failed_page_sign_ins_are_in_a_trail_an_auditor_reads(service) -> None:
    """Probe finding: failed sign-ins on the pages went to a chain no auditor could read."""
    client = browser(service)
    client.get("/sign-in")
    refused = client.post("/sign-in", data={"token": "exch_wrong", "nonce": client.cookies.get(
        "__Host-exchange-sign-in")})
    assert refused.status_code == 401
    auditor = sign_in(service, "0126", "auditor")
    page = auditor.get("/app/audit", params={"trail": "service"})
    assert page.status_code == 200 and "inloggning" in page.text and "nekat" in page.text
