"""What the health figures are computed from: per case, unit, proposal and ledger move, only its
member, urgency, size, rent and times. No household's details are read, and nothing sealed is
opened.

A case with protected personal data (skyddade personuppgifter) is left out of every figure, with
its proposals and its move in the ledger: a count of one member's households in one month can
be 1 or 2, and the figures, the report and its workbook must never count such a case in a cell
under 3. (The ledger's balances, which the reciprocity rule needs, still count its move.)"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from exchange.domain.lifecycle import RoundStatus
from exchange.persistence.rows import (
    CaseRow,
    LedgerEntryRow,
    NetworkRow,
    ProposalRow,
    RoundRow,
    SolveRow,
    UnitRow,
)
from exchange.services.network import members_of
from exchange.services.records import as_rules
from exchange.services.unit_of_work import UnitOfWork

PLEDGING_MEMBER, SHARED_BY_USE = "pledging_member", "shared_by_use"
COST_RULES = (PLEDGING_MEMBER, SHARED_BY_USE)


@dataclass(frozen=True)
class CaseFact:
    id: str
    member: str
    urgency: str
    posted_at: dt.datetime
    rooms: int
    moved_in_on: dt.date | None = None  # the day of the keys, when the move recorded it


@dataclass(frozen=True)
class UnitFact:
    member: str
    rooms: int
    rent_sek: int
    published_at: dt.datetime | None
    left_at: dt.datetime | None  # let or withdrawn: the end of its time in the pool


@dataclass(frozen=True)
class ProposalFact:
    case: str
    period: str
    proposed_at: dt.datetime  # when the solve that made it ran
    status: str
    decline_reason: str | None
    confirmed_at: dt.datetime | None


@dataclass(frozen=True)
class Move:
    period: str | None  # None: an opening balance
    sending: str | None
    receiving: str
    amount: int


@dataclass(frozen=True)
class Facts:
    """A network's facts as of a moment; `closed` are the periods of its closed rounds."""

    network: str
    members: dict[str, str]  # code: name
    tolerance: int
    cost_rule: str
    closed: list[str]
    cases: list[CaseFact]
    units: list[UnitFact]
    proposals: list[ProposalFact]
    moves: list[Move]
    as_of: dt.datetime


def read_facts(uow: UnitOfWork, network: str, as_of: dt.datetime) -> Facts:
    """The facts of `network`, as stored (for the health use cases)."""
    members = {m.code: m.name for m in members_of(uow, network)}
    codes = list(members)
    session = uow.session
    cases = [CaseFact(i, m, u, c, spec["rooms_min"], moved) for i, m, u, c, spec, moved in
             session.execute(select(
                 CaseRow.id, CaseRow.municipality_code, CaseRow.urgency, CaseRow.created_at,
                 CaseRow.spec, CaseRow.moved_in_on).where(CaseRow.municipality_code.in_(codes),
                                   CaseRow.protected.is_(False)))]
    protected = select(CaseRow.id).where(CaseRow.protected.is_(True))
    units = [UnitFact(m, spec["rooms"], spec["rent_sek"], p, let or gone)
             for m, spec, p, let, gone in session.execute(
                 select(UnitRow.municipality_code, UnitRow.spec, UnitRow.published_at,
                        UnitRow.let_at, UnitRow.withdrawn_at)
                 .where(UnitRow.municipality_code.in_(codes)))]
    proposals = [ProposalFact(*row) for row in session.execute(
        select(ProposalRow.case_id, RoundRow.period, SolveRow.solved_at, ProposalRow.status,
               ProposalRow.decline_reason, ProposalRow.confirmed_at)
        .join(RoundRow, ProposalRow.round_id == RoundRow.id)
        .join(SolveRow, ProposalRow.solve_id == SolveRow.id)
        .where(RoundRow.network_id == network, ProposalRow.published.is_(True),
               ProposalRow.case_id.not_in(protected)))]
    moves = [Move(*row) for row in session.execute(
        select(RoundRow.period, LedgerEntryRow.sending_code, LedgerEntryRow.receiving_code,
               LedgerEntryRow.amount)
        .join(RoundRow, LedgerEntryRow.round_id == RoundRow.id, isouter=True)
        .where(LedgerEntryRow.network_id == network, LedgerEntryRow.proposal_id.not_in(
            select(ProposalRow.id).where(ProposalRow.case_id.in_(protected)))
            | LedgerEntryRow.proposal_id.is_(None)))]
    closed = sorted(session.scalars(select(RoundRow.period).where(
        RoundRow.network_id == network, RoundRow.status == RoundStatus.CLOSED)))
    return Facts(network, members, as_rules(uow, network).reciprocity_tolerance,
                 _cost_rule(uow, network), closed, cases, units, proposals, moves, as_of)


def _cost_rule(uow: UnitOfWork, network: str) -> str:
    return uow.session.get_one(NetworkRow, network).idle_cost_rule
