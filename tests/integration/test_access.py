"""Who reaches what: 404 outside one's reach, 403 outside one's role, and exactly the fields each
role may see."""

from __future__ import annotations

import re

import pytest

from exchange.domain.lifecycle import Role
from exchange.services.access import REFUSED_ID
from exchange.services.users import revoke_token
from tests.integration.service import Service, other_network, small_network, unit_body

HOME, HOST = "0126", "0127"


@pytest.fixture
def world(database_url):
    """A solved and published round in Södertörn, and a second network (Skåne) beside it."""
    network = small_network()
    with Service(database_url, network, other_network()) as service:
        for member in (HOME, HOST):
            body = unit_body(member)
            assert service.as_(member, "housing_officer").post("/units", json=body).is_success
        coordinator = service.as_(HOME, "coordinator")
        round_id = coordinator.post("/rounds", json={"period": "2026-12"}).json()["id"]
        coordinator.post(f"/rounds/{round_id}/solve")
        solved = service.solved(coordinator, round_id)
        coordinator.post(f"/rounds/{round_id}/publish", json={"version": solved["version"]})
        proposals = coordinator.get("/proposals", params={"limit": 200}).json()["items"]
        yield service, round_id, proposals


def ids_owned_by(service, proposals, round_id, municipality):
    """An id of each kind that belongs to `municipality` (or its network, for the round)."""
    case = next(p for p in proposals if p["sending"] == municipality)
    units = service.as_(municipality, "coordinator").get("/units", params={"limit": 200})
    unit = next(u for u in units.json()["items"] if u["municipality"] == municipality)
    school = service.as_(municipality, "coordinator").get(
        "/schools", params={"municipality": municipality}).json()["items"][0]
    person = next(p for p in service.as_(municipality, "coordinator").get(
        "/people", params={"limit": 200}).json()["items"] if p["municipality"] == municipality)
    return {"case_id": case["case"], "unit_id": unit["id"], "proposal_id": case["id"],
            "school_id": school["id"], "round_id": round_id, "person_id": str(person["id"])}


def id_routes(app):
    """Every (method, path) of the API that takes an object's id, from its route table."""
    for path, operations in app.openapi()["paths"].items():
        if "{" in path:
            for method in operations:
                yield method.upper(), path


def bodies():
    """A valid body for every route that takes an id; a new route must be added here."""
    network = small_network()
    case = network.cases[0].model_dump(mode="json", exclude={"id", "municipality",
                                                             "declined_units"})
    unit = network.units[0].model_dump(mode="json", exclude={"id", "municipality"})
    version = {"version": 1}
    return {
        ("GET", "/cases/{case_id}"): None, ("PUT", "/cases/{case_id}"): {**case, **version},
        ("POST", "/cases/{case_id}/withdraw"): version,
        ("POST", "/cases/{case_id}/consent"): {"given": "2026-11-02", "scope": ["network"],
                                               **version},
        ("POST", "/cases/{case_id}/consent/withdraw"): version,
        ("GET", "/units/{unit_id}"): None, ("PUT", "/units/{unit_id}"): {**unit, **version},
        ("POST", "/units/{unit_id}/publish"): version,
        ("POST", "/units/{unit_id}/withdraw"): version,
        ("GET", "/schools/{school_id}"): None,
        ("PUT", "/schools/{school_id}"): {"free_places": {"f3": 1}, **version},
        ("GET", "/rounds/{round_id}"): None, ("POST", "/rounds/{round_id}/solve"): None,
        ("POST", "/rounds/{round_id}/cancel"): None,
        ("POST", "/rounds/{round_id}/publish"): version,
        ("POST", "/rounds/{round_id}/close"): version,
        ("GET", "/proposals/{proposal_id}"): None,
        ("POST", "/proposals/{proposal_id}/accept"): version,
        ("POST", "/proposals/{proposal_id}/undo-accept"): version,
        ("POST", "/proposals/{proposal_id}/decline"): {"reason": "location", **version},
        ("POST", "/proposals/{proposal_id}/confirm"): version,
        ("POST", "/proposals/{proposal_id}/lapse"): version,
        ("POST", "/people/{person_id}/remove"): None,
        ("GET", "/moves/{proposal_id}"): None,
        ("PUT", "/moves/{proposal_id}/tasks/{task_id}"): {"status": "done", **version},
        ("POST", "/moves/{proposal_id}/moved-in"): {"day": "2026-12-01", **version},
        ("POST", "/moves/{proposal_id}/fall-through"): {"reason": "other", **version},
    }


