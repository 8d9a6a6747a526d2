"""Daily use through the API: places that make sense, names people use, what waits for each
person, rounds that show their whole result, and answers that can be taken back."""

from __future__ import annotations

import datetime as dt

import pytest

from exchange.data import municipalities
from tests.integration.lived import MARKED, marked_in, post_marked_case
from tests.integration.service import Service, small_network, unit_body

COORDINATOR = ("0126", "coordinator")


@pytest.fixture
def service(database_url):
    with Service(database_url, small_network()) as running:
        yield running


def solved_round(service) -> dict:
    coordinator = service.as_(*COORDINATOR)
    round_id = coordinator.post("/rounds", json={"period": "2026-12"}).json()["id"]
    assert coordinator.post(f"/rounds/{round_id}/solve").status_code == 202
    return service.solved(coordinator, round_id)


def publish(service, round_: dict) -> list[dict]:
    coordinator = service.as_(*COORDINATOR)
    coordinator.post(f"/rounds/{round_['id']}/publish", json={"version": round_["version"]})
    return coordinator.get("/proposals", params={"round": round_["id"], "limit": 200,
                                                 "status": "proposed"}).json()["items"]


@pytest.mark.parametrize(("change", "path", "words"), [
    ({"lat": municipalities()["1280"].lat, "lon": municipalities()["1280"].lon}, "lat",
     "km from every place"),  # a unit in Huddinge at Malmö's coordinates
    ({"available_from": "2027-03-01", "pledged_until": "2027-02-01"}, "pledged_until",
     "before the unit is free"),
    ({"pledged_until": "2020-01-01"}, "pledged_until", "in the past"),
])
def test_an_implausible_unit_is_refused_at_its_field(service, change, path, words):
    officer = service.as_("0126", "housing_officer")
    before = officer.get("/units").json()["total"]
    answer = officer.post("/units", json=unit_body("0126", **change))
    assert answer.status_code == 422, answer.text
    problem = answer.json()["errors"][0]
    assert problem["path"] == path and words in problem["message"]
    assert officer.get("/units").json()["total"] == before  # nothing half-saved


def test_a_unit_nearer_another_municipalitys_places_is_saved_once_confirmed(service):
    salem = municipalities()["0128"]  # Salem borders Huddinge's neighbours, not Huddinge
    body = unit_body("0126", lat=salem.lat, lon=salem.lon)
    officer = service.as_("0126", "housing_officer")
    refused = officer.post("/units", json=body)
    assert refused.status_code == 422 and "nearer another" in refused.json()["errors"][0][
        "message"]
    assert officer.post("/units", json={**body, "place_confirmed": True}).status_code == 201


def test_a_units_address_reaches_its_housing_officer_and_the_proposed_households_case_worker(
        service):
    officer = service.as_("0126", "housing_officer")
    address = {"street": "Flemingsbergsvägen 3", "postcode": "141 52", "floor": 2,
               "landlord": "Huddingehem", "object_number": "4711-88"}
    unit = officer.post("/units", json=unit_body("0126", address=address)).json()
    assert officer.get(f"/units/{unit['id']}").json()["address"] == address
    seen = service.as_("0126", "coordinator").get(f"/units/{unit['id']}").json()
    assert "address" not in seen and "Flemingsbergsvägen" not in str(seen)
    assert service.as_("0127", "housing_officer").get(f"/units/{unit['id']}").status_code == 404
    proposals = publish(service, solved_round(service))
    offered = next((p for p in proposals if p["unit"] == unit["id"]), None)
    if offered is not None:  # the case worker of a household proposed for it sees it
        worker = service.as_(offered["sending"], "case_worker")
        assert worker.get(f"/proposals/{offered['id']}").json()["unit"]["address"] == address


def test_a_cases_own_reference_is_sealed_and_seen_by_its_case_workers_only(service):
    worker = service.as_("0127", "case_worker")
    posted = worker.post("/cases", json={**MARKED, "reference": "BOT-2026-4471"}).json()
    assert posted["reference"] == "BOT-2026-4471"
    found = worker.get("/cases", params={"q": "4471"}).json()
    assert [c["id"] for c in found["items"]] == [posted["id"]]
    coordinator = service.as_(*COORDINATOR)
    assert "BOT-2026-4471" not in coordinator.get(f"/cases/{posted['id']}").text
    assert coordinator.get("/cases", params={"q": "4471"}).json()["total"] == 0


