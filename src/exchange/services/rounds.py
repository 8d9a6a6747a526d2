"""Rounds: the coordinator opens a month's round, solves it, publishes it and closes it.

A solve is claimed with one conditional UPDATE, so two coordinators asking at once get one solve
and a clear refusal; the claim is committed before the solve is queued, and the solve itself runs
in the background (`exchange.services.solving`).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from exchange.domain.lifecycle import (
    CaseStatus,
    ProposalStatus,
    Role,
    RoundStatus,
    may_become,
    move,
)
from exchange.domain.model import Urgency
from exchange.domain.working_days import add_working_days
from exchange.formats import load_round
from exchange.persistence.rows import (
    CaseRow,
    MunicipalityRow,
    NetworkRow,
    ProposalRow,
    RoundRow,
    SolveRow,
    now,
)
from exchange.services import notices
from exchange.services.access import Actor, audit, one, require, round_scope
from exchange.services.consent import end_lapsed_consents, has_consent
from exchange.services.errors import Conflict
from exchange.services.history_loading import HISTORY
from exchange.services.records import Paging, changed, check_version, end_proposal, page
from exchange.services.schemas import Page, RoundView
from exchange.services.sealed import solve_result, solve_round_file
from exchange.services.snapshot import snapshot
from exchange.services.solving import SolveJob, Solver
from exchange.services.unit_of_work import UnitOfWork, use_case
from exchange.solver import SolveParams, solve

#: Where a solve may start from: what the lifecycle lets become `solving`.
SOLVABLE = may_become(RoundStatus.SOLVING)


@dataclass(frozen=True)
class Replayed:
    """A stored solve solved again: which one, how many proposals, and whether the same."""

    round_id: str
    seq: int
    proposals: int
    same: bool


@use_case
def open_round(uow: UnitOfWork, actor: Actor, period: str) -> RoundView:
    """Open the network's round for a month; there is one per network and month."""
    require(uow, actor, "open", "round", Role.COORDINATOR)
    unclosed = uow.session.scalars(select(RoundRow.id).where(
        RoundRow.network_id == actor.network, RoundRow.status != RoundStatus.CLOSED)).first()
    if unclosed is not None:
        raise Conflict(f"Round {unclosed} is not closed yet; close it before opening another.")
    row = RoundRow(id=f"{actor.network}-{period}", network_id=actor.network, period=period,
                   status=RoundStatus.OPEN)
    uow.session.add(row)
    try:
        uow.session.flush()
    except IntegrityError:  # the same month, or another month opened at the same moment
        raise Conflict(f"The round for {period} already exists, or another round of the "
                       "network was opened at the same moment; list the rounds.") from None
    audit(uow, actor, "open", "round", row.id)
    return round_view(uow, row)


@use_case
def list_rounds(uow: UnitOfWork, actor: Actor, paging: Paging) -> Page[RoundView]:
    """The network's rounds, newest first."""
    require(uow, actor, "list", "round", Role.COORDINATOR)
    rows, total = page(uow, select(RoundRow).where(round_scope(actor)).order_by(
        RoundRow.period.desc()), paging)
    return Page[RoundView](items=[round_view(uow, row) for row in rows], total=total,
                           limit=paging.limit, offset=paging.offset)


@use_case
def get_round(uow: UnitOfWork, actor: Actor, round_id: str) -> RoundView:
    """One of the network's rounds, with the progress of a running solve."""
    return round_view(uow, find_round(uow, actor, round_id))


def find_round(uow: UnitOfWork, actor: Actor, round_id: str, action: str = "read") -> RoundRow:
    """The row of one of the network's rounds, or a 404 (for other services)."""
    require(uow, actor, action, "round", Role.COORDINATOR)
    row: RoundRow = one(uow, actor, select(RoundRow).where(RoundRow.id == round_id,
                                                           round_scope(actor)),
                        "round", round_id, action)
    return row


def solve_round(uow: UnitOfWork, actor: Actor, round_id: str, solver: Solver) -> RoundView:
    """Claim the round, take its snapshot and queue its solve; follow `progress` with
    `get_round`. On a published round this places what remains: answered and pending
    proposals stay. The claim is committed before the solve is queued."""
    job = claim_solve(uow, actor, round_id, solver)
    solver.submit(job)
    return get_round(uow, actor, round_id)


