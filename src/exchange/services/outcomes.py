"""What rounds gave, for the people who act on it: the network at a glance, the flows between
members, and why a household was not placed."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable

from sqlalchemy import func, select

from exchange.domain.lifecycle import CaseStatus, ProposalStatus, Role, RoundStatus, UnitStatus
from exchange.domain.model import Result, Unplaced, Urgency
from exchange.domain.rules import reciprocity_floor
from exchange.persistence.rows import (
    CaseRow,
    LedgerEntryRow,
    ProposalRow,
    RoundRow,
    SolveRow,
    UnitRow,
)
from exchange.services.access import Actor, require
from exchange.services.cases import find_case
from exchange.services.network import balances, members_of
from exchange.services.records import as_rules
from exchange.services.rounds import find_round
from exchange.services.schemas import (
    Flow,
    LedgerEntryView,
    LedgerLineView,
    MemberOverview,
    RoundLedger,
)
from exchange.services.sealed import solve_result
from exchange.services.unit_of_work import UnitOfWork, use_case

ACTIVE_CASES = (CaseStatus.OPEN, CaseStatus.PROPOSED, CaseStatus.ACCEPTED)
MOVING = (ProposalStatus.PROPOSED, ProposalStatus.ACCEPTED, ProposalStatus.CONFIRMED)


@use_case
def overview(uow: UnitOfWork, actor: Actor) -> list[MemberOverview]:
    """Each member's pledged units, active cases by urgency and ledger balance (coordinator)."""
    require(uow, actor, "read", "network", Role.COORDINATOR)
    members = members_of(uow, actor.network)
    codes = [m.code for m in members]
    units = dict(uow.session.execute(
        select(UnitRow.municipality_code, func.count()).where(
            UnitRow.municipality_code.in_(codes), UnitRow.status == UnitStatus.AVAILABLE)
        .group_by(UnitRow.municipality_code)).all())
    cases: dict[str, dict[str, int]] = defaultdict(dict)
    for code, urgency, count in uow.session.execute(
            select(CaseRow.municipality_code, CaseRow.urgency, func.count()).where(
                CaseRow.municipality_code.in_(codes), CaseRow.status.in_(ACTIVE_CASES))
            .group_by(CaseRow.municipality_code, CaseRow.urgency)):
        cases[code][urgency] = count
    totals = balances(uow, actor.network)
    floor = -as_rules(uow, actor.network).reciprocity_tolerance
    return [MemberOverview(
        code=m.code, name=m.name, lat=m.lat, lon=m.lon, units_available=units.get(m.code, 0),
        cases_active={u.value: cases[m.code].get(u.value, 0) for u in Urgency},
        balance=totals[m.code], floor=floor) for m in members]


@use_case
def flows(uow: UnitOfWork, actor: Actor, round_id: str) -> list[Flow]:
    """How many households the round moves from each sending to each receiving member:
    proposals still live or confirmed (coordinator). Counts only, never a household."""
    row = find_round(uow, actor, round_id)
    moving = uow.session.execute(
        select(CaseRow.municipality_code, UnitRow.municipality_code, func.count())
        .select_from(ProposalRow)
        .join(CaseRow, ProposalRow.case_id == CaseRow.id)
        .join(UnitRow, ProposalRow.unit_id == UnitRow.id)
        .where(ProposalRow.round_id == row.id, ProposalRow.status.in_(MOVING))
        .group_by(CaseRow.municipality_code, UnitRow.municipality_code)
        .order_by(CaseRow.municipality_code, UnitRow.municipality_code))
    return [Flow(sending=s, receiving=r, count=n) for s, r, n in moving]


@use_case
def why_unplaced(uow: UnitOfWork, actor: Actor, case_id: str) -> Unplaced | None:
    """Why the last published solve left a case of hers unplaced, or None (case worker).

    Only what was published counts: a solve the coordinator has not published may change."""
    require(uow, actor, "explain", "case", Role.CASE_WORKER)
    case = find_case(uow, actor, case_id, "explain")
    live = uow.session.scalar(select(func.count()).select_from(ProposalRow).where(
        ProposalRow.case_id == case.id, ProposalRow.status.in_(MOVING)))
    if live or case.status not in ACTIVE_CASES:
        return None
    result = _last_published(uow, actor.network)
    if result is None:
        return None
    return next((u for u in result.unplaced if u.case == case.id), None)


