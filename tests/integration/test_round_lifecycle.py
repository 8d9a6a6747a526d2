"""A whole monthly round through the HTTP API, as the people in it would run it."""

from __future__ import annotations

import re
from collections import Counter
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from exchange.domain.verify import violations
from exchange.formats import load_round
from exchange.persistence.database import UnitOfWork
from exchange.persistence.rows import ProposalRow, UnitRow
from exchange.services import rounds
from exchange.services.rounds import claim_solve, replay, solves
from exchange.services.sealed import solve_result, solve_round_file
from exchange.services.solving import run_solve
from exchange.services.users import authenticate
from exchange.solver import SolveParams
from tests.integration.service import Service, small_network

COORDINATOR = ("0126", "coordinator")


@pytest.fixture
def service(database_url):
    with Service(database_url, small_network()) as running:
        yield running


def proposals_of(service, round_id):
    coordinator = service.as_(*COORDINATOR)
    return coordinator.get("/proposals", params={"round": round_id, "limit": 200}).json()["items"]


def open_and_solve(service):
    coordinator = service.as_(*COORDINATOR)
    opened = coordinator.post("/rounds", json={"period": "2026-12"})
    assert opened.status_code == 201, opened.json()
    round_id = opened.json()["id"]
    assert coordinator.post(f"/rounds/{round_id}/solve").status_code == 202
    solved = service.solved(coordinator, round_id)
    assert solved["status"] == "solved" and solved["solves"] == 1, solved
    assert re.search(r"; the worker's peak memory [1-9]\d* MB$", solved["progress"])
    return round_id, solved


def answer_as_case_worker(service, proposal, action, **body):
    case_worker = service.as_(proposal["sending"], "case_worker")
    mine = case_worker.get(f"/proposals/{proposal['id']}").json()
    answered = case_worker.post(f"/proposals/{proposal['id']}/{action}",
                                json={"version": mine["version"], **body})
    assert answered.status_code == 200, answered.json()
    return answered.json()


def test_open_solve_publish_answer_resolve_confirm_close(service, database_url):
    """The whole lifecycle: every step's effect on proposals, units, cases and the ledger."""
    coordinator = service.as_(*COORDINATOR)
    round_id, solved = open_and_solve(service)
    first = proposals_of(service, round_id)
    assert len(first) == sum(solved["placed"].values()) >= 3
    assert not any(p["published"] for p in first)
    case_worker = service.as_(first[0]["sending"], "case_worker")
    assert case_worker.get(f"/proposals/{first[0]['id']}").status_code == 404  # not published

    published = coordinator.post(f"/rounds/{round_id}/publish",
                                 json={"version": solved["version"]})
    assert published.json()["status"] == "published"
    accepted, declined = first[0], first[1]
    answer_as_case_worker(service, accepted, "accept")
    assert answer_as_case_worker(service, declined, "decline",
                                 reason="location")["status"] == "declined"

    assert coordinator.post(f"/rounds/{round_id}/solve").status_code == 202
    resolved = service.solved(coordinator, round_id)
    assert resolved["status"] == "solved" and resolved["solves"] == 2
    second = proposals_of(service, round_id)
    by_id = {p["id"]: p for p in second}
    assert by_id[accepted["id"]]["status"] == "accepted"  # kept fixed
    pairs = Counter((p["case"], p["unit"]) for p in second)
    assert pairs[(declined["case"], declined["unit"])] == 1  # the declined one, never again
    assert len({p["case"] for p in second if p["status"] != "declined"}) == len(
        [p for p in second if p["status"] != "declined"])  # one live proposal per case at most

    coordinator.post(f"/rounds/{round_id}/publish", json={"version": resolved["version"]})
    officer = service.as_(accepted["receiving"], "housing_officer")
    seen = officer.get(f"/proposals/{accepted['id']}").json()
    confirmed = officer.post(f"/proposals/{accepted['id']}/confirm",
                             json={"version": seen["version"]})
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"

    before = {b["municipality"]: b["balance"] for b in coordinator.get("/ledger").json()
              ["balances"]}
    current = coordinator.get(f"/rounds/{round_id}").json()
    closed = coordinator.post(f"/rounds/{round_id}/close", json={"version": current["version"]})
    assert closed.json()["status"] == "closed"
    ledger = coordinator.get("/ledger").json()
    moves = [e for e in ledger["entries"]["items"] if e["kind"] == "move"]
    assert [(m["receiving"], m["sending"]) for m in moves] == [
        (accepted["receiving"], accepted["sending"])]
    after = {b["municipality"]: b["balance"] for b in ledger["balances"]}
    assert after[accepted["receiving"]] == before[accepted["receiving"]] + 1
    assert after[accepted["sending"]] == before[accepted["sending"]] - 1

    final = Counter(p["status"] for p in proposals_of(service, round_id))
    assert set(final) == {"confirmed", "declined", "expired"} and final["confirmed"] == 1
    statuses = Counter(u["status"] for u in coordinator.get(
        "/units", params={"limit": 200}).json()["items"])
    assert statuses == {"let": 1, "available": sum(statuses.values()) - 1}
    cases = Counter(c["status"] for c in coordinator.get(
        "/cases", params={"limit": 200}).json()["items"])
    assert cases == {"housed": 1, "open": sum(cases.values()) - 1}


