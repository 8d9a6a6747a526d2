"""`solve`: a round in, a checked result out. Pure: no files, no clock in the answer."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

import exchange
from exchange.domain.model import (
    RESULT_FORMAT,
    LedgerLine,
    Placed,
    Proposal,
    Result,
    Round,
    SolverInfo,
    Status,
)
from exchange.domain.verify import violations
from exchange.solver.eligibility import Pairs, eligible_pairs
from exchange.solver.explain import Placement, complete, explain
from exchange.solver.instance import TIERS, Instance, build_instance
from exchange.solver.lexicographic import solve_lexicographic
from exchange.solver.schools import assign_schools

#: The secondary objective, in days of waiting: what one unit of each is worth.
WAIT_DAY, WAIT_CAP_DAYS = 1, 730
PER_CHILD = 30
PREFERRED_MUNICIPALITY = 20
PER_EXTRA_ROOM = -15


class SolverFault(RuntimeError):
    """The engine produced something that breaks a rule; nothing must be written."""


def secondary_score(inst: Instance, pairs: Pairs) -> NDArray:
    """Whole-number worth of each pair among solutions with the same tier counts.

    Longer waiting first (a day each, up to two years), then households with children (30 days a
    child), then a preferred municipality (20 days), less 15 days per room beyond the need.
    """
    cases = inst.round.cases
    children = np.array([len(c.household.children) for c in cases], dtype=np.int64)
    prefs = [{inst.members.index(m) for m in c.preferences.municipalities if m in inst.members}
             for c in cases]
    preferred = np.array([inst.u_mun[u] in prefs[c] for c, u in
                          zip(pairs.case.tolist(), pairs.unit.tolist(), strict=True)], dtype=bool)
    rooms_min = np.array([c.rooms_min for c in cases], dtype=np.int64)
    return (WAIT_DAY * np.minimum(inst.wait_days, WAIT_CAP_DAYS)[pairs.case]
            + PER_CHILD * children[pairs.case]
            + PREFERRED_MUNICIPALITY * preferred
            + PER_EXTRA_ROOM * (inst.u_rooms[pairs.unit] - rooms_min[pairs.case]))


def solve(round_: Round, *, time_limit: float = 60.0,
          progress: Callable[[str], None] = lambda _: None) -> Result:
    """Propose units for the cases of a round; every proposal passes every rule.

    Parameters
    ----------
    round_
        A validated round.
    time_limit
        Wall-clock seconds for the model. When it runs out, the best solution found so far is
        used and the result says ``feasible`` unless the tier counts were already proven.
    progress
        Receives one line per step, for people watching a long solve.
    """
    started = time.perf_counter()
    inst = build_instance(round_)
    pairs = eligible_pairs(inst)
    progress(f"{len(pairs)} eligible pairs of {inst.n_cases} cases and {inst.n_units} units")
    score = secondary_score(inst, pairs)
    plan = solve_lexicographic(inst, pairs, score, time_limit=time_limit, progress=progress)
    placement = Placement.of(inst, pairs.case[plan.chosen], pairs.unit[plan.chosen])
    if not plan.proven:
        complete(inst, placement, _priority_order(inst), pairs)
    stats = {**plan.stats, "time_limit_s": time_limit}
    result = _result(inst, placement, plan.proven, time.perf_counter() - started, stats)
    broken = violations(round_, result)
    if broken:
        raise SolverFault("the engine broke a rule and wrote nothing: " + "; ".join(broken[:5]))
    return result


def _priority_order(inst: Instance) -> NDArray:
    return np.lexsort((-inst.wait_days, inst.c_tier))


def _result(inst: Instance, placement: Placement, proven: bool, seconds: float,
            stats: dict) -> Result:
    cases = np.array(sorted(placement.unit_of), dtype=np.int64)
    units = np.array([placement.unit_of[c] for c in cases.tolist()], dtype=np.int64)
    schools = assign_schools(inst, cases, units)
    round_ = inst.round
    proposals = [Proposal(case=round_.cases[c].id, unit=round_.units[u].id, schools=schools[c])
                 for c, u in zip(cases.tolist(), units.tolist(), strict=True)]
    placed = {tier.value: int((inst.c_tier[cases] == t).sum()) for t, tier in enumerate(TIERS)}
    ledger = []
    host, home = inst.u_mun[units], inst.c_mun[cases]
    for m, member in enumerate(round_.municipalities):
        received = int(((host == m) & (home != m)).sum())
        sent = int(((home == m) & (host != m)).sum())
        ledger.append(LedgerLine(municipality=member.code, before=member.ledger_balance,
                                 received=received, sent=sent,
                                 after=member.ledger_balance + received - sent))
    return Result(
        format=RESULT_FORMAT,
        round=round_.round.id,
        status=Status.OPTIMAL if proven else Status.FEASIBLE,
        placed=Placed(**placed),
        proposals=proposals,
        unplaced=explain(inst, placement),
        ledger=ledger,
        solver=SolverInfo(seconds=round(seconds, 3), version=exchange.__version__,
                          parameters={"method": "lexicographic column generation, HiGHS MIP",
                                      **stats}),
    )
