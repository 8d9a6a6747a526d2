"""Proposals: case workers answer them with the family, housing officers confirm the contract,
and closing a round settles them into the ledger."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import select

from exchange.domain.lifecycle import (
    CaseStatus,
    ProposalStatus,
    Role,
    RoundStatus,
    UnitStatus,
    move,
)
from exchange.domain.model import Rules
from exchange.domain.rules import km, stage_of
from exchange.persistence.rows import (
    CaseRow,
    LedgerEntryRow,
    MunicipalityRow,
    ProposalRow,
    RoundRow,
    SchoolRow,
    UnitRow,
    now,
)
from exchange.services import moves, notices
from exchange.services.access import Actor, audit, audit_reads, one, proposals, require
from exchange.services.errors import Conflict, FieldProblem, Invalid
from exchange.services.records import (
    Paging,
    Search,
    Sorts,
    as_rules,
    check_version,
    end_proposal,
    listed,
    profile,
    pseudonym,
)
from exchange.services.rounds import find_round, round_view
from exchange.services.schemas import (
    ChildSchool,
    DeclineReason,
    HouseholdProfile,
    Offer,
    Page,
    ProposalForCaseWorker,
    ProposalForCoordinator,
    ProposalForHousingOfficer,
    ProposalOut,
    RoundView,
    SchoolPlaceView,
)
from exchange.services.sealed import case_spec, decline_comment, store_comment
from exchange.services.unit_of_work import UnitOfWork, use_case

READERS = (Role.CASE_WORKER, Role.HOUSING_OFFICER, Role.COORDINATOR)


@use_case
def list_proposals(uow: UnitOfWork, actor: Actor, paging: Paging,
                   round_id: str | None = None, status: ProposalStatus | None = None,
                   case_id: str | None = None, search: Search | None = None
                   ) -> Page[ProposalOut]:
    """The proposals the caller reaches, newest round first; optionally of one round, status
    or case, holding the words searched for (what the caller may see of them: the unit's
    address for its housing officer and the household's case worker, her own reference for
    the case worker, the pseudonyms for anyone)."""
    require(uow, actor, "list", "proposal", *READERS)
    statement = proposals(actor).add_columns(CaseRow, UnitRow)
    if round_id is not None:
        statement = statement.where(ProposalRow.round_id == round_id)
    if status is not None:
        statement = statement.where(ProposalRow.status == status)
    if case_id is not None:
        statement = statement.where(ProposalRow.case_id == case_id)
    chosen, total = listed(uow, statement, search or Search(), paging, sorts=SORTS,
                           default=(ProposalRow.round_id.desc(), ProposalRow.id),
                           words_of=lambda triple: _words(actor, *triple))
    rows = [proposal for proposal, _, _ in chosen]
    if rows:
        audit_reads(uow, actor, "proposal", [row.id for row in rows])
    return Page[ProposalOut](items=[proposal_view(uow, actor, row) for row in rows],
                             total=total, limit=paging.limit, offset=paging.offset)


@use_case
def get_proposal(uow: UnitOfWork, actor: Actor, proposal_id: str) -> ProposalOut:
    """One proposal the caller reaches, as she may see it, or a 404; a read is audited."""
    row = _find(uow, actor, proposal_id)
    audit_reads(uow, actor, "proposal", [row.id])
    return proposal_view(uow, actor, row)


def _find(uow: UnitOfWork, actor: Actor, proposal_id: str, action: str = "read"
          ) -> ProposalRow:
    require(uow, actor, action, "proposal", *READERS)
    row: ProposalRow = one(uow, actor, proposals(actor).where(ProposalRow.id == proposal_id),
                           "proposal", proposal_id, action)
    return row


@use_case
def accept(uow: UnitOfWork, actor: Actor, proposal_id: str, version: int) -> ProposalOut:
    """The household accepts: the unit is reserved for it until the contract is signed."""
    row = _answerable(uow, actor, proposal_id, "accept", version)
    row.status, row.answered_at = move(row.status, ProposalStatus.ACCEPTED, "proposal"), now()
    case = uow.session.get_one(CaseRow, row.case_id)
    case.status = move(case.status, CaseStatus.ACCEPTED, "case")
    unit = uow.session.get_one(UnitRow, row.unit_id)
    unit.status = move(unit.status, UnitStatus.RESERVED, "unit")
    moves.open_checklist(uow, row, case)
    notices.proposal_accepted(uow, row)
    audit(uow, actor, "accept", "proposal", row.id)
    return proposal_view(uow, actor, row)


@use_case
def undo_accept(uow: UnitOfWork, actor: Actor, proposal_id: str, version: int) -> ProposalOut:
    """Take back an accept given by mistake, until the housing officer confirms the contract:
    the proposal awaits an answer again, and the unit is no longer reserved."""
    require(uow, actor, "undo_accept", "proposal", Role.CASE_WORKER)
    row = _find(uow, actor, proposal_id, "undo_accept")
    check_version(row, version)
    if row.status != ProposalStatus.ACCEPTED:
        raise Conflict(f"The proposal is {row.status}; only an accept the contract has not "
                       "followed yet can be undone.")
    if uow.session.get_one(RoundRow, row.round_id).status == RoundStatus.CLOSED:
        raise Conflict("The round is closed; the proposal can no longer be answered.")
    row.status, row.answered_at = move(row.status, ProposalStatus.PROPOSED, "proposal"), None
    case = uow.session.get_one(CaseRow, row.case_id)
    case.status = move(case.status, CaseStatus.PROPOSED, "case")
    unit = uow.session.get_one(UnitRow, row.unit_id)
    unit.status = move(unit.status, UnitStatus.PROPOSED, "unit")
    moves.drop_checklist(uow, row, case)
    audit(uow, actor, "undo_accept", "proposal", row.id)
    return proposal_view(uow, actor, row)


@use_case
def decline(uow: UnitOfWork, actor: Actor, proposal_id: str, version: int,
            reason: DeclineReason, comment: str | None = None) -> ProposalOut:
    """The household declines: both go back to the pool, and this pair is never proposed again.
    A decline costs the household nothing: its place in the queue is unchanged."""
    row = _answerable(uow, actor, proposal_id, "decline", version)
    words = (comment or "").strip() or None
    if reason is DeclineReason.OTHER and words is None:
        raise Invalid([FieldProblem("comment", "say in a few words why, when the reason is "
                                    "'other'", "comment_needed")])
    end_proposal(uow, row, ProposalStatus.DECLINED)
    row.decline_reason = reason
    store_comment(uow, row, words)
    audit(uow, actor, "decline", "proposal", row.id)
    return proposal_view(uow, actor, row)


@use_case
def confirm(uow: UnitOfWork, actor: Actor, proposal_id: str, version: int) -> ProposalOut:
    """The housing officer confirms that the contract is signed: the household is housed."""
    require(uow, actor, "confirm", "proposal", Role.HOUSING_OFFICER)
    row = _find(uow, actor, proposal_id, "confirm")
    check_version(row, version)
    if row.status != ProposalStatus.ACCEPTED:
        raise Conflict(f"The proposal is {row.status}; only an accepted one can be confirmed.")
    row.status, row.confirmed_at = move(row.status, ProposalStatus.CONFIRMED, "proposal"), now()
    case = uow.session.get_one(CaseRow, row.case_id)
    case.status, case.contract_at = move(case.status, CaseStatus.HOUSED, "case"), now()
    unit = uow.session.get_one(UnitRow, row.unit_id)
    unit.status, unit.let_at = move(unit.status, UnitStatus.LET, "unit"), row.confirmed_at
    notices.contract_confirmed(uow, row)
    audit(uow, actor, "confirm", "proposal", row.id)
    return proposal_view(uow, actor, row)


@use_case
def close_round(uow: UnitOfWork, actor: Actor, round_id: str, version: int) -> RoundView:
    """Write every confirmed move to the ledger, take their school places, and return
    everything not settled to the pool; all in one transaction."""
    row = find_round(uow, actor, round_id, "close")
    check_version(row, version)
    if row.status != RoundStatus.PUBLISHED:
        raise Conflict(f"The round is {row.status}; only a published round can be closed.")
    for proposal in uow.session.scalars(select(ProposalRow).where(
            ProposalRow.round_id == row.id).order_by(ProposalRow.id)):
        if proposal.status == ProposalStatus.CONFIRMED:
            _settle(uow, row, proposal)
        elif proposal.status in (ProposalStatus.PROPOSED, ProposalStatus.ACCEPTED):
            end_proposal(uow, proposal)
    row.status, row.closed_at = move(row.status, RoundStatus.CLOSED, "round"), now()
    notices.round_closed(uow, row)
    audit(uow, actor, "close", "round", row.id)
    return round_view(uow, row)


def overdue(row: ProposalRow, today: dt.date | None = None) -> bool:
    """Whether a proposal still waits for its answer after its last day to answer."""
    return (row.status == ProposalStatus.PROPOSED and row.answer_by is not None
            and row.answer_by < (today or now().date()))


@use_case
def list_overdue(uow: UnitOfWork, actor: Actor) -> list[ProposalOut]:
    """The network's published proposals still unanswered after their deadline (the
    coordinator), oldest deadline first."""
    require(uow, actor, "list_overdue", "proposal", Role.COORDINATOR)
    rows = list(uow.session.scalars(proposals(actor).where(
        ProposalRow.status == ProposalStatus.PROPOSED, ProposalRow.published.is_(True),
        ProposalRow.answer_by < now().date()).order_by(ProposalRow.answer_by, ProposalRow.id)
        .limit(500)))
    if rows:
        audit_reads(uow, actor, "proposal", [row.id for row in rows])
    return [proposal_view(uow, actor, row) for row in rows]


@use_case
def lapse(uow: UnitOfWork, actor: Actor, proposal_id: str, version: int) -> ProposalOut:
    """The coordinator lets an overdue proposal lapse: its case and unit return to the pool,
    and it does not count as the household's decline (the pair may be proposed again)."""
    require(uow, actor, "lapse", "proposal", Role.COORDINATOR)
    row = _find(uow, actor, proposal_id, "lapse")
    check_version(row, version)
    if not overdue(row):
        raise Conflict(f"The proposal is {row.status}, with its answer due by "
                       f"{row.answer_by or 'no date'}; only an unanswered proposal past its "
                       "deadline can lapse.")
    end_proposal(uow, row, ProposalStatus.LAPSED)
    audit(uow, actor, "lapse", "proposal", row.id)
    return proposal_view(uow, actor, row)