def last_unplaced(uow: UnitOfWork, network: str) -> dict[str, str]:
    """The reason the last published solve gives for each case it left unplaced, by case id."""
    result = _last_published(uow, network)
    return {u.case: u.reason.value for u in result.unplaced} if result else {}


def _last_published(uow: UnitOfWork, network: str) -> Result | None:
    """The result of the network's last solve that was published (only what was published
    counts: a solve the coordinator has not published may change)."""
    published = (select(SolveRow).join(RoundRow, SolveRow.round_id == RoundRow.id)
                 .where(RoundRow.network_id == network, RoundRow.published_at.is_not(None),
                        SolveRow.solved_at <= RoundRow.published_at)
                 .order_by(RoundRow.period.desc(), SolveRow.seq.desc()).limit(1))
    solve = uow.session.scalar(published)
    return solve_result(solve) if solve is not None else None


@use_case
def round_ledger(uow: UnitOfWork, actor: Actor, round_id: str) -> RoundLedger:
    """Each member's balance before and after the round: what a closed round booked, or what
    closing it now would book; a member it takes below its floor is marked (coordinator)."""
    row = find_round(uow, actor, round_id)
    booked = row.status == RoundStatus.CLOSED
    moves = _round_moves(uow, row.id, booked)
    totals, rules = balances(uow, actor.network), as_rules(uow, actor.network)
    lines = []
    for member in members_of(uow, actor.network):
        received = sum(n for (_, to), n in moves.items() if to == member.code)
        sent = sum(n for (fro, _), n in moves.items() if fro == member.code)
        before = totals[member.code] - (received - sent if booked else 0)
        after, floor = before + received - sent, reciprocity_floor(before, rules)
        lines.append(LedgerLineView(municipality=member.code, name=member.name, before=before,
                                    received=received, sent=sent, after=after, floor=floor,
                                    below=after < floor))
    entries = [LedgerEntryView(id=e.id, kind=e.kind, receiving=e.receiving_code,
                               sending=e.sending_code, amount=e.amount, round=e.round_id,
                               recorded_at=e.recorded_at)
               for e in uow.session.scalars(select(LedgerEntryRow).where(
                   LedgerEntryRow.round_id == row.id).order_by(LedgerEntryRow.id))]
    return RoundLedger(booked=booked, lines=lines, entries=entries)


def _round_moves(uow: UnitOfWork, round_id: str, booked: bool) -> Counter[tuple[str, str]]:
    """(sending, receiving) -> households: the round's ledger entries once booked, its
    confirmed proposals before (a move within one municipality books nothing)."""
    if booked:
        found = uow.session.execute(select(
            LedgerEntryRow.sending_code, LedgerEntryRow.receiving_code, LedgerEntryRow.amount)
            .where(LedgerEntryRow.round_id == round_id, LedgerEntryRow.kind == "move"))
        return _summed((s or "", r, a) for s, r, a in found)
    confirmed = uow.session.execute(
        select(CaseRow.municipality_code, UnitRow.municipality_code)
        .select_from(ProposalRow).join(CaseRow, ProposalRow.case_id == CaseRow.id)
        .join(UnitRow, ProposalRow.unit_id == UnitRow.id)
        .where(ProposalRow.round_id == round_id,
               ProposalRow.status == ProposalStatus.CONFIRMED))
    return _summed((s, r, 1) for s, r in confirmed if s != r)


def _summed(moves: Iterable[tuple[str, str, int]]) -> Counter[tuple[str, str]]:
    counts: Counter[tuple[str, str]] = Counter()
    for sending, receiving, n in moves:
        counts[(sending, receiving)] += n
    return counts
