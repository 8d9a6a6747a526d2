"""Cases: a case worker posts, edits and withdraws her households' relocation needs."""

from __future__ import annotations

from sqlalchemy import case, select

from exchange.domain.lifecycle import LIVE_PROPOSALS, CaseStatus, Role, is_final, move
from exchange.domain.model import Case, Rules, Urgency
from exchange.domain.rules import broken_rules, needs_school_place, stage_of
from exchange.persistence.rows import CaseRow, ProposalRow, SchoolRow, UnitRow
from exchange.services.access import Actor, audit, audit_reads, case_scope, one, require
from exchange.services.consent import (
    check_consent,
    consent_view,
    end_case,
    end_live_proposals,
    has_consent,
    set_consent,
)
from exchange.services.errors import Conflict, FieldProblem, Invalid
from exchange.services.moves import mark_protected
from exchange.services.records import (
    Paging,
    Search,
    Sorts,
    as_case,
    as_rules,
    as_school,
    as_unit,
    check_version,
    end_proposal,
    listed,
    new_id,
    profile,
    pseudonym,
)
from exchange.services.schemas import (
    CaseCreate,
    CaseOut,
    CaseSummary,
    CaseTimes,
    CaseUpdate,
    CaseView,
    ConsentRecord,
    Page,
)
from exchange.services.sealed import case_spec, store_case_spec
from exchange.services.unit_of_work import UnitOfWork, use_case


@use_case
def post_case(uow: UnitOfWork, actor: Actor, body: CaseCreate) -> CaseView:
    """A new open case of the case worker's municipality."""
    require(uow, actor, "create", "case", Role.CASE_WORKER)
    _check(body)
    row = CaseRow(id=new_id("case"), municipality_code=actor.municipality,
                  status=CaseStatus.OPEN)
    _set(uow, row, body)
    uow.session.add(row)
    uow.session.flush()
    audit(uow, actor, "create", "case", row.id)
    return _whole(uow, row)


@use_case
def list_cases(uow: UnitOfWork, actor: Actor, paging: Paging,
               status: CaseStatus | None = None, urgency: Urgency | None = None,
               search: Search | None = None) -> Page[CaseOut]:
    """The cases the caller reaches (her own, or the network's for the coordinator), with
    those of a status or urgency, holding the words searched for (her own reference, the
    pseudonym), in the order asked for (`SORTS`; by default the live cases first, the most
    urgent and longest waiting first)."""
    require(uow, actor, "list", "case", Role.CASE_WORKER, Role.COORDINATOR)
    statement = select(CaseRow).where(case_scope(actor))
    if status is not None:
        statement = statement.where(CaseRow.status == status)
    if urgency is not None:
        statement = statement.where(CaseRow.urgency == urgency.value)
    mine = actor.role is Role.CASE_WORKER
    rows, total = listed(uow, statement, search or Search(), paging, sorts=SORTS,
                         default=(CaseRow.status.in_(FINISHED), *SORTS["urgency"], CaseRow.id),
                         words_of=lambda row: _words(row, mine))
    if rows:
        audit_reads(uow, actor, "case", [row.id for row in rows])
    return Page[CaseOut](items=[case_view(uow, actor, row) for row in rows], total=total,
                         limit=paging.limit, offset=paging.offset)


@use_case
def get_case(uow: UnitOfWork, actor: Actor, case_id: str) -> CaseOut:
    """One case the caller reaches, as she may see it; a read is audited."""
    row = find_case(uow, actor, case_id)
    audit_reads(uow, actor, "case", [row.id])
    return case_view(uow, actor, row)


@use_case
def reach_case(uow: UnitOfWork, actor: Actor, case_id: str, action: str) -> None:
    """Refuse (404, audited) a case the caller may not `action`, before anything is read."""
    find_case(uow, actor, case_id, action)


def find_case(uow: UnitOfWork, actor: Actor, case_id: str, action: str = "read") -> CaseRow:
    """The row of one case the caller reaches, or a 404 (for other services)."""
    require(uow, actor, action, "case", Role.CASE_WORKER, Role.COORDINATOR)
    row: CaseRow = one(uow, actor, select(CaseRow).where(CaseRow.id == case_id,
                                                         case_scope(actor)),
                       "case", case_id, action)
    return row


@use_case
def update_case(uow: UnitOfWork, actor: Actor, case_id: str, body: CaseUpdate) -> CaseView:
    """Replace a case's needs; a live proposal that no longer passes every rule is withdrawn."""
    require(uow, actor, "update", "case", Role.CASE_WORKER)
    row = find_case(uow, actor, case_id, "update")
    check_version(row, body.version)
    if is_final(row.status):
        raise Conflict(f"The case is {row.status}; it can no longer be changed.")
    _check(body)
    newly_protected = body.protected and not row.protected
    _set(uow, row, body)
    _withdraw_broken_proposals(uow, actor, row)
    if newly_protected:
        mark_protected(uow, row)
    audit(uow, actor, "update", "case", row.id)
    return _whole(uow, row)


@use_case
def record_consent(uow: UnitOfWork, actor: Actor, case_id: str, body: ConsentRecord
                   ) -> CaseView:
    """Record (or renew) the household's consent on one of her cases; a consent that starts
    in the future, ends before it starts, or has already ended is refused at its field."""
    require(uow, actor, "consent", "case", Role.CASE_WORKER)
    row = find_case(uow, actor, case_id, "consent")
    check_version(row, body.version)
    if is_final(row.status):
        raise Conflict(f"The case is {row.status}; post it anew with the household's consent.")
    check_consent(body)
    set_consent(actor, row, body)
    if not has_consent(row):  # no longer to be offered around the network
        end_live_proposals(uow, actor, row)
    audit(uow, actor, "consent", "case", row.id)
    return _whole(uow, row)


