"""Lexicographic tiers by column generation: proven tier counts without a model of every pair.

For each stage (acute count, high count, normal count, then the secondary score):
1. Column generation on the LP relaxation: solve the LP over the chosen pairs, price every
   eligible pair with the LP duals, add the pairs that would improve it, repeat until none
   would. The LP value is then a bound over *all* eligible pairs.
2. A MIP over the chosen pairs. For a tier count (an integer) it is proven optimal over all pairs
   when it reaches the floor of the bound; otherwise every pair whose reduced cost leaves room
   for a better integer value joins the MIP, which is then exact (reduced-cost argument). When
   the MIP over the pairs that could reach the floor already holds every such pair (the floor
   was missed by one), it was the exact MIP, and none is solved again (Södertörn 300 x 300,
   seed 2: 4.4 s saved).
3. The count is locked as a lower bound for the stages after it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
from numpy.typing import NDArray

from exchange.solver.deadline import Deadline
from exchange.solver.eligibility import Pairs
from exchange.solver.instance import TIERS, Instance
from exchange.solver.model import AssignmentModel, Outcome, Solution

Progress = Callable[[str], None]

#: Most pairs ever admitted to the final MIP of one stage by the reduced-cost argument.
MAX_EXACT_COLUMNS = 400_000
#: Relative gap at which the secondary objective stops; the tier counts are always exact.
SECONDARY_GAP = 0.002
_EPS = 1e-6


class OutOfTime(Exception):
    """The time limit ran out before a stage's LP was solved over all pairs.

    `bound` is the best Lagrangian bound its pricing rounds had found so far (None: none).
    """

    def __init__(self, bound: float | None = None) -> None:
        super().__init__("out of time")
        self.bound = bound


@dataclass
class Plan:
    """The chosen pairs, the proven tier counts, and what the stages measured."""

    chosen: NDArray
    proven: bool
    counts: list[int]
    stats: dict[str, float | int | str | bool] = field(default_factory=dict)
    #: Per tier: whether its count is proven, and an upper bound on it with school places
    #: counted (None: no bound), valid among answers placing at least the model's counts of
    #: the more urgent tiers.
    tier_proven: list[bool] = field(default_factory=lambda: [False] * len(TIERS))
    bounds: list[float | None] = field(default_factory=lambda: [None] * len(TIERS))


def solve_lexicographic(inst: Instance, pairs: Pairs, score: NDArray, *, deadline: Deadline,
                        progress: Progress) -> Plan:
    """Place the most acute, then high, then normal cases; then maximise `score`.

    Every solver call ends by `deadline`; a stage it cuts short is not proven.
    """
    stats: dict[str, float | int | str | bool] = {"eligible_pairs": len(pairs)}
    if deadline.expired():  # the build used the model's time: skip building its rows too
        progress("time limit reached before the model started")
        return Plan(chosen=np.empty(0, np.int64), proven=False, counts=[0, 0, 0],
                    stats={**stats, "columns": 0})
    model = AssignmentModel(inst, pairs)
    chosen = _initial_columns(inst, pairs, score)
    locks = np.zeros(3)
    proven, counts = True, [0, 0, 0]
    tier_proven, bounds = [False] * len(TIERS), list[float | None]([None] * len(TIERS))
    best = None
    tier_of_pair = inst.c_tier[pairs.case]
    t = 0
    try:
        for t, tier in enumerate(TIERS):
            if not (tier_of_pair == t).any():
                tier_proven[t], bounds[t] = True, 0.0
                continue
            objective = (tier_of_pair == t).astype(float)
            best, chosen, stage_proven, bound = _stage(model, chosen, objective, locks,
                                                       deadline, best, exact=True)
            assert best is not None  # an exact stage always ends with a solution
            counts[t] = int(round(best.objective))
            locks[t] = counts[t]
            proven &= stage_proven
            tier_proven[t] = stage_proven
            bounds[t] = float(counts[t]) if stage_proven else bound
            progress(f"{tier.value}: {counts[t]} placed" + (
                " (proven)" if stage_proven else f" (not proven; at most {bound:.0f})"))
        if len(pairs):
            best, chosen, _, _ = _stage(model, chosen, score, locks, deadline, best, exact=False)
    except OutOfTime as cut:
        proven = False
        if t < len(TIERS) and not tier_proven[t] and bounds[t] is None:
            bounds[t] = cut.bound
        progress("time limit reached before this stage's LP was solved: keeping the "
                 "placements of the stages before it")
    stats["columns"] = int(chosen.size)
    selected = best.chosen[best.x > 0.5] if best is not None else np.empty(0, np.int64)
    return Plan(chosen=np.sort(selected), proven=proven, counts=counts, stats=stats,
                tier_proven=tier_proven, bounds=bounds)


def relaxation_bounds(inst: Instance, pairs: Pairs, score: NDArray, *,
                      time_limit: float) -> list[float | None]:
    """The LP bound of each tier count over all eligible pairs, earlier tiers locked.

    Tier `t` is bounded with each earlier tier locked at the floor of its own bound, which is
    what a proven count reaches; a reference for benchmarks, not used by `solve`. A tier the
    time limit cut short has no bound (None).
    """
    model = AssignmentModel(inst, pairs)
    deadline = Deadline(time_limit)
    chosen = _initial_columns(inst, pairs, score)
    locks, bounds = np.zeros(3), list[float | None]([None, None, None])
    tier_of_pair = inst.c_tier[pairs.case]
    for t in range(len(TIERS)):
        objective = (tier_of_pair == t).astype(float)
        if not objective.any():
            bounds[t] = 0.0
            continue
        try:
            _, chosen, _, bound = _generate_columns(model, chosen, objective, locks, deadline)
        except OutOfTime:
            break
        bounds[t] = bound
        locks[t] = math.floor(bound + _EPS)
    return bounds


def _stage(model: AssignmentModel, chosen: NDArray, objective: NDArray, locks: NDArray,
           deadline: Deadline, incumbent: Solution | None, *, exact: bool
           ) -> tuple[Solution | None, NDArray, bool, float]:
    """The stage's best solution, the columns, whether it is proven, and the LP bound."""
    lp, chosen, reduced, bound = _generate_columns(model, chosen, objective, locks, deadline)
    rounded = _integral(lp)
    if rounded is not None:
        return rounded, chosen, exact, bound
    near = _neighbourhood(model, lp, chosen, reduced, incumbent)
    if not exact:
        found = _secondary(model, lp, (near, chosen), objective, locks, deadline)
        return found or incumbent, chosen, False, bound
    # A solution worth the floor of the bound uses only pairs whose reduced cost loses less
    # than the bound's fractional part. Those around the LP's fractional part usually hold one
    # in a MIP of a few hundred columns; failing that, all such pairs.
    target = math.floor(bound + _EPS)
    keep = chosen[reduced[chosen] >= -(lp.objective - target) - _EPS]
    for columns in (near, keep):
        mip = model.solve(columns, objective, locks, integer=True,
                          time_limit=deadline.call_seconds())
        if mip.outcome is not Outcome.NO_SOLUTION and round(mip.objective) >= target:
            return mip, chosen, True, bound
    # Otherwise, any solution better than `floor` may use a pair only if its reduced cost
    # leaves room for it; with all such pairs the MIP is exact.
    keep_solved = mip.outcome is Outcome.OPTIMAL
    if mip.outcome is Outcome.NO_SOLUTION:
        mip = _revalued(incumbent, objective)
    floor = round(mip.objective)
    extra = np.flatnonzero(reduced >= -(lp.objective - floor - 1) - _EPS)
    if keep_solved and np.isin(extra, keep).all():  # the MIP over `keep` was the exact one
        return mip, chosen, True, min(bound, float(floor))
    if extra.size > MAX_EXACT_COLUMNS or deadline.expired():
        return mip, chosen, False, bound
    chosen = np.union1d(chosen, extra)
    exact_mip = model.solve(chosen, objective, locks, integer=True,
                            time_limit=deadline.call_seconds())
    # A better answer than `floor` lies among these columns, so their MIP's bound is one too.
    bound = min(bound, max(float(floor), exact_mip.bound))
    return (_better(mip, exact_mip), chosen, exact_mip.outcome is Outcome.OPTIMAL,
            bound)