def test_every_id_route_answers_404_to_a_user_of_another_municipality(world):
    """For every route taking an id and every role that has the function, an object of another
    member (or network) is as good as absent: 404, never 200 or 500; a role without the function
    gets 403."""
    service, round_id, proposals = world
    objects = ids_owned_by(service, proposals, round_id, HOME)
    mine = next(p for p in proposals if p["id"] == objects["proposal_id"])
    assert service.as_(HOME, "case_worker").post(  # so that its move checklist exists
        f"/proposals/{mine['id']}/accept", json={"version": mine["version"]}).is_success
    known = bodies()
    assert set(id_routes(service.app)) == set(known), "a route taking an id is not tested here"
    checked = 0
    for (method, path), body in known.items():
        name = re.search(r"{(\w+)}", path).group(1)
        for role in Role:
            network_wide = role is Role.COORDINATOR or name in ("school_id", "person_id")
            client = service.as_("1280" if network_wide else HOST, role)
            target = objects[name]
            if name == "proposal_id" and role is Role.HOUSING_OFFICER:
                target = next(p["id"] for p in proposals if p["receiving"] not in (HOST,))
            answer = client.request(method, path.replace("{" + name + "}", target), json=body)
            assert answer.status_code in (403, 404), (method, path, role, answer.json())
            if answer.status_code == 403:
                assert answer.json()["title"] == "Not allowed for your role"
            else:
                checked += 1
            assert not re.search(rf"\b{re.escape(target)}\b", answer.text)  # nor its id
    assert checked >= 20
    owners = {"case_id": (HOME, Role.CASE_WORKER), "unit_id": (HOME, Role.HOUSING_OFFICER),
              "proposal_id": (HOME, Role.CASE_WORKER), "school_id": (HOME, Role.CASE_WORKER),
              "round_id": (HOME, Role.COORDINATOR)}
    for (method, path), _ in known.items():  # the control: the owner does reach each object
        name = re.search(r"{(\w+)}", path).group(1)
        if method == "GET":
            url = path.replace("{" + name + "}", objects[name])
            assert service.as_(*owners[name]).get(url).status_code == 200, path
    school = objects["school_id"]
    edit = service.as_(HOST, "housing_officer").put(
        f"/schools/{school}", json={"version": 1, "free_places": {"f3": 9}})
    assert edit.status_code == 404  # another member's school: readable, never writable


def test_a_role_without_the_function_gets_403(world):
    service, *_ = world
    case = small_network().cases[0].model_dump(mode="json", exclude={
        "id", "municipality", "declined_units"})
    refused = service.as_(HOME, "auditor").post("/cases", json=case)
    assert refused.status_code == 403 and refused.json()["title"] == "Not allowed for your role"
    assert service.as_(HOME, "auditor").get("/cases").status_code == 403
    assert service.as_(HOME, "case_worker").get("/audit").status_code == 403
    assert service.as_(HOME, "housing_officer").post(
        "/rounds", json={"period": "2027-01"}).status_code == 403
    assert service.as_(HOME, "case_worker").get("/ledger").status_code == 403
    for role in ("case_worker", "housing_officer", "auditor"):
        assert service.as_(HOME, role).get("/network-health/figures").status_code == 403
    assert service.as_(HOME, "case_worker").get(
        "/network-health/report", params={"month": "2026-12"}).status_code == 403