@use_case
def claim_solve(uow: UnitOfWork, actor: Actor, round_id: str, solver: Solver) -> SolveJob:
    """Claim the round for one solve and take its snapshot; refuse while another solve lives."""
    require(uow, actor, "solve", "round", Role.COORDINATOR)
    token = secrets.token_hex(16)
    stale = now() - dt.timedelta(seconds=solver.stale_after)
    claimed = uow.session.execute(
        update(RoundRow).where(
            RoundRow.id == round_id, round_scope(actor),
            or_(RoundRow.status.in_(SOLVABLE),
                and_(RoundRow.status == RoundStatus.SOLVING, RoundRow.heartbeat_at < stale)))
        .values(previous_status=case((RoundRow.status == RoundStatus.SOLVING,
                                      RoundRow.previous_status), else_=RoundRow.status),
                status=RoundStatus.SOLVING, solve_token=token, heartbeat_at=now(),
                stale_after=solver.stale_after, progress="queued",
                version=RoundRow.version + 1)
        .execution_options(synchronize_session=False))
    row = find_round(uow, actor, round_id, "solve")
    if not changed(claimed):
        raise Conflict(f"The round is {row.status}; it can be solved when it is open, solved or "
                       "published, and only one solve runs at a time.")
    uow.session.refresh(row)
    _discard_unseen(uow, row)
    if row.previous_status == RoundStatus.SOLVED:  # its unseen proposals are gone with it
        row.previous_status = RoundStatus.PUBLISHED if row.published_at else RoundStatus.OPEN
    end_lapsed_consents(uow)
    seq = (uow.session.scalar(select(func.max(SolveRow.seq)).where(
        SolveRow.round_id == row.id)) or 0) + 1
    job = SolveJob(row.id, token, seq, *snapshot(uow, row, seq, now().date()),
                   params=solver.params)
    audit(uow, actor, "solve", "round", row.id)
    return job


@use_case
def cancel_solve(uow: UnitOfWork, actor: Actor, round_id: str) -> RoundView:
    """Stop the round's solve: its claim is taken back, in the database, so that the service
    process running it, whichever it is, stops its worker at the next heartbeat; the round
    returns to the status it had before, to be solved again when the coordinator wishes."""
    row = find_round(uow, actor, round_id, "cancel")
    if row.status != RoundStatus.SOLVING:
        raise Conflict(f"The round is {row.status}; only a running solve can be cancelled.")
    row.status = move(row.status, row.previous_status or RoundStatus.OPEN, "round")
    row.solve_token, row.previous_status = None, None
    row.progress = "cancelled by the coordinator; solve again when you wish"
    audit(uow, actor, "cancel", "round", row.id)
    return round_view(uow, row)


def _discard_unseen(uow: UnitOfWork, row: RoundRow) -> None:
    """Nobody has seen an unpublished proposal: a new solve starts from the round as its people
    know it, with the cases and units of unseen proposals back in the pool. Published
    proposals (awaiting an answer, accepted or confirmed) stay fixed."""
    for proposal in uow.session.scalars(select(ProposalRow).where(
            ProposalRow.round_id == row.id, ProposalRow.published.is_(False),
            ProposalRow.status == ProposalStatus.PROPOSED)):
        end_proposal(uow, proposal)
        uow.session.delete(proposal)
    uow.session.flush()


@use_case
def publish_round(uow: UnitOfWork, actor: Actor, round_id: str, version: int) -> RoundView:
    """Show the round's new proposals to the case workers and housing officers concerned."""
    row = find_round(uow, actor, round_id, "publish")
    check_version(row, version)
    if row.status != RoundStatus.SOLVED:
        raise Conflict(f"The round is {row.status}; only a solved round can be published.")
    days = uow.session.get_one(NetworkRow, row.network_id).answer_days
    answer_by = add_working_days(now().date(), days)
    published = list(uow.session.scalars(select(ProposalRow).where(
        ProposalRow.round_id == row.id, ProposalRow.published.is_(False))))
    for proposal in published:
        proposal.published, proposal.answer_by = True, answer_by
    # a time kept for the figures, not a change to the case: no new version for its worker
    uow.session.execute(update(CaseRow).where(
        CaseRow.id.in_([p.case_id for p in published]), CaseRow.first_proposed_at.is_(None))
        .values(first_proposed_at=now(), updated_at=CaseRow.updated_at)
        .execution_options(synchronize_session=False))
    row.status, row.published_at = move(row.status, RoundStatus.PUBLISHED, "round"), now()
    notices.round_published(uow, row, published)
    audit(uow, actor, "publish", "round", row.id)
    return round_view(uow, row)


