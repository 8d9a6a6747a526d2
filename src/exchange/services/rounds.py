"""Rounds: the coordinator opens a month's round, solves it, publishes it and closes it.

A solve is claimed with one conditional UPDATE, so two coordinators asking at once get one solve
and a clear refusal. The solver then runs outside any transaction, beating a heartbeat into the
round; its result, the proposals and the new statuses are written in one transaction at the end.
A process killed mid-solve therefore leaves nothing half-written: the round stays `solving`, its
heartbeat goes stale, and the solve can be claimed again.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import threading
from collections import Counter
from concurrent.futures import Executor
from dataclasses import dataclass

from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from exchange.domain.model import Proposal, Result
from exchange.formats import dump, load_round
from exchange.persistence.database import UnitOfWork
from exchange.persistence.rows import (
    CaseRow,
    CaseStatus,
    ProposalRow,
    ProposalStatus,
    Role,
    RoundRow,
    RoundStatus,
    SchoolRow,
    SolveRow,
    UnitRow,
    UnitStatus,
    now,
)
from exchange.services.access import Actor, audit, one, require, round_scope
from exchange.services.errors import Conflict
from exchange.services.records import check_version, new_id, page
from exchange.services.schemas import RoundView
from exchange.services.sealed import solve_result, solve_round_file, store_solve
from exchange.services.snapshot import snapshot, version_key
from exchange.solver import SolveParams, solve

log = logging.getLogger(__name__)

SOLVABLE = (RoundStatus.OPEN, RoundStatus.SOLVED, RoundStatus.PUBLISHED)
HEARTBEAT_SECONDS = 2.0


@dataclass(frozen=True)
class SolveJob:
    """A claimed solve: the round, the claim's token, the round file it must solve, and the
    version of each case, unit and school that file was taken from."""

    round_id: str
    token: str
    seq: int
    round_file: str
    versions: dict[str, int]


def open_round(uow: UnitOfWork, actor: Actor, period: str) -> RoundRow:
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
    return row


def list_rounds(uow: UnitOfWork, actor: Actor, limit: int, offset: int
                ) -> tuple[list[RoundRow], int]:
    """The network's rounds, newest first."""
    require(uow, actor, "list", "round", Role.COORDINATOR)
    return page(uow, select(RoundRow).where(round_scope(actor)).order_by(
        RoundRow.period.desc()), limit, offset)


def get_round(uow: UnitOfWork, actor: Actor, round_id: str, action: str = "read") -> RoundRow:
    """One of the network's rounds."""
    require(uow, actor, action, "round", Role.COORDINATOR)
    return one(uow, actor, select(RoundRow).where(RoundRow.id == round_id, round_scope(actor)),
               "round", round_id, action)


def start_solve(uow: UnitOfWork, actor: Actor, round_id: str, stale_after: float) -> SolveJob:
    """Claim the round for one solve and take its snapshot; refuse while another solve lives."""
    require(uow, actor, "solve", "round", Role.COORDINATOR)
    token, stale = secrets.token_hex(16), now() - dt.timedelta(seconds=stale_after)
    claimed = uow.session.execute(
        update(RoundRow).where(
            RoundRow.id == round_id, round_scope(actor),
            or_(RoundRow.status.in_(SOLVABLE),
                and_(RoundRow.status == RoundStatus.SOLVING, RoundRow.heartbeat_at < stale)))
        .values(previous_status=case((RoundRow.status == RoundStatus.SOLVING,
                                      RoundRow.previous_status), else_=RoundRow.status),
                status=RoundStatus.SOLVING, solve_token=token, heartbeat_at=now(),
                progress="queued", version=RoundRow.version + 1)
        .execution_options(synchronize_session=False)).rowcount
    row = get_round(uow, actor, round_id, "solve")
    if not claimed:
        raise Conflict(f"The round is {row.status}; it can be solved when it is open, solved or "
                       "published, and only one solve runs at a time.")
    uow.session.refresh(row)
    seq = (uow.session.scalar(select(func.max(SolveRow.seq)).where(
        SolveRow.round_id == row.id)) or 0) + 1
    job = SolveJob(row.id, token, seq, *snapshot(uow, row, seq, now().date()))
    audit(uow, actor, "solve", "round", row.id)
    return job