def test_no_token_or_a_wrong_one_is_401(world):
    service, *_ = world
    assert service.client.get("/cases").status_code == 401
    wrong = service.client.get("/cases", headers={"Authorization": "Bearer exch_nope"})
    assert wrong.status_code == 401 and wrong.headers["www-authenticate"] == "Bearer"


DEADLINE = {"answer_by", "overdue"}  # when it must be answered: everyone who sees it
CASE_WORKER_PROPOSAL = {"id", "round", "status", "version", "case", "case_label", "unit", "schools",
                        "nearest_danger_km", "decline_reason", "decline_comment", "children",
                        "zones", *DEADLINE}
OFFICER_PROPOSAL = {"id", "round", "status", "version", "unit", "unit_label", "household",
                    *DEADLINE}
COORDINATOR_PROPOSAL = {"id", "round", "status", "version", "case", "unit", "sending",
                        "receiving", "published", "decline_reason", *DEADLINE}
PROFILE = {"reference", "adults", "children_stages", "step_free", "move_in_from"}
CASE_SUMMARY = {"id", "municipality", "status", "urgency", "waiting_since", "adults",
                "children_stages", "rooms_min", "rooms_max", "step_free", "consent_recorded"}


def test_each_role_sees_exactly_its_fields_of_a_proposal(world):
    """Only the case worker gets the unit's position and the danger distance; the housing officer
    gets a profile under a pseudonym (no case id, no origin); the coordinator ids and members."""
    service, _, proposals = world
    proposal = next(p for p in proposals if p["sending"] == HOME)
    seen = service.as_(HOME, "case_worker").get(f"/proposals/{proposal['id']}").json()
    assert set(seen) == CASE_WORKER_PROPOSAL and {"lat", "lon"} <= set(seen["unit"])
    officer = service.as_(proposal["receiving"], "housing_officer")
    profile = officer.get(f"/proposals/{proposal['id']}").json()
    assert set(profile) == OFFICER_PROPOSAL and set(profile["household"]) == PROFILE
    assert proposal["case"] not in str(profile) and HOME not in str(profile)
    coordinator = service.as_(HOME, "coordinator").get(f"/proposals/{proposal['id']}").json()
    assert set(coordinator) == COORDINATOR_PROPOSAL


def test_only_the_case_worker_sees_safety_income_and_kept_schools(world):
    service, _, proposals = world
    case_id = next(p["case"] for p in proposals if p["sending"] == HOME)
    whole = service.as_(HOME, "case_worker").get(f"/cases/{case_id}").json()
    assert {"safety", "monthly_income_sek", "income_support", "household"} <= set(whole)
    summary = service.as_(HOME, "coordinator").get(f"/cases/{case_id}").json()
    assert set(summary) == CASE_SUMMARY
    listed = service.as_(HOME, "coordinator").get("/cases").json()["items"]
    assert all(set(item) == CASE_SUMMARY for item in listed)
    for role in ("housing_officer", "auditor"):
        assert service.as_(HOME, role).get(f"/cases/{case_id}").status_code == 403


def test_the_coordinator_sees_units_without_position(world):
    service, round_id, proposals = world
    unit_id = ids_owned_by(service, proposals, round_id, HOST)["unit_id"]
    summary = service.as_(HOME, "coordinator").get(f"/units/{unit_id}").json()
    assert not {"lat", "lon", "district", "requirements"} & set(summary)
    whole = service.as_(HOST, "housing_officer").get(f"/units/{unit_id}").json()
    assert {"lat", "lon", "requirements", "version"} <= set(whole)


