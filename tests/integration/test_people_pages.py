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