def _neighbourhood(model: AssignmentModel, lp: Solution, chosen: NDArray, reduced: NDArray,
                   incumbent: Solution | None) -> NDArray:
    """The LP's support, the last stage's placements (feasible for this stage's locks), and
    every pair without loss in reduced cost between the cases and units the LP splits."""
    pairs = model.pairs
    split = lp.chosen[(lp.x > _EPS) & (lp.x < 1 - _EPS)]
    cases = np.zeros(model.inst.n_cases, dtype=bool)
    units = np.zeros(model.inst.n_units, dtype=bool)
    cases[pairs.case[split]] = True
    units[pairs.unit[split]] = True
    around = chosen[cases[pairs.case[chosen]] & units[pairs.unit[chosen]]
                    & (reduced[chosen] >= -_EPS)]
    placed = (incumbent.chosen[incumbent.x > 0.5] if incumbent is not None
              else np.empty(0, np.int64))
    return np.union1d(np.union1d(lp.chosen[lp.x > _EPS], placed), around)


def _secondary(model: AssignmentModel, lp: Solution, candidates: tuple[NDArray, ...],
               objective: NDArray, locks: NDArray, deadline: Deadline) -> Solution | None:
    """The first candidate set whose MIP lands within `SECONDARY_GAP` of the LP bound."""
    enough = lp.objective - SECONDARY_GAP * abs(lp.objective) - _EPS
    best = None
    for columns in candidates:
        mip = model.solve(columns, objective, locks, integer=True,
                          time_limit=deadline.call_seconds(), relative_gap=SECONDARY_GAP)
        if mip.outcome is not Outcome.NO_SOLUTION:
            best = mip if best is None else _better(best, mip)
            if best.objective >= enough:
                break
    return best