def test_lists_are_filtered_sorted_and_paged(service):
    worker = service.as_("0127", "case_worker")
    acute = worker.get("/cases", params={"urgency": "acute", "sort": "waiting"}).json()
    waiting = [c["waiting_since"] for c in acute["items"]]
    assert acute["total"] > 0 and waiting == sorted(waiting)
    assert {c["urgency"] for c in acute["items"]} == {"acute"}
    newest = worker.get("/cases", params={"sort": "waiting", "order": "desc", "limit": 2})
    assert [c["waiting_since"] for c in newest.json()["items"]] == sorted(
        [c["waiting_since"] for c in newest.json()["items"]], reverse=True)
    assert worker.get("/cases", params={"sort": "DROP TABLE"}).status_code == 422


RANK = {"acute": 0, "high": 1, "normal": 2}
#: (path, who, sort key, what the key orders by as the list shows it)
ORDERS = [
    ("/cases", ("0127", "case_worker"), "urgency",
     lambda c: (RANK[c["urgency"]], c["waiting_since"])),
    ("/cases", COORDINATOR, "waiting", lambda c: c["waiting_since"]),
    ("/cases", COORDINATOR, "status", lambda c: c["status"]),
    ("/units", ("0127", "housing_officer"), "rooms", lambda u: u["rooms"]),
    ("/units", ("0127", "housing_officer"), "rent", lambda u: u["rent_sek"]),
    ("/units", COORDINATOR, "available", lambda u: u["available_from"] or ""),
    ("/units", ("0127", "housing_officer"), "pledge",
     lambda u: (u["pledged_until"] is None, u["pledged_until"] or "")),
]


@pytest.mark.parametrize(("path", "who", "key", "by"), ORDERS,
                         ids=[f"{p} {k}" for p, _, k, _ in ORDERS])
def test_every_order_a_list_offers_is_kept_across_its_pages(service, path, who, key, by):
    """The database orders and pages: each order holds over the whole list, both ways, and
    its pages together are the whole list, once each."""
    client = service.as_(*who)
    for order in ("asc", "desc"):
        whole = client.get(path, params={"sort": key, "order": order, "limit": 200}).json()
        keys = [by(item) for item in whole["items"]]
        assert len(keys) == whole["total"] > 3 and keys == sorted(keys, reverse=order == "desc")
        half = whole["total"] // 2
        pages = [client.get(path, params={"sort": key, "order": order, "limit": half,
                                          "offset": offset}).json()["items"]
                 for offset in range(0, whole["total"], half)]
        assert [i["id"] for p in pages for i in p] == [i["id"] for i in whole["items"]]


def test_a_solve_before_publishing_starts_afresh_and_the_round_shows_its_whole_result(
        service):
    """Probe finding: a second solve of an unpublished round kept the first solve's unseen
    proposals and placed only what remained; its progress reported just those."""
    first = solved_round(service)
    coordinator = service.as_(*COORDINATOR)
    assert coordinator.post(f"/rounds/{first['id']}/solve").status_code == 202
    again = service.solved(coordinator, first["id"])
    assert again["solves"] == 2 and again["placed"] == first["placed"]  # afresh, same answer
    live = coordinator.get("/proposals", params={"round": first["id"], "limit": 200}).json()
    assert live["total"] == sum(first["placed"].values())  # the unseen ones are gone


def test_after_publishing_a_solve_places_what_remains_and_the_round_counts_all(service):
    proposals = publish(service, solved_round(service))
    declined = proposals[0]
    worker = service.as_(declined["sending"], "case_worker")
    seen = worker.get(f"/proposals/{declined['id']}").json()
    worker.post(f"/proposals/{declined['id']}/decline",
                json={"version": seen["version"], "reason": "location"})
    coordinator = service.as_(*COORDINATOR)
    round_id = declined["round"]
    assert coordinator.post(f"/rounds/{round_id}/solve").status_code == 202
    again = service.solved(coordinator, round_id)
    live = coordinator.get("/proposals", params={"round": round_id, "limit": 200}).json()
    counted = sum(1 for p in live["items"] if p["status"] in ("proposed", "accepted"))
    assert sum(again["placed"].values()) == counted >= len(proposals) - 1


def test_closing_shows_the_moves_it_booked(service):
    proposals = publish(service, solved_round(service))
    moved = next(p for p in proposals if p["sending"] != p["receiving"])
    worker = service.as_(moved["sending"], "case_worker")
    seen = worker.get(f"/proposals/{moved['id']}").json()
    worker.post(f"/proposals/{moved['id']}/accept", json={"version": seen["version"]})
    officer = service.as_(moved["receiving"], "housing_officer")
    seen = officer.get(f"/proposals/{moved['id']}").json()
    officer.post(f"/proposals/{moved['id']}/confirm", json={"version": seen["version"]})
    coordinator = service.as_(*COORDINATOR)
    current = coordinator.get(f"/rounds/{moved['round']}").json()
    closed = coordinator.post(f"/rounds/{moved['round']}/close",
                              json={"version": current["version"]}).json()
    assert sum(closed["moved"].values()) == 1 and closed["status"] == "closed"


