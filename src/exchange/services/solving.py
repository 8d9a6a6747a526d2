"""Solves in the background, each in a worker process of its own.

A claimed round (see `exchange.services.rounds`) waits its turn in the service process's queue;
its heartbeat beats from the moment it is claimed. Its turn come, a worker process is forked (from
a server process that has the solver loaded) and given the round file and the parameters, and
nothing else: no database, no data keys. It sends back its progress lines and the result. The
service process writes the progress into the round, and the result, the proposals and the new
statuses in one transaction at the end.

- A crash in the solver's native code ends the worker, not the service; the round goes back to
  the status it had, with a progress line that says what happened.
- A worker may use `memory_mb` of memory (`EXCHANGE_SOLVE_MEMORY_MB`; its data segment, so that a
  national solve cannot starve the service); beyond it the solve fails alike, saying so.
- A coordinator cancels a solve by taking its claim back (`rounds.cancel_solve`), in the
  database, so whichever service process runs it sees so at its next heartbeat and stops it.
- A service process killed mid-solve leaves nothing half-written: its workers die with it, the
  round stays `solving`, its heartbeat goes stale (after the `stale_after` seconds the round
  remembers), and the solve can be claimed again. A solve whose claim was taken over by
  another is void: its answer is dropped.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import multiprocessing
import resource
import signal
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from multiprocessing.connection import Connection
from multiprocessing.context import ForkServerContext

from sqlalchemy import ColumnElement, func, insert, select, true, update

from exchange.domain.lifecycle import CaseStatus, ProposalStatus, RoundStatus, UnitStatus, move
from exchange.domain.model import Proposal, Result
from exchange.formats import dump, load_round
from exchange.persistence.rows import CaseRow, ProposalRow, RoundRow, SchoolRow, SolveRow, UnitRow
from exchange.persistence.rows import now as _now
from exchange.services.database import Database
from exchange.services.records import changed, chunks, new_id
from exchange.services.sealed import store_solve
from exchange.services.snapshot import key_of
from exchange.services.unit_of_work import UnitOfWork
from exchange.solver import SolveParams, solve

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 2.0
#: How often the service looks up from a worker's pipe to see whether to stop it.
POLL_SECONDS = 0.25


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


class SolveFailed(Exception):
    """A worker ended without an answer; the message says why, in words for the coordinator."""


class Solver:
    """Runs claimed solves one at a time, each in a worker process, on `database`.

    `params` shape every solve it runs; a round whose solve shows no sign of life for
    `stale_after` seconds may be claimed again; a worker may use `memory_mb` (0: no limit).
    """

    def __init__(self, database: Database, params: SolveParams, stale_after: float,
                 memory_mb: int = 0) -> None:
        self.database, self.params, self.stale_after = database, params, stale_after
        self.memory_mb = memory_mb
        self._stopping = threading.Event()
        self._queue = ThreadPoolExecutor(max_workers=1, thread_name_prefix="solve")

    def submit(self, job: SolveJob) -> None:
        """Queue a claimed solve. Its heartbeat starts at once, so a solve waiting its turn
        behind another network's is never taken for dead."""
        claim = Claim(self.database, job)
        self._queue.submit(run_solve, self.database, job, claim, memory_mb=self.memory_mb,
                           stopping=self._stopping)

    def shutdown(self) -> None:
        """Stop: a running worker is stopped and every claimed round given back, to be solved
        again."""
        self._stopping.set()
        self._queue.shutdown(wait=True)


class Claim:
    """A claimed round's heartbeat, beaten every few seconds from a thread of its own until
    `end`; `lost` is set once the claim is gone (cancelled, or taken over when it went stale)."""

    def __init__(self, database: Database, job: SolveJob) -> None:
        self.database, self.job = database, job
        self.ended, self.lost = threading.Event(), threading.Event()
        threading.Thread(target=self._beat, daemon=True,
                         name=f"heartbeat {job.round_id}").start()

    def touch(self, line: str | None) -> None:
        """Beat the heartbeat, with a progress line if given."""
        if not _touch(self.database, self.job, line):
            self.lost.set()

    def end(self) -> None:
        self.ended.set()

    def _beat(self) -> None:
        while not self.ended.wait(HEARTBEAT_SECONDS):
            self.touch(None)