def test_every_stored_solve_keeps_the_rules_and_replays_to_the_same_proposals(service):
    """The stored round file is the exact input: re-solving it gives the stored proposals."""
    round_id, _ = open_and_solve(service)
    with UnitOfWork(service.app.state.database.sessions) as uow:
        stored = solves(uow, round_id)[-1]
        round_, result = load_round(solve_round_file(stored)), solve_result(stored)
        assert violations(round_, result, check_reasons=True) == []
        replayed = replay(uow, round_id)
    assert replayed.same and replayed.proposals == len(result.proposals)


def test_a_declined_household_keeps_its_place_and_is_offered_another_unit(service):
    """Declining is never penalised: the case goes back to the pool, open, with its waiting time
    and urgency untouched."""
    coordinator = service.as_(*COORDINATOR)
    round_id, solved = open_and_solve(service)
    coordinator.post(f"/rounds/{round_id}/publish", json={"version": solved["version"]})
    proposal = proposals_of(service, round_id)[0]
    case_worker = service.as_(proposal["sending"], "case_worker")
    before = case_worker.get(f"/cases/{proposal['case']}").json()
    answer_as_case_worker(service, proposal, "decline", reason="other",
                          comment="för långt från jobbet")
    after = case_worker.get(f"/cases/{proposal['case']}").json()
    assert after["status"] == "open"
    assert (after["urgency"], after["waiting_since"]) == (before["urgency"],
                                                          before["waiting_since"])


def test_a_case_changed_so_its_unit_is_no_longer_safe_loses_the_proposal(service):
    """A new danger zone around the proposed unit withdraws the proposal at once."""
    coordinator = service.as_(*COORDINATOR)
    round_id, solved = open_and_solve(service)
    coordinator.post(f"/rounds/{round_id}/publish", json={"version": solved["version"]})
    proposal = proposals_of(service, round_id)[0]
    case_worker = service.as_(proposal["sending"], "case_worker")
    offer = case_worker.get(f"/proposals/{proposal['id']}").json()["unit"]
    case = case_worker.get(f"/cases/{proposal['case']}").json()
    body = {k: v for k, v in case.items()
            if k not in ("id", "municipality", "status", "created_at", "updated_at", "consent",
                         "times")}
    body["safety"]["danger_zones"].append({"lat": offer["lat"], "lon": offer["lon"],
                                           "radius_km": 1.0})
    changed = case_worker.put(f"/cases/{proposal['case']}", json=body)
    assert changed.status_code == 200, changed.json()
    assert changed.json()["status"] == "open"
    assert case_worker.get(f"/proposals/{proposal['id']}").json()["status"] == "expired"
    officer = service.as_(proposal["receiving"], "housing_officer")
    assert officer.get(f"/units/{proposal['unit']}").json()["status"] == "available"


def test_a_case_made_unsafe_while_the_solver_runs_gets_no_proposal(service):
    """The solver judges the snapshot; a danger zone added meanwhile voids that case's proposal
    instead of storing one that breaks the rule."""
    coordinator = service.as_(*COORDINATOR)
    round_id = coordinator.post("/rounds", json={"period": "2026-12"}).json()["id"]
    database = service.app.state.database
    with database.unit_of_work() as uow:
        actor = authenticate(uow, service.tokens[COORDINATOR])
        job = claim_solve(uow, actor, round_id, service.app.state.solver)
    worker = service.as_("0127", "case_worker")
    changed = []
    for case in worker.get("/cases", params={"limit": 200}).json()["items"]:
        body = {k: v for k, v in case.items()
                if k not in ("id", "municipality", "status", "created_at", "updated_at", "consent",
                         "times")}
        body["safety"]["danger_zones"].append({"lat": 59.2, "lon": 17.9, "radius_km": 500.0})
        assert worker.put(f"/cases/{case['id']}", json=body).status_code == 200
        changed.append(case["id"])
    run_solve(database, job)
    solved = coordinator.get(f"/rounds/{round_id}").json()
    assert solved["status"] == "solved" and "changed during the solve" in solved["progress"]
    proposed = {p["case"] for p in proposals_of(service, round_id)}
    assert proposed and not proposed & set(changed)


