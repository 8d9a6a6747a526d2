"""The coordinator registers people on a page; everyone sets her own notice preferences."""

from __future__ import annotations

import pytest

from tests.integration.service import Service, small_network
from tests.integration.test_pages import audit_actions, csrf_of, sign_in


@pytest.fixture
def service(database_url):
    with Service(database_url, small_network()) as running:
        yield running


def test_the_coordinator_registers_a_person_by_e_mail_and_a_clash_is_refused(service) -> None:
    client = sign_in(service, "0126", "coordinator")
    form = {"_csrf": csrf_of(client, "/app/people"), "name": "Anna Andersson",
            "email": "anna@huddinge.example", "role": "case_worker", "municipality": "0127",
            "language": "en"}
    done = client.post("/app/people", data=form)
    assert done.status_code == 303 and done.headers["location"] == "/app/people?done=registered"
    listed = client.get("/app/people").text
    assert "Anna Andersson" in listed and "anna@huddinge.example" in listed
    again = client.post("/app/people", data={**form, "email": "ANNA@huddinge.example"})
    assert again.status_code == 422 and "redan registrerad" in again.text
    bad = client.post("/app/people", data={**form, "email": "", "subject": ""})
    assert bad.status_code == 422
    assert ("register", "user", "ok") in audit_actions(service)
    people = service.as_("0126", "coordinator").get("/people").json()["items"]
    anna = next(p for p in people if p["name"] == "Anna Andersson")
    assert (anna["role"], anna["municipality"], anna["language"]) == ("case_worker", "0127",
                                                                      "en")


def test_only_the_coordinator_registers_and_only_in_her_network(service) -> None:
    worker = sign_in(service, "0126", "case_worker")
    assert worker.get("/app/people").status_code == 403
    refused = service.as_("0126", "housing_officer").post("/people", json={
        "name": "X", "role": "coordinator", "municipality": "0126", "email": "x@y.example"})
    assert refused.status_code == 403
    outside = service.as_("0126", "coordinator").post("/people", json={
        "name": "X", "role": "case_worker", "municipality": "1280", "email": "x@y.example"})
    assert outside.status_code == 404  # not a member of her network


def test_a_person_turns_notices_off_and_chooses_english(service) -> None:
    client = sign_in(service, "0127", "housing_officer")
    page = client.get("/app/preferences")
    assert "housing-officer.0127@sodertorn.example" in page.text
    saved = client.post("/app/preferences", data={
        "_csrf": csrf_of(client, "/app/preferences"), "language": "en"})  # box unticked
    assert saved.status_code == 303
    me = service.as_("0127", "housing_officer").get("/me/preferences").json()
    assert (me["language"], me["notices"]) == ("en", False)


def _person(service: Service, email: str) -> dict:
    people = service.as_("0126", "coordinator").get("/people", params={"limit": 200}).json()
    return next(p for p in people["items"] if p["email"] == email)


def test_a_person_who_leaves_is_removed_after_a_question_and_signed_out_at_once(service) -> None:
    officer = sign_in(service, "0127", "housing_officer")
    assert officer.get("/app/units").status_code == 200
    coordinator = sign_in(service, "0126", "coordinator")
    person = _person(service, "housing-officer.0127@sodertorn.example")
    listed = coordinator.get("/app/people").text
    assert f'href="/app/people/{person["id"]}/remove"' in listed
    me = _person(service, "coordinator.0126@sodertorn.example")
    assert f'href="/app/people/{me["id"]}/remove"' not in listed  # never herself
    question = coordinator.get(f"/app/people/{person['id']}/remove")
    assert question.status_code == 200 and "Ta bort åtkomsten" in question.text
    assert _person(service, person["email"])["removed_at"] is None  # asking changed nothing
    done = coordinator.post(f"/app/people/{person['id']}/remove",
                            data={"_csrf": csrf_of(coordinator, "/app/people")})
    assert done.status_code == 303 and done.headers["location"] == "/app/people?done=removed"
    assert officer.get("/app/units").status_code == 303  # her page session is over
    assert service.as_("0127", "housing_officer").get("/units").status_code == 401  # her token
    assert "Borttagen" in coordinator.get("/app/people").text
    assert _person(service, person["email"])["removed_at"] is not None
    assert ("remove", "user", "ok") in audit_actions(service)


def test_removal_is_the_coordinators_in_her_own_network_and_never_of_herself(service) -> None:
    worker = _person(service, "case-worker.0126@sodertorn.example")
    assert service.as_("0126", "case_worker").post(
        f"/people/{worker['id']}/remove").status_code == 403
    me = _person(service, "coordinator.0126@sodertorn.example")
    assert service.as_("0126", "coordinator").post(f"/people/{me['id']}/remove").status_code == 409
    assert service.as_("0126", "coordinator").post("/people/999999/remove").status_code == 404
    assert service.as_("0126", "case_worker").get("/cases").status_code == 200  # still in


def test_a_removed_person_registered_again_is_the_same_person_with_her_new_role(service) -> None:
    coordinator = service.as_("0126", "coordinator")
    worker = _person(service, "case-worker.0126@sodertorn.example")
    assert coordinator.post(f"/people/{worker['id']}/remove").status_code == 200
    again = coordinator.post("/people", json={
        "name": "Åsa", "role": "housing_officer", "municipality": "0127",
        "email": worker["email"].upper()})
    assert again.status_code == 201, again.text
    back = again.json()
    assert (back["id"], back["role"], back["removed_at"]) == (worker["id"], "housing_officer",
                                                              None)
    clash = coordinator.post("/people", json={
        "name": "Åsa", "role": "case_worker", "municipality": "0126", "email": worker["email"]})
    assert clash.status_code == 409  # registered now: a second one is refused