#: How a list of proposals can be ordered (newest round first by default).
SORTS: Sorts = {"round": (ProposalRow.round_id,), "status": (ProposalRow.status,)}


def _words(actor: Actor, proposal: ProposalRow, case: CaseRow, unit: UnitRow) -> str:
    """What a search finds a proposal by, for this caller."""
    words = [proposal.id, pseudonym(proposal.id)]
    if actor.role in (Role.CASE_WORKER, Role.HOUSING_OFFICER):
        words += [unit.district or "", *(str(v) for v in (unit.address or {}).values())]
    if actor.role is Role.CASE_WORKER and case.erased_at is None:
        words += [case.id, pseudonym(case.id), str(case_spec(case).get("reference") or "")]
    return " ".join(words)


def proposal_view(uow: UnitOfWork, actor: Actor, row: ProposalRow) -> ProposalOut:
    """The proposal as this caller may see it."""
    case = uow.session.get_one(CaseRow, row.case_id)
    unit = uow.session.get_one(UnitRow, row.unit_id)
    if actor.role is Role.CASE_WORKER:
        return _for_case_worker(uow, row, case, unit)
    if actor.role is Role.HOUSING_OFFICER:
        return ProposalForHousingOfficer(
            id=row.id, round=row.round_id, status=row.status, version=row.version, unit=unit.id,
            unit_label=(unit.address or {}).get("street") or pseudonym(unit.id),
            answer_by=row.answer_by, overdue=overdue(row),
            household=HouseholdProfile(reference=row.id, move_in_from=_move_in_from(row, case),
                                       **profile(case)))
    return ProposalForCoordinator(
        id=row.id, round=row.round_id, status=row.status, version=row.version, case=case.id,
        unit=unit.id, sending=case.municipality_code, receiving=unit.municipality_code,
        published=row.published, decline_reason=row.decline_reason, answer_by=row.answer_by,
        overdue=overdue(row))