def test_the_audit_trail_records_reads_changes_and_denials(world):
    """Reads of cases and proposals, changes, and refusals, by whom, never with content."""
    service, _, proposals = world
    proposal = next(p for p in proposals if p["sending"] == HOME)
    service.as_(HOME, "case_worker").get(f"/cases/{proposal['case']}")
    service.as_(HOST, "case_worker").get(f"/cases/{proposal['case']}")
    auditor = service.as_(HOME, "auditor")
    trail = auditor.get("/audit", params={"object_id": proposal["case"], "limit": 200}).json()
    entries = {(e["role"], e["municipality"], e["action"], e["outcome"])
               for e in trail["items"]}
    assert ("case_worker", HOME, "read", "ok") in entries
    assert ("case_worker", HOST, "read", "denied") in entries
    assert ("case_worker", HOME, "create", "ok") in entries
    listed = auditor.get("/audit", params={"object_id": proposal["id"]}).json()["items"]
    assert ("coordinator", "read", "ok") in {(e["role"], e["action"], e["outcome"])
                                              for e in listed}  # the fixture's proposal list
    everything = auditor.get("/audit", params={"limit": 200}).json()["items"]
    assert {e["action"] for e in everything} >= {"open", "solve", "publish", "read"}
    assert set(everything[0]) == {"id", "at", "user_id", "role", "municipality", "action",
                                  "object_type", "object_id", "outcome", "seq", "previous_hash",
                                  "hash"}


def _trail(service, municipality, **params):
    auditor = service.as_(municipality, "auditor")
    return auditor.get("/audit", params={"limit": 200, **params}).json()["items"]


def test_a_denial_across_networks_tells_no_auditor_which_ids_exist(world):
    """Probe finding: a cross-network denial was filed only in the caller's chain, and the
    placeholder told an auditor which of another network's ids exist. Now the caller's trail
    holds one placeholder for every refused id, and the owner's trail the id itself."""
    service, round_id, _ = world
    outsider = service.as_("1280", "coordinator")  # Skåne
    assert outsider.get(f"/rounds/{round_id}").status_code == 404
    assert outsider.get("/rounds/sodertorn-2031-01").status_code == 404
    refused = [e for e in _trail(service, "1280") if e["outcome"] == "denied"]
    assert [e["object_id"] for e in refused[:2]] == [REFUSED_ID, REFUSED_ID]
    owners = _trail(service, HOME, object_id=round_id)
    assert ("coordinator", "1280", "read", "denied") in {
        (e["role"], e["municipality"], e["action"], e["outcome"]) for e in owners}
    assert not _trail(service, HOME, object_id="sodertorn-2031-01")  # nobody's: nowhere


def test_a_denial_inside_the_network_keeps_the_id_in_its_trail(world):
    service, _, proposals = world
    case = next(p for p in proposals if p["sending"] == HOME)["case"]
    assert service.as_(HOST, "case_worker").get(f"/cases/{case}").status_code == 404
    assert any(e["outcome"] == "denied" and e["municipality"] == HOST
               for e in _trail(service, HOME, object_id=case))


def test_tokens_that_let_nobody_in_are_audited(world):
    """Probe finding: API requests with unknown or expired tokens were audited nowhere, and
    failed page sign-ins went to a chain no auditor could read."""
    service, _, _ = world
    unknown = service.client.get("/me", headers={"Authorization": "Bearer exch_nobody"})
    assert unknown.status_code == 401
    token = service.tokens[(HOST, "case_worker")]
    with service.app.state.database.unit_of_work() as uow:
        revoke_token(uow, token)
    assert service.as_(HOST, "case_worker").get("/me").status_code == 401
    refused = {(e["action"], e["object_type"], e["outcome"])
               for e in _trail(service, "1280", trail="service")}  # any network's auditor
    assert ("authenticate", "token", "denied") in refused
    owner = [e for e in _trail(service, HOME) if e["action"] == "authenticate"]
    assert owner and owner[0]["outcome"] == "revoked" and owner[0]["object_type"] == "token"
    assert not any(e["action"] == "authenticate" for e in _trail(service, "1280"))