def submit_solve(executor: Executor, sessions: sessionmaker[Session], job: SolveJob,
                 time_limit: float) -> None:
    """Queue a claimed solve. Its heartbeat starts at once, so a solve waiting its turn behind
    another network's is never taken for dead."""
    beating = _heartbeat(sessions, job)
    executor.submit(run_solve, sessions, job, time_limit, beating)


def run_solve(sessions: sessionmaker[Session], job: SolveJob, time_limit: float,
              beating: threading.Event | None = None) -> None:
    """Solve a claimed round and store what it gives; meant to run in the background."""
    beating = beating or _heartbeat(sessions, job)
    try:
        _touch(sessions, job, "solving")
        result = solve(load_round(job.round_file), SolveParams(time_limit=time_limit),
                       progress=lambda line: _touch(sessions, job, line))
        beating.set()
        _store(sessions, job, result)
    except Exception as error:  # the round must not stay claimed by a dead solve
        log.error("solve of round %s failed: %s", job.round_id, type(error).__name__)
        _release(sessions, job, f"failed ({type(error).__name__}); solve again, or report it")
    finally:
        beating.set()


def publish_round(uow: UnitOfWork, actor: Actor, round_id: str, version: int) -> RoundRow:
    """Show the round's new proposals to the case workers and housing officers concerned."""
    row = get_round(uow, actor, round_id, "publish")
    check_version(row, version)
    if row.status != RoundStatus.SOLVED:
        raise Conflict(f"The round is {row.status}; only a solved round can be published.")
    for proposal in uow.session.scalars(select(ProposalRow).where(
            ProposalRow.round_id == row.id, ProposalRow.published.is_(False))):
        proposal.published = True
    row.status, row.published_at = RoundStatus.PUBLISHED, now()
    audit(uow, actor, "publish", "round", row.id)
    return row


def solves(uow: UnitOfWork, round_id: str) -> list[SolveRow]:
    """Every stored solve of a round, first to last."""
    return list(uow.session.scalars(select(SolveRow).where(SolveRow.round_id == round_id)
                                    .order_by(SolveRow.seq)))


def replay(uow: UnitOfWork, round_id: str, seq: int | None = None,
           time_limit: float = 600.0) -> tuple[SolveRow, Result, bool]:
    """Solve a stored round file again; True when it gives the stored proposals exactly."""
    stored = solves(uow, round_id)
    chosen = next((s for s in stored if seq in (None, s.seq) and
                   (seq is not None or s is stored[-1])), None)
    if chosen is None:
        raise Conflict(f"Round {round_id} has no stored solve {seq or ''}".strip() + ".")
    again = solve(load_round(solve_round_file(chosen)), SolveParams(time_limit=time_limit))
    stored_result = solve_result(chosen)
    return chosen, again, stored_result is not None and again.proposals == stored_result.proposals


def _heartbeat(sessions: sessionmaker[Session], job: SolveJob) -> threading.Event:
    """Beat the round's heartbeat every few seconds until the returned event is set."""
    done = threading.Event()

    def beat() -> None:
        while not done.wait(HEARTBEAT_SECONDS):
            _touch(sessions, job, None)

    threading.Thread(target=beat, daemon=True, name=f"heartbeat {job.round_id}").start()
    return done


def _touch(sessions: sessionmaker[Session], job: SolveJob, line: str | None) -> None:
    values: dict[str, object] = {"heartbeat_at": now()}
    if line is not None:
        values["progress"] = line[:300]
    with UnitOfWork(sessions) as uow:
        uow.session.execute(update(RoundRow).where(
            RoundRow.id == job.round_id, RoundRow.solve_token == job.token).values(**values)
            .execution_options(synchronize_session=False))
        uow.commit()