def _move_in_from(row: ProposalRow, case: CaseRow) -> dt.date | None:
    """The household's earliest move-in date as the receiving side may know it: for a household
    with protected personal data, only once the contract is signed."""
    if case.protected and row.status != ProposalStatus.CONFIRMED:
        return None
    return case.move_in_from


def _for_case_worker(uow: UnitOfWork, row: ProposalRow, case: CaseRow,
                     unit: UnitRow) -> ProposalForCaseWorker:
    spec = unit.spec
    zones = case_spec(case).get("safety", {}).get("danger_zones", [])
    margins = [km(z["lat"], z["lon"], spec["lat"], spec["lon"]) - z["radius_km"] for z in zones]
    schools = {s.id: s for s in uow.session.scalars(select(SchoolRow).where(
        SchoolRow.id.in_([p["school"] for p in row.schools if p["school"]])))}
    names = {school_id: s.name for school_id, s in schools.items()}
    return ProposalForCaseWorker(
        id=row.id, round=row.round_id, status=row.status, version=row.version, case=case.id,
        case_label=(case_spec(case).get("reference") if case.erased_at is None else None)
        or pseudonym(case.id),
        unit=Offer.model_validate({
            **spec, "id": unit.id, "municipality": unit.municipality_code,
            "municipality_name": uow.session.get_one(MunicipalityRow,
                                                     unit.municipality_code).name,
            "district": unit.district, "address": unit.address}),
        schools=[SchoolPlaceView(**p, school_name=names.get(p["school"])) for p in row.schools],
        nearest_danger_km=round(min(margins), 2) if margins else None,
        decline_reason=row.decline_reason, decline_comment=decline_comment(row),
        children=_children(case, row, schools, as_rules(
            uow, uow.session.get_one(RoundRow, row.round_id).network_id)),
        zones=zones, answer_by=row.answer_by, overdue=overdue(row))