def solves(uow: UnitOfWork, round_id: str) -> list[SolveRow]:
    """Every stored solve of a round, first to last."""
    return list(uow.session.scalars(select(SolveRow).where(SolveRow.round_id == round_id)
                                    .order_by(SolveRow.seq)))


@use_case
def replay(uow: UnitOfWork, round_id: str, seq: int | None = None) -> Replayed:
    """Solve a stored round file again, with the parameters stored beside it, and say whether
    it gives the stored proposals exactly (the operator's command: no person's scope)."""
    stored = solves(uow, round_id)
    chosen = next((s for s in stored if seq in (None, s.seq) and
                   (seq is not None or s is stored[-1])), None)
    if chosen is None:
        raise Conflict(f"Round {round_id} has no stored solve {seq or ''}".strip() + ".")
    if chosen.status == HISTORY:
        raise Conflict(f"Round {round_id} was loaded from a history of past rounds; the engine "
                       "never solved it, so there is nothing to replay.")
    again = solve(load_round(solve_round_file(chosen)), SolveParams.from_json(chosen.params))
    stored_result = solve_result(chosen)
    same = stored_result is not None and again.proposals == stored_result.proposals
    return Replayed(round_id, chosen.seq, len(again.proposals), same)


def round_view(uow: UnitOfWork, row: RoundRow) -> RoundView:
    """The round as the coordinator sees it: status, progress, and what its last solve gave
    (its placements only, once the solve was erased after the retention period)."""
    stored = solves(uow, row.id)
    last = solve_result(stored[-1]) if stored else None
    tiers: dict[ProposalStatus, Counter[str]] = {status: Counter() for status in ProposalStatus}
    for status, urgency in uow.session.execute(
            select(ProposalRow.status, CaseRow.urgency).join(
                CaseRow, ProposalRow.case_id == CaseRow.id).where(ProposalRow.round_id == row.id)):
        tiers[status][urgency] += 1
    placing = tiers[ProposalStatus.PROPOSED] + tiers[ProposalStatus.ACCEPTED] + \
        tiers[ProposalStatus.CONFIRMED]
    silent = now() - dt.timedelta(seconds=row.stale_after or 0)
    stalled = (row.status == RoundStatus.SOLVING and row.heartbeat_at is not None
               and row.stale_after is not None and row.heartbeat_at < silent)
    return RoundView(
        id=row.id, network=row.network_id, period=row.period, status=row.status,
        progress=row.progress, stalled=stalled, version=row.version, solves=len(stored),
        placed=_by_tier(placing) if stored else None, moved=_by_tier(
            tiers[ProposalStatus.CONFIRMED]) if row.status == RoundStatus.CLOSED else None,
        unplaced=dict(Counter(u.reason.value for u in last.unplaced)) if last else None,
        proposals={status.value: sum(c.values()) for status, c in tiers.items()
                   if sum(c.values())},
        without_consent=without_consent(uow, row.network_id) if row.status != RoundStatus.CLOSED
        else 0)


def without_consent(uow: UnitOfWork, network: str) -> int:
    """How many of the network's open cases a snapshot taken today leaves out for want of a
    valid consent covering the network's members."""
    members = select(MunicipalityRow.code).where(MunicipalityRow.network_id == network)
    return sum(not has_consent(case) for case in uow.session.scalars(select(CaseRow).where(
        CaseRow.municipality_code.in_(members), CaseRow.status == CaseStatus.OPEN)))


def _by_tier(counts: Counter[str]) -> dict[str, int]:
    return {tier.value: counts[tier.value] for tier in Urgency}
