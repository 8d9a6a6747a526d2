"""Loading a network's past: closed rounds, with the cases, units, proposals and ledger moves
that passed through them, each with its own times (`exchange.history` makes such a past).

It writes rows directly, with the times the history gives, rather than through the services
people use (which stamp the present moment); one audit entry records the load. Ids are given
anew. The cases and units the history leaves open join the network's present.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select

from exchange.domain.lifecycle import CaseStatus, ProposalStatus, RoundStatus, UnitStatus
from exchange.history import History, PastCase, PastProposal, PastRound, PastUnit
from exchange.persistence.rows import (
    CaseRow,
    LedgerEntryRow,
    MunicipalityRow,
    NetworkRow,
    ProposalRow,
    RoundRow,
    SolveRow,
    UnitRow,
    now,
)
from exchange.services.access import audit
from exchange.services.errors import Conflict, NotFound
from exchange.services.records import new_id
from exchange.services.schemas import DeclineReason
from exchange.services.sealed import store_case_spec
from exchange.services.unit_of_work import UnitOfWork, use_case

#: How long after its contract a past household got its keys (the history keeps no date).
MOVE_AFTER_CONTRACT = dt.timedelta(days=10)
#: The status of a solve that a history made up: the engine never ran it.
HISTORY = "history"


@dataclass(frozen=True)
class HistoryLoaded:
    """What a history load stored."""

    network: str
    rounds: int
    cases: int
    units: int
    proposals: int


@use_case
def load_history(uow: UnitOfWork, history: History,
                 progress: Callable[[str], None] = lambda _: None) -> HistoryLoaded:
    """Store a network's past rounds; the network must be loaded and have no rounds yet."""
    network = history.network
    _check(uow, history)
    outcome = {p.case: p for p in history.proposals if p.status == "confirmed"}
    let = {p.unit: p.confirmed_at for p in outcome.values()}
    cases = {c.case.id: _case_row(uow, c, outcome.get(c.case.id)) for c in history.cases}
    units = {u.unit.id: _unit_row(u, let.get(u.unit.id)) for u in history.units}
    uow.session.add_all([*cases.values(), *units.values()])
    progress(f"{len(cases)} past cases and {len(units)} past units stored")
    # Flushed in the order of their foreign keys: rows without relationships are inserted in
    # no set order within one flush.
    solves = {r.period: _round_rows(uow, network, r, history) for r in history.rounds}
    uow.session.flush()
    uow.session.add_all(solves.values())
    uow.session.flush()
    moves = [_proposal_row(uow, network, past, solves[past.period], cases, units)
             for past in history.proposals]
    uow.session.flush()
    uow.session.add_all([move for move in moves if move is not None])
    audit(uow, None, "load_history", "network", network, network=network)
    return HistoryLoaded(network, len(history.rounds), len(cases), len(units),
                         len(history.proposals))


def _check(uow: UnitOfWork, history: History) -> None:
    if uow.session.get(NetworkRow, history.network) is None:
        raise NotFound(f"Network {history.network} is not loaded; load its round file first.")
    if uow.session.scalar(select(func.count()).select_from(RoundRow).where(
            RoundRow.network_id == history.network)):
        raise Conflict(f"Network {history.network} has rounds already; a history is loaded "
                       "only into a network without any.")
    members = set(uow.session.scalars(select(MunicipalityRow.code).where(
        MunicipalityRow.network_id == history.network)))
    for kind, codes in (("cases", [c.case.municipality for c in history.cases]),
                        ("units", [u.unit.municipality for u in history.units])):
        for index, code in enumerate(codes):
            if code not in members:
                raise Conflict(f"{kind}[{index}].municipality: {code} is not a member of "
                               f"network {history.network}.")
    periods = {r.period for r in history.rounds}
    known = {c.case.id for c in history.cases}, {u.unit.id for u in history.units}
    for index, p in enumerate(history.proposals):
        if p.period not in periods or p.case not in known[0] or p.unit not in known[1]:
            raise Conflict(f"proposals[{index}]: names a round, case or unit the history does "
                           "not hold.")
        if p.decline_reason is not None and p.decline_reason not in set(DeclineReason):
            raise Conflict(f"proposals[{index}].decline_reason: not a reason of the list.")


