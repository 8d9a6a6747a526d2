"""The housing officer keeps her municipality's free school places on a page."""

from __future__ import annotations

import pytest

from tests.integration.service import Service, small_network
from tests.integration.test_pages import audit_actions, csrf_of, sign_in


@pytest.fixture
def service(database_url):
    with Service(database_url, small_network()) as running:
        yield running


def _school(service: Service, municipality: str) -> dict:
    return service.as_(municipality, "housing_officer").get(
        "/schools", params={"municipality": municipality}).json()["items"][0]


def test_a_housing_officer_sets_her_schools_free_places(service) -> None:
    officer = sign_in(service, "0127", "housing_officer")
    school = _school(service, "0127")
    listed = officer.get("/app/schools")
    assert listed.status_code == 200 and school["name"] in listed.text
    assert f'action="/app/schools/{school["id"]}"' in listed.text
    assert "/app/schools/" + _school(service, "0126")["id"] not in listed.text  # hers only
    saved = officer.post(f"/app/schools/{school['id']}", data={
        "_csrf": csrf_of(officer, "/app/schools"), "version": school["version"],
        "free_places.f3": "4", "free_places.preschool": "0", "free_places.y7_9": ""})
    assert saved.status_code == 303, saved.text
    assert saved.headers["location"] == f"/app/schools?done=school_places#{school['id']}"
    now = _school(service, "0127")
    assert now["free_places"] == {"f3": 4, "preschool": 0}  # an empty field: no free place
    assert now["version"] == school["version"] + 1
    assert ("update", "school", "ok") in audit_actions(service)


def test_a_wrong_number_is_shown_at_its_field_and_nothing_is_saved(service) -> None:
    officer = sign_in(service, "0127", "housing_officer")
    school = _school(service, "0127")
    refused = officer.post(f"/app/schools/{school['id']}", data={
        "_csrf": csrf_of(officer, "/app/schools"), "version": school["version"],
        "free_places.f3": "-2"})
    assert refused.status_code == 422
    assert 'id="' + school["id"] + '-f3-error"' in refused.text
    assert _school(service, "0127") == school
    stale = officer.post(f"/app/schools/{school['id']}", data={
        "_csrf": csrf_of(officer, "/app/schools"), "version": school["version"] + 5,
        "free_places.f3": "1"})
    assert stale.status_code == 409 and _school(service, "0127") == school


def test_only_a_housing_officer_keeps_school_places_and_only_her_own(service) -> None:
    assert sign_in(service, "0127", "case_worker").get("/app/schools").status_code == 403
    officer = sign_in(service, "0127", "housing_officer")
    other = _school(service, "0126")
    answer = officer.post(f"/app/schools/{other['id']}", data={
        "_csrf": csrf_of(officer, "/app/schools"), "version": other["version"],
        "free_places.f3": "9"})
    assert answer.status_code == 404 and _school(service, "0126") == other