def test_a_unit_withdrawn_or_a_school_changed_while_the_solver_runs_gets_no_proposal(service):
    """A unit withdrawn, or a school whose places changed, after the snapshot voids every
    proposal that uses it; the rest are stored, each case and unit proposed exactly once."""
    first, _ = open_and_solve(service)
    used = stored_proposals(service, first)
    unit = used[0].unit_id
    school = next(s["school"] for p in used for s in p.schools if s.get("school"))
    with service.app.state.database.unit_of_work() as uow:  # unpublished: solved afresh
        actor = authenticate(uow, service.tokens[COORDINATOR])
        job = claim_solve(uow, actor, first, service.app.state.solver)
    officer = service.as_(unit_municipality(service, unit), "housing_officer")
    version = officer.get(f"/units/{unit}").json()["version"]
    assert officer.post(f"/units/{unit}/withdraw", json={"version": version}).is_success
    owner = service.as_(school.split("-")[1], "housing_officer")
    held = owner.get(f"/schools/{school}").json()
    assert owner.put(f"/schools/{school}", json={"version": held["version"], "free_places": {
        stage: count + 1 for stage, count in held["free_places"].items()}}).is_success
    run_solve(service.app.state.database, job)
    solved = service.as_(*COORDINATOR).get(f"/rounds/{first}").json()
    assert solved["status"] == "solved" and "changed during the solve" in solved["progress"]
    stored = stored_proposals(service, first)
    assert stored and all(p.unit_id != unit for p in stored)
    assert not any(s.get("school") == school for p in stored for s in p.schools)
    assert len({p.case_id for p in stored}) == len({p.unit_id for p in stored}) == len(stored)


def stored_proposals(service, round_id) -> list[SimpleNamespace]:
    """The round's proposals as stored: case, unit and schools."""
    with service.app.state.database.unit_of_work() as uow:
        return [SimpleNamespace(case_id=p.case_id, unit_id=p.unit_id, schools=p.schools)
                for p in uow.session.scalars(select(ProposalRow).where(
                    ProposalRow.round_id == round_id, ProposalRow.status == "proposed"))]


def unit_municipality(service, unit_id: str) -> str:
    with service.app.state.database.unit_of_work() as uow:
        return uow.session.get_one(UnitRow, unit_id).municipality_code


def test_each_solve_keeps_its_parameters_and_replay_solves_with_them(database_url,
                                                                     monkeypatch):
    """One parameter object shapes a solve; it is stored with the solve, and `replay` reads it
    back rather than today's settings."""
    with Service(database_url, small_network(), solve_time_limit=37) as service:
        round_id, _ = open_and_solve(service)
        with service.app.state.database.unit_of_work() as uow:
            stored = solves(uow, round_id)[-1]
            assert stored.params == SolveParams(time_limit=37).as_json()
            given: list[SolveParams] = []
            real = rounds.solve
            monkeypatch.setattr(rounds, "solve", lambda r, p: given.append(p) or real(r, p))
            assert replay(uow, round_id).same
        assert given == [SolveParams(time_limit=37)]


def test_a_cancelled_solve_leaves_the_round_as_its_people_last_saw_it(service):
    """A solve of a solved round starts afresh (its unseen proposals go back to the pool), so
    cancelling it leaves an open round; one of a published round leaves it published, with
    every published proposal still there."""
    coordinator = service.as_(*COORDINATOR)
    round_id, _ = open_and_solve(service)

    def claim_and_cancel():
        with service.app.state.database.unit_of_work() as uow:
            claim_solve(uow, authenticate(uow, service.tokens[COORDINATOR]), round_id,
                        service.app.state.solver)  # claimed, never run: nothing races it
        cancelled = coordinator.post(f"/rounds/{round_id}/cancel")
        assert cancelled.status_code == 200, cancelled.json()
        return cancelled.json()

    assert claim_and_cancel()["status"] == "open" and proposals_of(service, round_id) == []
    assert coordinator.post(f"/rounds/{round_id}/solve").status_code == 202
    solved = service.solved(coordinator, round_id)
    coordinator.post(f"/rounds/{round_id}/publish", json={"version": solved["version"]})
    published = proposals_of(service, round_id)
    assert claim_and_cancel()["status"] == "published"
    assert proposals_of(service, round_id) == published