def _store(sessions: sessionmaker[Session], job: SolveJob, result: Result) -> None:
    """The result, its proposals and every status change, in one transaction."""
    with UnitOfWork(sessions) as uow:
        row = uow.session.scalars(select(RoundRow).where(
            RoundRow.id == job.round_id, RoundRow.solve_token == job.token)).first()
        if row is None:  # another solve took the round over; this one's answer is void
            return
        solve_row = SolveRow(round_id=row.id, seq=job.seq, status=result.status.value,
                             placed=result.placed.model_dump(), seconds=result.solver.seconds)
        store_solve(uow, solve_row, job.round_file, dump(result))
        uow.session.add(solve_row)
        uow.session.flush()
        dropped = sum(not _propose(uow, row, solve_row, p, job.versions)
                      for p in result.proposals)
        placed = result.placed
        row.status, row.solve_token, row.previous_status = RoundStatus.SOLVED, None, None
        row.progress = (f"solved ({result.status.value}): {placed.acute} acute, {placed.high} "
                        f"high, {placed.normal} normal placed in {result.solver.seconds:.1f} s"
                        + (f"; {dropped} left out, changed during the solve" if dropped else ""))
        uow.commit()


def _propose(uow: UnitOfWork, row: RoundRow, solve_row: SolveRow, proposal: Proposal,
             versions: dict[str, int]) -> bool:
    """Record one proposal, unless its case, unit or a school it uses changed while the solver
    ran: the solver judged the snapshot, so a changed row (a new danger zone, a moved unit,
    fewer school places) voids the proposal rather than risk breaking a rule."""
    case_row = uow.session.get_one(CaseRow, proposal.case)
    unit = uow.session.get_one(UnitRow, proposal.unit)
    schools = [uow.session.get_one(SchoolRow, p.school) for p in proposal.schools if p.school]
    if any(r.version != versions.get(version_key(r)) for r in (case_row, unit, *schools)):
        return False
    if case_row.status != CaseStatus.OPEN or unit.status != UnitStatus.AVAILABLE:
        return False
    case_row.status, unit.status = CaseStatus.PROPOSED, UnitStatus.PROPOSED
    uow.session.add(ProposalRow(
        id=new_id("prop"), round_id=row.id, solve_id=solve_row.id, case_id=proposal.case,
        unit_id=proposal.unit, status=ProposalStatus.PROPOSED,
        schools=[place.model_dump(mode="json") for place in proposal.schools]))
    return True


def _release(sessions: sessionmaker[Session], job: SolveJob, progress: str) -> None:
    with UnitOfWork(sessions) as uow:
        uow.session.execute(update(RoundRow).where(
            RoundRow.id == job.round_id, RoundRow.solve_token == job.token).values(
            status=func.coalesce(RoundRow.previous_status, RoundStatus.OPEN), solve_token=None,
            previous_status=None, progress=progress, version=RoundRow.version + 1)
            .execution_options(synchronize_session=False))
        uow.commit()


def round_view(uow: UnitOfWork, row: RoundRow, stale_after: float) -> RoundView:
    """The round as the coordinator sees it: status, progress, and what its last solve gave
    (its placements only, once the solve was erased after the retention period)."""
    stored = solves(uow, row.id)
    last = solve_result(stored[-1]) if stored else None
    counts = Counter(uow.session.scalars(select(ProposalRow.status).where(
        ProposalRow.round_id == row.id)))
    stalled = (row.status == RoundStatus.SOLVING and row.heartbeat_at is not None
               and row.heartbeat_at < now() - dt.timedelta(seconds=stale_after))
    return RoundView(
        id=row.id, network=row.network_id, period=row.period, status=row.status,
        progress=row.progress, stalled=stalled, version=row.version, solves=len(stored),
        placed=stored[-1].placed if stored else None,
        unplaced=dict(Counter(u.reason.value for u in last.unplaced)) if last else None,
        proposals={str(k): v for k, v in counts.items()})