def run_solve(database: Database, job: SolveJob, claim: Claim | None = None, *,
              memory_mb: int = 0, stopping: threading.Event | None = None) -> None:
    """Solve a claimed round in a worker process and store what it gives; meant to run in the
    background."""
    claim = claim or Claim(database, job)
    stopping = stopping or threading.Event()
    try:
        claim.touch("solving")
        answer = None if claim.lost.is_set() else _in_worker(job, memory_mb, claim, stopping)
        claim.end()
        if answer is not None:
            _store(database, job, *answer)
        elif stopping.is_set() and not claim.lost.is_set():
            _release(database, job, "stopped: the service stopped during the solve; solve again")
    except SolveFailed as failure:
        log.error("solve of round %s failed: %s", job.round_id, failure)
        _release(database, job, f"failed: {failure}")
    except Exception as error:  # the round must not stay claimed by a dead solve
        log.error("solve of round %s failed: %s", job.round_id, type(error).__name__)
        _release(database, job, f"failed ({type(error).__name__}); solve again, or report it")
    finally:
        claim.end()


def _in_worker(job: SolveJob, memory_mb: int, claim: Claim,
               stopping: threading.Event) -> tuple[Result, int] | None:
    """The solve's result and the worker's peak memory in MB, from a worker process of its
    own, its progress passed to the claim; None when the claim is lost or the service stops
    (the worker is then stopped)."""
    context = _context()
    receiving, sending = context.Pipe(duplex=False)
    worker = context.Process(target=_work, args=(job.round_file, job.params, memory_mb, sending),
                             name=f"solve {job.round_id}", daemon=True)
    worker.start()
    sending.close()  # the worker holds the only sending end: its end is the pipe's end
    try:
        while not (claim.lost.is_set() or stopping.is_set()):
            if not receiving.poll(POLL_SECONDS):
                continue
            try:
                kind, payload = receiving.recv()
            except EOFError:
                worker.join()
                raise SolveFailed(_ending(worker.exitcode, memory_mb)) from None
            if kind == "progress":
                claim.touch(payload)
            elif kind == "result":
                return payload
            else:
                raise SolveFailed(payload)
        return None
    finally:
        if worker.is_alive():
            worker.kill()
        worker.join()
        receiving.close()


@cache
def _context() -> ForkServerContext:
    """Workers are forked from a server process that has the solver loaded: quick to start,
    and never a fork of the service's threads."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    return context


def _work(round_file: str, params: SolveParams, memory_mb: int, out: Connection) -> None:
    """A worker process: solve the round file, send each progress line and then the result
    (or why there is none). Nothing of the round goes anywhere else."""
    _end_with_parent()
    if memory_mb:
        limit = memory_mb * 2**20
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    try:
        result = solve(load_round(round_file), params,
                       progress=lambda line: out.send(("progress", line)))
    except MemoryError:
        out.send(("failed", f"the solve needed more than its {memory_mb} MB of memory; raise "
                            "EXCHANGE_SOLVE_MEMORY_MB, or solve the round on a larger machine"))
    except Exception as error:  # its kind only: a message may hold data
        out.send(("failed", f"the solver stopped ({type(error).__name__}); solve again, or "
                            "report it"))
    else:
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024  # KB on Linux
        out.send(("result", (result, peak_mb)))


def _end_with_parent() -> None:
    """Have Linux end this worker when its parent ends (a killed service leaves no solve
    running); elsewhere, the worker ends at its next progress line, finding no one to tell."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _ending(exitcode: int | None, memory_mb: int) -> str:
    """Why a worker ended without a word, for the coordinator."""
    how = (f"signal {signal.Signals(-exitcode).name}" if exitcode is not None and exitcode < 0
           else f"exit code {exitcode}")
    near_limit = (f", perhaps at its memory limit of {memory_mb} MB (EXCHANGE_SOLVE_MEMORY_MB)"
                  if memory_mb else "")
    return f"the solver process ended ({how}{near_limit}); solve again, or report it"


def _touch(database: Database, job: SolveJob, line: str | None) -> bool:
    """Beat the round's heartbeat (and say `line`) while this solve holds its claim; False once
    it does not."""
    values: dict[str, object] = {"heartbeat_at": _now()}
    if line is not None:
        values["progress"] = line[:300]
    with database.unit_of_work() as uow:
        held = uow.session.execute(update(RoundRow).where(
            RoundRow.id == job.round_id, RoundRow.solve_token == job.token).values(**values)
            .execution_options(synchronize_session=False))
        uow.commit()
    return changed(held) > 0