def _better(a: Solution, b: Solution) -> Solution:
    return b if a.outcome is Outcome.NO_SOLUTION or b.objective > a.objective else a


def _revalued(solution: Solution | None, objective: NDArray) -> Solution:
    """An earlier stage's solution (or none: place nobody) valued for this stage."""
    if solution is None:
        empty = np.empty(0, np.int64)
        return Solution(Outcome.FEASIBLE, empty, np.empty(0), 0.0, np.inf, None)
    value = float(objective[solution.chosen[solution.x > 0.5]].sum())
    return replace(solution, outcome=Outcome.FEASIBLE, objective=value)


def _integral(lp: Solution) -> Solution | None:
    """The LP optimum itself when it places whole cases only: then no MIP is needed."""
    if np.all((lp.x < _EPS) | (lp.x > 1 - _EPS)):
        return replace(lp, x=np.round(lp.x), duals=None)
    return None


def _generate_columns(model: AssignmentModel, chosen: NDArray, objective: NDArray,
                      locks: NDArray, deadline: Deadline
                      ) -> tuple[Solution, NDArray, NDArray, float]:
    """The LP optimum over all pairs, its columns, every pair's reduced cost and the bound.

    Only an LP solved to optimality prices pairs: one the time limit cut short does not (its
    duals price nothing reliably, and its point may look integral without being optimal). Any
    duals give a Lagrangian bound, though (`AssignmentModel.dual_bound`): the least of them is
    kept, and handed on with `OutOfTime` when the time runs out first.
    """
    batch = max(2_000, 2 * model.inst.n_cases)
    bound = math.inf
    while True:
        if deadline.expired():
            raise OutOfTime(_finite(bound))
        lp = model.solve(chosen, objective, locks, integer=False,
                         time_limit=deadline.call_seconds())
        if lp.duals is not None:
            bound = min(bound, model.dual_bound(objective, locks, lp.duals))
        if lp.outcome is not Outcome.OPTIMAL:
            if deadline.expired() or lp.outcome is Outcome.FEASIBLE:
                raise OutOfTime(_finite(bound))
            raise RuntimeError("the LP relaxation did not solve; please report this")
        assert lp.duals is not None  # an optimal LP has its duals
        reduced = model.reduced_costs(objective, lp.duals)
        outside = np.ones(reduced.size, dtype=bool)
        outside[chosen] = False
        improving = np.flatnonzero(outside & (reduced > _EPS))
        if improving.size == 0:
            return lp, chosen, reduced, min(bound, lp.objective)
        if improving.size > batch:
            improving = improving[np.argsort(-reduced[improving], kind="stable")[:batch]]
        chosen = np.union1d(chosen, improving)


def _finite(bound: float) -> float | None:
    return bound if math.isfinite(bound) else None


def _initial_columns(inst: Instance, pairs: Pairs, score: NDArray, per_case: int = 8) -> NDArray:
    """All pairs of a small round; otherwise each case's best-scoring units and each unit's."""
    if len(pairs) <= 50_000:
        return np.arange(len(pairs))
    order = np.lexsort((-score, pairs.case))
    rank = np.arange(order.size) - np.searchsorted(pairs.case[order], pairs.case[order])
    by_case = order[rank < per_case]
    order = np.lexsort((-score, pairs.unit))
    sorted_units = pairs.unit[order]
    rank = np.arange(order.size) - np.searchsorted(sorted_units, sorted_units)
    by_unit = order[rank < per_case]
    return np.union1d(by_case, by_unit)

