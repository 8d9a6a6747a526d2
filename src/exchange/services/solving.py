"""Solves in the background: a claimed round is solved outside any transaction, beating a
heartbeat into the round; its result, the proposals and the new statuses are written in one
transaction at the end.

A process killed mid-solve leaves nothing half-written: the round stays `solving`, its heartbeat
goes stale (after the `stale_after` seconds the round remembers), and the solve can be claimed
again. A solve whose claim was taken over by another is void: its answer is dropped.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field

from sqlalchemy import func, select, update

from exchange.domain.lifecycle import CaseStatus, ProposalStatus, RoundStatus, UnitStatus, move
from exchange.domain.model import Proposal, Result
from exchange.formats import dump, load_round
from exchange.persistence.rows import CaseRow, ProposalRow, RoundRow, SchoolRow, SolveRow, UnitRow
from exchange.persistence.rows import now as _now
from exchange.services.database import Database
from exchange.services.records import new_id
from exchange.services.sealed import store_solve
from exchange.services.snapshot import version_key
from exchange.services.unit_of_work import UnitOfWork
from exchange.solver import SolveParams, solve

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 2.0


@dataclass(frozen=True)
class SolveJob:
    """A claimed solve: the round, the claim's token, the round file it must solve with its
    parameters, and the version of each case, unit and school that file was taken from."""

    round_id: str
    token: str
    seq: int
    round_file: str
    versions: dict[str, int]
    params: SolveParams = field(default_factory=SolveParams)


class Solver:
    """Runs claimed solves one at a time, in the background, on `database`.

    `params` shape every solve it runs; a round whose solve shows no sign of life for
    `stale_after` seconds may be claimed again.
    """

    def __init__(self, database: Database, params: SolveParams, stale_after: float,
                 executor: Executor | None = None) -> None:
        self.database, self.params, self.stale_after = database, params, stale_after
        self._executor = executor or ThreadPoolExecutor(max_workers=1,
                                                        thread_name_prefix="solve")

    def submit(self, job: SolveJob) -> None:
        """Queue a claimed solve. Its heartbeat starts at once, so a solve waiting its turn
        behind another network's is never taken for dead."""
        beating = _heartbeat(self.database, job)
        self._executor.submit(run_solve, self.database, job, beating)

    def shutdown(self) -> None:
        self._executor.shutdown(wait=True)


def run_solve(database: Database, job: SolveJob, beating: threading.Event | None = None) -> None:
    """Solve a claimed round and store what it gives; meant to run in the background."""
    beating = beating or _heartbeat(database, job)
    try:
        _touch(database, job, "solving")
        result = solve(load_round(job.round_file), job.params,
                       progress=lambda line: _touch(database, job, line))
        beating.set()
        _store(database, job, result)
    except Exception as error:  # the round must not stay claimed by a dead solve
        log.error("solve of round %s failed: %s", job.round_id, type(error).__name__)

        _release(database, job, f"failed ({type(error).__name__}); solve again, or report it")
    finally:
        beating.set()


def _heartbeat(database: Database, job: SolveJob) -> threading.Event:
    """Beat the round's heartbeat every few seconds until the returned event is set."""
    done = threading.Event()

    def beat() -> None:
        while not done.wait(HEARTBEAT_SECONDS):
            _touch(database, job, None)

    threading.Thread(target=beat, daemon=True, name=f"heartbeat {job.round_id}").start()
    return done


def _touch(database: Database, job: SolveJob, line: str | None) -> None:
    values: dict[str, object] = {"heartbeat_at": _now()}
    if line is not None:
        values["progress"] = line[:300]
    with database.unit_of_work() as uow:
        uow.session.execute(update(RoundRow).where(
            RoundRow.id == job.round_id, RoundRow.solve_token == job.token).values(**values)
            .execution_options(synchronize_session=False))
        uow.commit()


def _store(database: Database, job: SolveJob, result: Result) -> None:
    """The result, its proposals and every status change, in one transaction."""
    with database.unit_of_work() as uow:
        row = uow.session.scalars(select(RoundRow).where(
            RoundRow.id == job.round_id, RoundRow.solve_token == job.token)).first()
        if row is None:  # another solve took the round over; this one's answer is void
            return
        solve_row = SolveRow(round_id=row.id, seq=job.seq, status=result.status.value,
                             placed=result.placed.model_dump(), seconds=result.solver.seconds,
                             params=job.params.as_json())
        store_solve(uow, solve_row, job.round_file, dump(result))
        uow.session.add(solve_row)
        uow.session.flush()
        dropped = sum(not _propose(uow, row, solve_row, p, job.versions)
                      for p in result.proposals)
        placed = result.placed
        row.status = move(row.status, RoundStatus.SOLVED, "round")
        row.solve_token, row.previous_status = None, None
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
    judged: list[CaseRow | UnitRow | SchoolRow] = [case_row, unit, *schools]
    if any(r.version != versions.get(version_key(r)) for r in judged):
        return False
    if case_row.status != CaseStatus.OPEN or unit.status != UnitStatus.AVAILABLE:
        return False
    case_row.status = move(case_row.status, CaseStatus.PROPOSED, "case")
    unit.status = move(unit.status, UnitStatus.PROPOSED, "unit")
    uow.session.add(ProposalRow(
        id=new_id("prop"), round_id=row.id, solve_id=solve_row.id, case_id=proposal.case,
        unit_id=proposal.unit, status=ProposalStatus.PROPOSED,
        schools=[place.model_dump(mode="json") for place in proposal.schools]))
    return True


def _release(database: Database, job: SolveJob, progress: str) -> None:
    """Give a failed solve's round back the status it had before the claim."""
    with database.unit_of_work() as uow:
        uow.session.execute(update(RoundRow).where(
            RoundRow.id == job.round_id, RoundRow.solve_token == job.token).values(
            status=func.coalesce(RoundRow.previous_status, RoundStatus.OPEN), solve_token=None,
            previous_status=None, progress=progress, version=RoundRow.version + 1)
            .execution_options(synchronize_session=False))
        uow.commit()
