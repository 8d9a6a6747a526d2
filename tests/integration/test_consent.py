"""The household's consent: a case enters a round only with a valid consent covering the
network's members; a consent that ends or is withdrawn ends the case's live proposals in one
transaction; its details reach the household's own case workers only."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select, update

from exchange.persistence.database import UnitOfWork
from exchange.persistence.rows import CaseRow, ProposalRow, RoundRow, now
from exchange.services import consent
from exchange.services.retention import expired
from exchange.services.rounds import solves
from exchange.services.sealed import solve_round_file
from tests.integration.service import Service, small_network
from tests.integration.test_pages import sign_in

OWN = "0127"
CASE = {"urgency": "acute", "waiting_since": "2024-01-01", "household": {"adults": 1},
        "rooms_min": 1, "rooms_max": 5, "max_rent_sek": 30000, "income_support": True}


def today(days: int = 0) -> str:
    return (now().date() + dt.timedelta(days=days)).isoformat()


@pytest.fixture
def service(database_url):
    with Service(database_url, small_network()) as service:
        yield service


def consent_to(worker, case: dict, **fields) -> dict:
    body = {"version": case["version"], "given": today(-1), "scope": ["network"], **fields}
    return worker.post(f"/cases/{case['id']}/consent", json=body)


def round_file_cases(service: Service, round_id: str) -> list[str]:
    """The case ids of the round's last solve's round file."""
    with UnitOfWork(service.app.state.database.sessions) as uow:
        text = solve_round_file(solves(uow, round_id)[-1])
    return [case["id"] for case in json.loads(text)["cases"]]


def test_a_case_without_valid_consent_is_left_out_of_the_round_and_said_so(service) -> None:
    worker, coordinator = service.as_(OWN, "case_worker"), service.as_("0126", "coordinator")
    bare = worker.post("/cases", json=CASE).json()
    assert bare["consent"] is None
    round_id = coordinator.post("/rounds", json={"period": "2026-12"}).json()["id"]
    assert coordinator.get(f"/rounds/{round_id}").json()["without_consent"] == 1
    round_page = sign_in(service, "0126", "coordinator").get(f"/app/rounds/{round_id}").text
    assert "utan giltigt samtycke, som inte kommer med i omgången: 1." in round_page
    coordinator.post(f"/rounds/{round_id}/solve")
    solved = service.solved(coordinator, round_id)
    assert solved["status"] == "solved"
    assert bare["id"] not in round_file_cases(service, round_id)
    assert len(round_file_cases(service, round_id)) == len(small_network().cases)
    given = consent_to(worker, bare)
    assert given.status_code == 200, given.text
    assert given.json()["consent"]["valid"] and given.json()["consent"]["scope"] == ["network"]
    assert coordinator.get(f"/rounds/{round_id}").json()["without_consent"] == 0
    coordinator.post(f"/rounds/{round_id}/solve")
    service.solved(coordinator, round_id)
    assert bare["id"] in round_file_cases(service, round_id)


def test_a_consent_for_landlords_only_does_not_enter_a_round(service) -> None:
    worker = service.as_(OWN, "case_worker")
    case = worker.post("/cases", json=CASE).json()
    landlords = consent_to(worker, case, scope=["landlords"]).json()
    assert landlords["consent"]["valid"] is False
    coordinator = service.as_("0126", "coordinator")
    assert coordinator.get(f"/cases/{case['id']}").json()["consent_recorded"] is False


@pytest.mark.parametrize(("fields", "path"), [
    ({"given": today(3)}, "given"),
    ({"given": today(-10), "until": today(-20)}, "until"),
    ({"given": today(-30), "until": today(-1)}, "until"),
])
def test_a_consent_ending_before_it_starts_or_in_the_past_is_refused_at_its_field(
        service, fields, path) -> None:
    worker = service.as_(OWN, "case_worker")
    case = worker.post("/cases", json=CASE).json()
    refused = consent_to(worker, case, **fields)
    assert refused.status_code == 422
    problems = refused.json()["errors"] if "errors" in refused.json() else refused.json()
    assert path in json.dumps(problems)
    for value in fields.values():
        assert value not in refused.text  # the problem never repeats the input
    after = worker.get(f"/cases/{case['id']}").json()
    assert after["consent"] is None and after["version"] == case["version"]


def test_only_the_households_own_case_workers_see_its_consent(service) -> None:
    worker = service.as_(OWN, "case_worker")
    case = worker.post("/cases", json=CASE).json()
    consent_to(worker, case, until=today(200), scope=["network", "landlords"])
    seen = worker.get(f"/cases/{case['id']}").json()["consent"]
    assert seen["until"] == today(200) and seen["recorded_by"].startswith("Demo case_worker")
    summary = service.as_("0126", "coordinator").get(f"/cases/{case['id']}")
    assert summary.json()["consent_recorded"] is True
    assert today(200) not in summary.text and "landlords" not in summary.text
    assert service.as_("0126", "case_worker").get(f"/cases/{case['id']}").status_code == 404
    assert service.as_(OWN, "housing_officer").get(f"/cases/{case['id']}").status_code == 403


@pytest.fixture
def accepted(service):
    """A published proposal of a loaded case, accepted by its household."""
    _, made = service.published()
    chosen = made[0]
    worker = service.as_(chosen["sending"], "case_worker")
    answer = worker.post(f"/proposals/{chosen['id']}/accept",
                         json={"version": chosen["version"]})
    assert answer.status_code == 200
    return service, worker, chosen, made


def test_withdrawing_consent_ends_the_cases_proposals_and_takes_it_out(accepted) -> None:
    service, worker, chosen, _ = accepted
    case = worker.get(f"/cases/{chosen['case']}").json()
    assert case["status"] == "accepted" and case["consent"]["valid"]
    gone = worker.post(f"/cases/{case['id']}/consent/withdraw", json={"version": case["version"]})
    assert gone.status_code == 200 and gone.json()["status"] == "withdrawn"
    assert gone.json()["consent"]["ended_at"] is not None
    officer = service.as_(chosen["receiving"], "housing_officer")
    seen = officer.get(f"/proposals/{chosen['id']}")
    assert seen.json()["status"] == "expired"
    assert "consent" not in seen.text and "samtycke" not in seen.text
    assert officer.get(f"/units/{chosen['unit']}").json()["status"] == "available"
    again = worker.post(f"/cases/{case['id']}/consent/withdraw",
                        json={"version": gone.json()["version"]})
    assert again.status_code == 409
    with UnitOfWork(service.app.state.database.sessions) as uow:  # the retention clock runs
        due = expired(uow, now() + dt.timedelta(seconds=1))
        assert case["id"] in due.cases["sodertorn"]
        assert case["id"] not in expired(uow, now() - dt.timedelta(days=1)).cases["sodertorn"]


def test_a_withdrawal_that_fails_half_way_leaves_everything_as_it_was(accepted,
                                                                       monkeypatch) -> None:
    service, worker, chosen, _ = accepted
    case = worker.get(f"/cases/{chosen['case']}").json()

    def broken(*args, **kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(consent, "move", broken)  # after the proposals were ended
    failed = worker.post(f"/cases/{case['id']}/consent/withdraw",
                         json={"version": case["version"]})
    assert failed.status_code == 500
    with UnitOfWork(service.app.state.database.sessions) as uow:
        proposal = uow.session.get_one(ProposalRow, chosen["id"])
        row = uow.session.get_one(CaseRow, case["id"])
        assert proposal.status == "accepted" and row.consent_ended_at is None
        assert row.status == "accepted"


def test_a_consent_that_ran_out_ends_the_case_and_its_proposals(service) -> None:
    _, made = service.published()
    chosen = made[0]
    with UnitOfWork(service.app.state.database.sessions) as uow:
        uow.session.execute(update(CaseRow).where(CaseRow.id == chosen["case"]).values(
            consent_until=now().date() - dt.timedelta(days=1)))
        uow.commit()
        assert consent.end_lapsed_consents(uow) == 1
    with UnitOfWork(service.app.state.database.sessions) as uow:
        assert uow.session.get_one(CaseRow, chosen["case"]).status == "withdrawn"
        assert uow.session.get_one(ProposalRow, chosen["id"]).status == "expired"
        assert uow.session.scalar(select(RoundRow.status)) == "published"


def test_the_case_workers_to_do_list_says_a_case_lacks_consent(service) -> None:
    worker = service.as_(OWN, "case_worker")
    case = worker.post("/cases", json=CASE).json()
    start = sign_in(service, OWN, "case_worker").get("/app").text
    assert f"/app/cases/{case['id']}#consent" in start
    assert "saknar giltigt samtycke" in start
    consent_to(worker, case)
    assert f"/app/cases/{case['id']}#consent" not in sign_in(
        service, OWN, "case_worker").get("/app").text