def test_an_accept_can_be_undone_until_the_contract_is_confirmed(service):
    proposal = publish(service, solved_round(service))[0]
    worker = service.as_(proposal["sending"], "case_worker")
    seen = worker.get(f"/proposals/{proposal['id']}").json()
    accepted = worker.post(f"/proposals/{proposal['id']}/accept",
                           json={"version": seen["version"]}).json()
    officer = service.as_(proposal["receiving"], "housing_officer")
    assert officer.get(f"/units/{proposal['unit']}").json()["status"] == "reserved"
    undone = worker.post(f"/proposals/{proposal['id']}/undo-accept",
                         json={"version": accepted["version"]}).json()
    assert undone["status"] == "proposed"
    assert officer.get(f"/units/{proposal['unit']}").json()["status"] == "proposed"
    again = worker.post(f"/proposals/{proposal['id']}/accept",
                        json={"version": undone["version"]}).json()
    seen = officer.get(f"/proposals/{proposal['id']}").json()
    officer.post(f"/proposals/{proposal['id']}/confirm", json={"version": seen["version"]})
    late = worker.post(f"/proposals/{proposal['id']}/undo-accept",
                       json={"version": again["version"] + 1})
    assert late.status_code == 409  # the contract is signed: no taking back


def test_declining_as_other_takes_a_few_words_that_only_its_case_workers_see(service):
    proposal = publish(service, solved_round(service))[0]
    worker = service.as_(proposal["sending"], "case_worker")
    seen = worker.get(f"/proposals/{proposal['id']}").json()
    bare = worker.post(f"/proposals/{proposal['id']}/decline",
                       json={"version": seen["version"], "reason": "other"})
    assert bare.status_code == 422 and bare.json()["errors"][0]["path"] == "comment"
    declined = worker.post(f"/proposals/{proposal['id']}/decline", json={
        "version": seen["version"], "reason": "other", "comment": "Trappan är för brant"})
    assert declined.json()["decline_comment"] == "Trappan är för brant"
    for code, role in (COORDINATOR, (proposal["receiving"], "housing_officer")):
        assert "Trappan" not in service.as_(code, role).get(
            f"/proposals/{proposal['id']}").text


def test_each_role_finds_what_waits_for_her(service):
    """The start page's list, through the pages: a coordinator's round step, a case worker's
    proposals to answer, a housing officer's contracts to sign."""
    from tests.integration.test_pages import sign_in

    coordinator = sign_in(service, *COORDINATOR)
    assert "Ingen omgång är öppen" in coordinator.get("/app").text
    proposals = publish(service, solved_round(service))
    assert "är publicerad" in coordinator.get("/app").text
    proposal = proposals[0]
    worker = sign_in(service, proposal["sending"], "case_worker")
    api = service.as_(proposal["sending"], "case_worker")
    seen = api.get(f"/proposals/{proposal['id']}").json()
    left = (dt.date.fromisoformat(seen["answer_by"]) - dt.datetime.now(dt.UTC).date()).days
    start = worker.get("/app").text
    assert "Svara på ett bostadsförslag" in start and f"svar inom {left} dagar" in start
    api.post(f"/proposals/{proposal['id']}/accept", json={"version": seen["version"]})
    officer = sign_in(service, proposal["receiving"], "housing_officer")
    assert "skriv kontraktet" in officer.get("/app").text


def test_a_units_pledge_ending_soon_and_drafts_wait_for_its_housing_officer(service):
    from tests.integration.test_pages import sign_in

    officer = service.as_("0126", "housing_officer")
    soon = (dt.date.today() + dt.timedelta(days=10)).isoformat()
    assert officer.post("/units", json=unit_body("0126", pledged_until=soon,
                                                available_from=None)).status_code == 201
    officer.post("/units", params={"draft": "true"}, json=unit_body("0126"))
    page = sign_in(service, "0126", "housing_officer").get("/app").text
    assert "Löftet om" in page and "om 10 dagar" in page and "Utkastet" in page


def test_the_marked_case_stays_out_of_every_start_page_but_its_own(service):
    case_id = post_marked_case(service)
    from tests.integration.test_pages import sign_in

    publish(service, solved_round(service))
    for code, role in (COORDINATOR, ("0127", "housing_officer"), ("0126", "case_worker")):
        assert marked_in(sign_in(service, code, role).get("/app").text) == [], (code, role)
    assert case_id