@use_case
def withdraw_consent(uow: UnitOfWork, actor: Actor, case_id: str, version: int) -> CaseView:
    """The household withdraws its consent: the case's live proposals end, it leaves the pool,
    and the retention clock starts; all in one transaction."""
    require(uow, actor, "withdraw_consent", "case", Role.CASE_WORKER)
    row = find_case(uow, actor, case_id, "withdraw_consent")
    check_version(row, version)
    end_case(uow, actor, row)
    audit(uow, actor, "withdraw_consent", "case", row.id)
    return _whole(uow, row)


@use_case
def withdraw_case(uow: UnitOfWork, actor: Actor, case_id: str, version: int) -> CaseView:
    """Withdraw a case; its live proposal ends and the unit returns to the pool."""
    require(uow, actor, "withdraw", "case", Role.CASE_WORKER)
    row = find_case(uow, actor, case_id, "withdraw")
    check_version(row, version)
    row.status = move(row.status, CaseStatus.WITHDRAWN, "case")
    end_live_proposals(uow, actor, row)
    audit(uow, actor, "withdraw", "case", row.id)
    return _whole(uow, row)


URGENCY_RANK = {u.value: rank for rank, u in enumerate(Urgency)}
#: Cases past matching (housed, withdrawn), listed after the live ones by default.
FINISHED = [s for s in CaseStatus if is_final(s)]
#: How a list of cases can be ordered.
SORTS: Sorts = {
    "urgency": (case(URGENCY_RANK, value=CaseRow.urgency), CaseRow.waiting_since),
    "waiting": (CaseRow.waiting_since,),
    "status": (CaseRow.status,),
    "posted": (CaseRow.created_at,),
}


def _words(row: CaseRow, mine: bool) -> str:
    """What a search finds a case by: its pseudonym, and for its own case worker her
    reference too."""
    reference = case_spec(row).get("reference") if mine and row.erased_at is None else None
    return f"{row.id} {pseudonym(row.id)} {reference or ''}"


def case_view(uow: UnitOfWork, actor: Actor, row: CaseRow) -> CaseOut:
    """The case as this caller may see it: whole for its case worker (its profile only once
    its details were erased), anonymised otherwise (its consent only as recorded or not)."""
    if actor.role is Role.CASE_WORKER:
        return _whole(uow, row)
    return CaseSummary(
        id=row.id, municipality=row.municipality_code, status=row.status,
        urgency=row.urgency, waiting_since=row.waiting_since, rooms_min=row.spec["rooms_min"],
        rooms_max=row.spec["rooms_max"], consent_recorded=has_consent(row), **profile(row))


def _whole(uow: UnitOfWork, row: CaseRow) -> CaseView:
    return CaseView.model_validate({
        **case_spec(row), "move_in_from": row.move_in_from, "protected": row.protected,
        "id": row.id, "municipality": row.municipality_code, "status": row.status,
        "version": row.version, "created_at": row.created_at, "updated_at": row.updated_at,
        "consent": consent_view(uow, row), "times": case_times(row)})


def case_times(row: CaseRow) -> CaseTimes:
    """Posted, first proposal, accepted, contract, moved in."""
    return CaseTimes(posted=row.created_at, first_proposal=row.first_proposed_at,
                     accepted=row.accepted_at, contract=row.contract_at,
                     moved_in=row.moved_in_on)


def _check(body: CaseCreate) -> None:
    if body.rooms_min > body.rooms_max:
        raise Invalid([FieldProblem("rooms_min", "must not exceed rooms_max", "rooms_order")])


def _set(uow: UnitOfWork, row: CaseRow, body: CaseCreate) -> None:
    """The case's columns from a posted or updated body; its spec is sealed."""
    store_case_spec(uow, row, body.model_dump(
        mode="json", exclude={"move_in_from", "version", "protected"}))
    row.urgency, row.waiting_since = body.urgency.value, body.waiting_since
    row.move_in_from, row.protected = body.move_in_from, body.protected


def _live_proposals(uow: UnitOfWork, case: CaseRow) -> list[ProposalRow]:
    return list(uow.session.scalars(select(ProposalRow).where(
        ProposalRow.case_id == case.id, ProposalRow.status.in_(LIVE_PROPOSALS))))


def _withdraw_broken_proposals(uow: UnitOfWork, actor: Actor, case: CaseRow) -> None:
    """A changed case keeps a live proposal only if the unit still passes every rule of the
    table for it (at the schools the proposal names) and the school places still fit."""
    rules = as_rules(uow, actor.network)
    for proposal in _live_proposals(uow, case):
        unit = uow.session.get_one(UnitRow, proposal.unit_id)
        domain_case, domain_unit = as_case(case), as_unit(unit)
        schools = [as_school(uow.session.get_one(SchoolRow, p["school"]))
                   for p in proposal.schools if p["school"] is not None]
        still = (not broken_rules(domain_case, domain_unit, schools, rules)
                 and _same_school_plan(domain_case, proposal, rules))
        if not still:
            end_proposal(uow, proposal)
            audit(uow, actor, "expire", "proposal", proposal.id)


def _same_school_plan(case: Case, proposal: ProposalRow, rules: Rules) -> bool:
    """Whether the proposal's school places still match the children: same children, stages
    and kept schools (a child grown into another stage needs another place)."""
    wanted = {i: (stage_of(c.age), c.keep_school is not None)
              for i, c in enumerate(case.household.children)
              if c.keep_school is not None or needs_school_place(c, rules) is not None}
    planned = {p["child"]: (p["stage"], p["school"] is None) for p in proposal.schools}
    return wanted == planned