def _store(database: Database, job: SolveJob, result: Result, peak_mb: int) -> None:
    """The result, its proposals and every status change, in one transaction; the progress
    line says what it gave, and the memory it took (for whoever sets the limit)."""
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
        kept = _as_judged(uow, result.proposals, job.versions)
        _propose(uow, row, solve_row, kept)
        dropped = len(result.proposals) - len(kept)
        placed = result.placed
        row.status = move(row.status, RoundStatus.SOLVED, "round")
        row.solve_token, row.previous_status = None, None
        row.progress = (f"solved ({result.status.value}): {placed.acute} acute, {placed.high} "
                        f"high, {placed.normal} normal placed in {result.solver.seconds:.1f} s"
                        + (f"; {dropped} left out, changed during the solve" if dropped else "")
                        + f"; the worker's peak memory {peak_mb} MB")
        uow.commit()


def _as_judged(uow: UnitOfWork, proposals: list[Proposal], versions: dict[str, int]
               ) -> list[Proposal]:
    """The proposals whose case, unit and schools are still as the solver judged them, the case
    open and the unit available. The solver judged the snapshot, so a row changed since (a new
    danger zone, a moved unit, fewer school places) voids its proposal rather than risk
    breaking a rule. The rows are read in a few queries, not one each: a national round
    proposes thousands."""
    judged: list[tuple[type[CaseRow | UnitRow | SchoolRow], set[str], ColumnElement[bool]]] = [
        (CaseRow, {p.case for p in proposals}, CaseRow.status == CaseStatus.OPEN),
        (UnitRow, {p.unit for p in proposals}, UnitRow.status == UnitStatus.AVAILABLE),
        (SchoolRow, {s.school for p in proposals for s in p.schools if s.school}, true())]
    live: set[str] = set()  # the version keys of the rows still as they were judged
    for kind, ids, free in judged:
        for chunk in chunks(sorted(ids)):
            live.update(key_of(kind, id_) for id_, version, usable in uow.session.execute(
                select(kind.id, kind.version, free).where(kind.id.in_(chunk)))
                if usable and version == versions.get(key_of(kind, id_)))
    return [p for p in proposals if all(key in live for key in _keys(p))]


def _keys(proposal: Proposal) -> list[str]:
    return [key_of(CaseRow, proposal.case), key_of(UnitRow, proposal.unit),
            *(key_of(SchoolRow, s.school) for s in proposal.schools if s.school)]


def _propose(uow: UnitOfWork, row: RoundRow, solve_row: SolveRow,
             proposals: list[Proposal]) -> None:
    """Record the proposals, and move their cases to proposed and their units likewise, in
    statements of a few hundred rows each."""
    case_status = move(CaseStatus.OPEN, CaseStatus.PROPOSED, "case")
    unit_status = move(UnitStatus.AVAILABLE, UnitStatus.PROPOSED, "unit")
    for chunk in chunks(proposals):
        for kind, ids, status in ((CaseRow, [p.case for p in chunk], case_status),
                                  (UnitRow, [p.unit for p in chunk], unit_status)):
            uow.session.execute(update(kind).where(kind.id.in_(ids)).values(
                status=status, version=kind.version + 1,
            ).execution_options(synchronize_session=False))
        uow.session.execute(insert(ProposalRow), [
            {"id": new_id("prop"), "round_id": row.id, "solve_id": solve_row.id,
             "case_id": p.case, "unit_id": p.unit, "status": ProposalStatus.PROPOSED,
             "schools": [place.model_dump(mode="json") for place in p.schools]}
            for p in chunk])


def _release(database: Database, job: SolveJob, progress: str) -> None:
    """Give a failed solve's round back the status it had before the claim."""
    with database.unit_of_work() as uow:
        uow.session.execute(update(RoundRow).where(
            RoundRow.id == job.round_id, RoundRow.solve_token == job.token).values(
            status=func.coalesce(RoundRow.previous_status, RoundStatus.OPEN), solve_token=None,
            previous_status=None, progress=progress, version=RoundRow.version + 1)
            .execution_options(synchronize_session=False))
        uow.commit()
