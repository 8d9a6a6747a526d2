"""`solve`: a round in, a checked result out. Pure: no files, no clock in the answer."""

from __future__ import annotations

import math
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
from exchange.solver.circulation import FirstAnswer, first_answer, tier_counts
from exchange.solver.deadline import Clock, Deadline, finishing_reserve
from exchange.solver.eligibility import Pairs, eligible_pairs, possible_pairs
from exchange.solver.explain import Placement, complete, explain
from exchange.solver.floor import with_first_come_floor
from exchange.solver.instance import TIERS, Instance, build_instance
from exchange.solver.lexicographic import Plan, solve_lexicographic
from exchange.solver.params import SolveParams
from exchange.solver.schools import assign_schools


class SolverFault(RuntimeError):
    """The engine produced something that breaks a rule; nothing must be written."""


def secondary_score(inst: Instance, pairs: Pairs,
                    params: SolveParams | None = None) -> NDArray:
    """Whole-number worth of each pair among solutions with the same tier counts.

    By default: longer waiting first (a day each, up to two years), then households with
    children (30 days a child), then a preferred municipality (20 days), less 15 days per room
    beyond the need (see `SolveParams`).
    """
    p = params or SolveParams()
    cases = inst.round.cases
    children = np.array([len(c.household.children) for c in cases], dtype=np.int64)
    # A case-by-member table, so that a national round's millions of pairs are one lookup.
    prefers = np.zeros((len(cases), len(inst.members)), dtype=bool)
    member = {code: m for m, code in enumerate(inst.members)}
    for c, case in enumerate(cases):
        prefers[c, [member[m] for m in case.preferences.municipalities if m in member]] = True
    preferred = prefers[pairs.case, inst.u_mun[pairs.unit]]
    rooms_min = np.array([c.rooms_min for c in cases], dtype=np.int64)
    return (p.wait_day * np.minimum(inst.wait_days, p.wait_cap_days)[pairs.case]
            + p.per_child * children[pairs.case]
            + p.preferred_municipality * preferred
            + p.per_extra_room * (inst.u_rooms[pairs.unit] - rooms_min[pairs.case]))


def solve(round_: Round, params: SolveParams | None = None, *,
          progress: Callable[[str], None] = lambda _: None,
          clock: Clock = time.monotonic) -> Result:
    """Propose units for the cases of a round; every proposal passes every rule.

    Parameters
    ----------
    round_
        A validated round.
    params
        What else shapes the answer (`SolveParams`): above all `time_limit`, the wall-clock
        seconds for the whole solve. A first answer (`exchange.solver.circulation`)
        comes first where it fits; the model stops early enough to leave the finishing steps
        (completion, reasons, school names, the independent check) the time they need,
        estimated from the build. When the model stops before proving the tier counts, the
        result is the better of its placements, completed, and the first answer, with each
        unproven tier raised to first come (or to the first answer's placements of it) with
        the more urgent tiers kept where that places more (`exchange.solver.floor`); it says
        ``feasible`` unless every tier reaches its bound (`tier_bounds`).
    progress
        Receives one line per step, for people watching a long solve.
    clock
        Where the time limit is read from (seconds, monotonic); tests pass a fake one.
    """
    params = params or SolveParams()
    started = time.perf_counter()
    deadline = Deadline(params.time_limit, clock)
    building = clock()
    inst = build_instance(round_)
    eligible = eligible_pairs(inst)
    pairs = possible_pairs(inst, eligible)
    progress(f"{len(eligible)} eligible pairs of {inst.n_cases} cases and {inst.n_units} units"
             f" ({len(eligible) - len(pairs)} of them never possible: too few school places)")
    score = secondary_score(inst, pairs, params)
    build = clock() - building
    order = _priority_order(inst)
    first = first_answer(inst, pairs, order, progress=progress, deadline=deadline.earlier(
        finishing_reserve(build, completion=False)))
    plan = solve_lexicographic(inst, pairs, score, deadline=deadline.earlier(
        finishing_reserve(build)), progress=progress)
    placement, answer = _best_placement(inst, pairs, plan, first, order, progress,
                                        deadline.earlier(finishing_reserve(build,
                                                                           completion=False)))
    counts = tier_counts(placement)
    bounds = tier_bounds(inst, pairs, plan, first, counts)
    proven = plan.proven or counts == bounds
    stats = {**plan.stats, "eligible_pairs": len(eligible), "possible_pairs": len(pairs),
             "answer": answer, "time_limit_s": params.time_limit,
             **{f"bound_{tier.value}": b for tier, b in zip(TIERS, bounds, strict=True)}}
    if first is not None:
        stats["acute_bound"] = first.acute_bound
    result = _result(inst, placement, proven, time.perf_counter() - started, stats)
    broken = violations(round_, result)
    if broken:
        raise SolverFault("the engine broke a rule and wrote nothing: " + "; ".join(broken[:5]))
    return result


def _best_placement(inst: Instance, pairs: Pairs, plan: Plan, first: FirstAnswer | None,
                    order: NDArray, progress: Callable[[str], None],
                    deadline: Deadline) -> tuple[Placement, str]:
    """The model's placements when it proved them; otherwise the model's placements completed,
    or the first answer where it places more cases of a more urgent tier. Also says which."""
    placement = Placement.of(inst, pairs.case[plan.chosen], pairs.unit[plan.chosen])
    if plan.proven:
        return placement, "model"
    if plan.chosen.size or first is None:
        complete(inst, placement, order, pairs)
    answer = "model, completed"
    if first is not None and first.counts() > tier_counts(placement):  # lexicographic
        placement, answer = first.placement, "first answer"
    donors = [first.placement] if first is not None and placement is not first.placement else []
    placement, raised = with_first_come_floor(inst, pairs, placement, order, plan.tier_proven,
                                              deadline, donors)
    if raised:
        answer += ", raised for " + " and ".join(TIERS[t].value for t in raised)
    progress(f"{answer}: " + ", ".join(
        f"{tier.value} {n}" for tier, n in zip(TIERS, tier_counts(placement), strict=True))
        + " placed (feasible, not proven)")
    return placement, answer


def tier_bounds(inst: Instance, pairs: Pairs, plan: Plan, first: FirstAnswer | None,
                counts: list[int]) -> list[int]:
    """Per tier, the most cases of that tier any answer could place that places at least
    `counts` of every more urgent tier; school places counted.

    From the model's LP or Lagrangian bound where it got one with locks these counts reach;
    otherwise every case of the tier that has an eligible pair (school reach included); the
    acute tier also by the first answer's circulation.
    """
    has_pair = np.zeros(inst.n_cases, dtype=bool)
    has_pair[pairs.case] = True
    bounds = np.bincount(inst.c_tier[has_pair], minlength=len(TIERS)).tolist()
    if first is not None:
        bounds[0] = min(bounds[0], first.acute_bound)
    for t, bound in enumerate(plan.bounds):
        locks_held = all(counts[h] >= plan.counts[h] for h in range(t))
        if bound is not None and locks_held:
            bounds[t] = min(bounds[t], math.floor(bound + 1e-6))
    return bounds


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