def _children(case: CaseRow, row: ProposalRow, schools: dict[str, SchoolRow],
              rules: Rules) -> list[ChildSchool]:
    """Each child's school under the proposal, and for a child with none, why."""
    places = {p["child"]: p for p in row.schools}
    found = []
    for i, child in enumerate(case_spec(case).get("household", {}).get("children", [])):
        stage, kept = stage_of(child["age"]), child.get("keep_school")
        place = places.get(i)
        school = schools.get(place["school"]) if place and place["school"] else None
        why = ("keeps" if kept else "too_young" if stage is None else
               "not_arranged" if stage not in rules.school_reach_km else "new_place")
        found.append(ChildSchool(
            child=i, age=child["age"], stage=stage, why=why,
            school=school.id if school else None,
            school_name=school.name if school else (kept or {}).get("name"),
            school_address=school.address if school else None))
    return found


def _answerable(uow: UnitOfWork, actor: Actor, proposal_id: str, action: str,
                version: int) -> ProposalRow:
    require(uow, actor, action, "proposal", Role.CASE_WORKER)
    row = _find(uow, actor, proposal_id, action)
    check_version(row, version)
    if row.status != ProposalStatus.PROPOSED:
        raise Conflict(f"The proposal is already {row.status}.")
    if uow.session.get_one(RoundRow, row.round_id).status == RoundStatus.CLOSED:
        raise Conflict("The round is closed; the proposal can no longer be answered.")
    return row


def _settle(uow: UnitOfWork, row: RoundRow, proposal: ProposalRow) -> None:
    case = uow.session.get_one(CaseRow, proposal.case_id)
    unit = uow.session.get_one(UnitRow, proposal.unit_id)
    uow.session.add(LedgerEntryRow(
        network_id=row.network_id, kind="move", receiving_code=unit.municipality_code,
        sending_code=case.municipality_code, amount=1, round_id=row.id,
        proposal_id=proposal.id))
    taken: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for place in proposal.schools:
        if place["school"] is not None:
            taken[place["school"]][place["stage"]] += 1
    for school_id, stages in taken.items():
        school = uow.session.get_one(SchoolRow, school_id)
        school.free_places = {stage: max(0, n - stages.get(stage, 0))
                              for stage, n in school.free_places.items()}