def _case_row(uow: UnitOfWork, past: PastCase, housed: PastProposal | None) -> CaseRow:
    case = past.case
    status = (CaseStatus.HOUSED if housed else CaseStatus.WITHDRAWN if past.withdrawn_at
              else CaseStatus.OPEN)
    changed = (housed.confirmed_at if housed else None) or past.withdrawn_at or past.posted_at
    row = CaseRow(id=new_id("case"), municipality_code=case.municipality, status=status,
                  urgency=case.urgency.value, waiting_since=case.waiting_since,
                  created_at=past.posted_at, updated_at=changed,
                  # a case that went through rounds had the household's consent from its posting
                  consent_given=past.posted_at.date(), consent_scope=["network"],
                  consent_recorded_at=past.posted_at, consent_ended_at=past.withdrawn_at)
    store_case_spec(uow, row, {**case.model_dump(mode="json", exclude={
        "id", "municipality", "declined_units"}), "reference": _reference(past)})
    return row


def _reference(past: PastCase) -> str:
    """A case-file number as a municipality writes one: "0127-2025-000457" (six digits, so
    never one of a round file's five-digit numbers)."""
    return f"{past.case.municipality}-{past.posted_at:%Y}-{past.case.id.rsplit('-', 1)[-1]}"[:60]


def _unit_row(past: PastUnit, let_at: object) -> UnitRow:
    unit = past.unit
    status = (UnitStatus.LET if let_at else UnitStatus.WITHDRAWN if past.withdrawn_at
              else UnitStatus.AVAILABLE)
    return UnitRow(id=new_id("unit"), municipality_code=unit.municipality, status=status,
                   spec=unit.model_dump(mode="json", exclude={"id", "municipality"}),
                   created_at=past.published_at, updated_at=let_at or past.withdrawn_at or
                   past.published_at, published_at=past.published_at, let_at=let_at,
                   withdrawn_at=past.withdrawn_at)


def _round_rows(uow: UnitOfWork, network: str, past: PastRound, history: History) -> SolveRow:
    """A closed round and its one solve, which keeps no round file: it was never the
    engine's (the history made it up), so it cannot be replayed."""
    round_id = f"{network}-{past.period}"
    uow.session.add(RoundRow(id=round_id, network_id=network, period=past.period,
                             status=RoundStatus.CLOSED, progress="closed (loaded history)",
                             opened_at=past.opened_at, published_at=past.published_at,
                             closed_at=past.closed_at))
    placed = dict.fromkeys(("acute", "high", "normal"), 0)
    urgency = {c.case.id: c.case.urgency.value for c in history.cases}
    for p in history.proposals:
        if p.period == past.period:
            placed[urgency[p.case]] += 1
    return SolveRow(round_id=round_id, seq=1, round_file=None, result=None, status=HISTORY,
                    placed=placed, seconds=0.0, params=None, solved_at=past.solved_at,
                    erased_at=past.closed_at)


def _proposal_row(uow: UnitOfWork, network: str, past: PastProposal, solve: SolveRow,
                  cases: dict[str, CaseRow], units: dict[str, UnitRow]) -> LedgerEntryRow | None:
    """The proposal, and the ledger move a confirmed one made at its round's close."""
    case, unit = cases[past.case], units[past.unit]
    row = ProposalRow(id=new_id("prop"), round_id=solve.round_id, solve_id=solve.id,
                      case_id=case.id, unit_id=unit.id, schools=[],
                      status=ProposalStatus(past.status), published=True,
                      decline_reason=past.decline_reason, answered_at=past.answered_at,
                      confirmed_at=past.confirmed_at)
    uow.session.add(row)
    published = uow.session.get_one(RoundRow, solve.round_id).published_at
    if published is not None:
        case.first_proposed_at = min(case.first_proposed_at or published, published)
    if past.status != "confirmed":
        return None
    case.accepted_at, case.contract_at = past.answered_at, past.confirmed_at
    if past.confirmed_at is not None:  # the keys, a week or so after the contract
        moved = (past.confirmed_at + MOVE_AFTER_CONTRACT).date()
        row.moved_in_on = case.moved_in_on = moved if moved <= now().date() else None
    return LedgerEntryRow(network_id=network, kind="move", receiving_code=unit.municipality_code,
                          sending_code=case.municipality_code, amount=1, round_id=solve.round_id,
                          proposal_id=row.id,
                          recorded_at=uow.session.get_one(RoundRow, solve.round_id).closed_at)
