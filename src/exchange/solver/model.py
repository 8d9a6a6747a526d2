"""The assignment model over a chosen set of pair columns, solved as an LP or a MIP.

Rows, in this order: one per case (at most one unit), one per unit (at most one case), one per
seat cluster (school seats routed from the cluster's units cover their children; see
`exchange.solver.seats`), one per school and stage (free places), one per member (reciprocity
floor), one per tier (locks from earlier stages). Columns: a 0/1 variable per chosen pair, and a
continuous flow per (cluster, school, stage) arc. For integral pair variables the flows form a
transportation problem with integral data, so an integral school assignment always exists
(`exchange.solver.schools` finds it).

Each solve keeps only the rows the chosen pairs touch and the flows of clusters they load: the
other rows hold trivially, and zero duals for them are optimal for the full model, so reduced
costs stay exact. HiGHS runs without presolve (see below), so this pruning is its presolve.

Only this module knows OR-Tools' linear solver interface.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from ortools.linear_solver.python import model_builder_helper as mb

from exchange.solver.eligibility import Pairs
from exchange.solver.instance import Instance
from exchange.solver.seats import seat_clusters

# HiGHS's presolve costs seconds on this structure and wins nothing back (measured: 300 x 300
# stages 4.0 s with it, 0.4-2.0 s without); one thread keeps the search reproducible.
_HIGHS_OPTIONS = "output_flag=false\npresolve=off\nthreads=1"


class Outcome(Enum):
    """What a solve achieved, in our own words rather than the solver's."""

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    NO_SOLUTION = "no_solution"


@dataclass(frozen=True)
class Solution:
    """Values over the chosen columns, plus duals when the model was an LP."""

    outcome: Outcome
    chosen: NDArray
    x: NDArray
    objective: float
    bound: float
    duals: NDArray | None


@dataclass(frozen=True)
class LinearProgram:
    """max cost x, row_lower <= matrix x <= row_upper, var_lower <= x <= var_upper; the first
    columns are the chosen pairs, the rest flows; `rows` are the model's row numbers."""

    var_lower: NDArray
    var_upper: NDArray
    cost: NDArray
    row_lower: NDArray
    row_upper: NDArray
    matrix: sp.csr_matrix
    rows: NDArray


class AssignmentModel:
    """The fixed row structure of one round; columns are chosen per solve."""

    def __init__(self, inst: Instance, pairs: Pairs) -> None:
        self.inst, self.pairs = inst, pairs
        self.seats = seat_clusters(inst)
        n_c, n_u, n_g = inst.n_cases, inst.n_units, len(inst.stages)
        self.row_unit = n_c
        self.row_cluster = n_c + n_u
        self.row_school_stage = self.row_cluster + self.seats.count
        self.row_member = self.row_school_stage + inst.cap.shape[0] * n_g
        self.row_tier = self.row_member + len(inst.members)
        self.n_rows = self.row_tier + 3

    def solve(self, chosen: NDArray, objective: NDArray, locks: NDArray, *, integer: bool,
              time_limit: float, relative_gap: float = 0.0) -> Solution:
        """Maximise `objective` (one value per pair in `self.pairs`) over the chosen pairs.

        `locks[t]` is the least number of tier-`t` cases to place.
        """
        chosen = np.asarray(chosen, dtype=np.int64)
        lp = self.arrays(chosen, objective, locks)
        n_x = chosen.size
        used = lp.rows
        # Any: OR-Tools' stub types these arrays wrongly (`ndarray[float64, ...]` for a shape)
        helper: Any = mb.ModelBuilderHelper()
        helper.fill_model_from_sparse_data(lp.var_lower, lp.var_upper, lp.cost, lp.row_lower,
                                           lp.row_upper, lp.matrix)
        helper.set_maximize(True)
        if integer:
            for i in range(n_x):
                helper.set_var_integrality(i, True)
        engine = mb.ModelSolverHelper("highs" if integer else "glop")
        engine.set_time_limit_in_seconds(max(time_limit, 0.01))
        if integer:
            engine.set_solver_specific_parameters(_HIGHS_OPTIONS + f"\nmip_rel_gap={relative_gap}")
        engine.solve(helper)
        return self._solution(engine, chosen, used, integer)

    def arrays(self, chosen: NDArray, objective: NDArray, locks: NDArray) -> LinearProgram:
        """The LP over the chosen pairs (in that order) and the flows of the clusters they load;
        only the rows they touch."""
        rows, cols, vals = self._pair_entries(chosen)
        f_rows, f_cols, f_vals, f_ub = self._flows(rows)
        n_x = chosen.size
        all_rows = np.concatenate((rows, f_rows))
        used = np.unique(all_rows)
        matrix = sp.csr_matrix(
            (np.concatenate((vals, f_vals)),
             (np.searchsorted(used, all_rows), np.concatenate((cols, f_cols + n_x)))),
            shape=(used.size, n_x + f_ub.size))
        lower, upper = self._row_bounds(locks)
        return LinearProgram(
            var_lower=np.zeros(n_x + f_ub.size), var_upper=np.concatenate((np.ones(n_x), f_ub)),
            cost=np.concatenate((objective[chosen].astype(float), np.zeros(f_ub.size))),
            row_lower=lower[used], row_upper=upper[used], matrix=matrix, rows=used)

    def reduced_costs(self, objective: NDArray, duals: NDArray) -> NDArray:
        """Reduced cost of every pair in `self.pairs` against LP duals (c - A^T y)."""
        inst, pairs = self.inst, self.pairs
        d = objective.astype(float) - duals[pairs.case] - duals[self.row_unit + pairs.unit]
        for g in range(len(inst.stages)):
            need = inst.demand[pairs.case, g]
            cluster = self.seats.of_unit[pairs.unit, g]
            # A pair whose unit reaches no school at a stage it needs is never eligible.
            d += need * duals[self.row_cluster + np.maximum(cluster, 0)]
        host, home = inst.u_mun[pairs.unit], inst.c_mun[pairs.case]
        away = host != home
        d -= away * (duals[self.row_member + host] - duals[self.row_member + home])
        d -= duals[self.row_tier + inst.c_tier[pairs.case]]
        return d

    def dual_bound(self, objective: NDArray, locks: NDArray, duals: NDArray) -> float:
        """An upper bound on `objective` over *all* pairs from any duals: the Lagrangian bound.

        Every row but the cases' is priced by `duals` (made sign-feasible first, so any duals
        give a valid bound, an LP's cut short included); what remains is one unit at most per
        case, pair values in [0, 1] and flows within their school's free places, whose optimum
        is each case's best reduced cost (if positive) plus the flows' positive reduced costs.
        With the optimal duals of an LP over all pairs it equals that LP's value; column
        generation gets a valid bound from every round, long before it converges.
        """
        lower, upper = self._row_bounds(locks)
        y = np.where((duals > 0) & np.isfinite(upper), duals, 0.0)
        y += np.where((duals < 0) & np.isfinite(lower), duals, 0.0)
        y[: self.row_unit] = 0.0
        rows = float((y * np.where(y > 0, np.nan_to_num(upper, posinf=0.0),
                                   np.nan_to_num(lower, neginf=0.0))).sum())
        reduced = self.reduced_costs(objective, y)
        first = np.flatnonzero(np.diff(self.pairs.case, prepend=-1))  # pairs sorted by case
        best = np.maximum.reduceat(reduced, first) if first.size else np.empty(0)
        arcs = self.seats.arcs
        k, s, g = arcs[:, 0], arcs[:, 1], arcs[:, 2]
        flow = -(y[self.row_cluster + k] + y[self.row_school_stage + s * len(self.inst.stages) + g])
        seats = float((self.inst.cap[s, g] * np.maximum(flow, 0.0)).sum())
        return rows + float(np.maximum(best, 0.0).sum()) + seats

    def _pair_entries(self, chosen: NDArray) -> tuple[NDArray, NDArray, NDArray]:
        inst = self.inst
        c, u = self.pairs.case[chosen], self.pairs.unit[chosen]
        col = np.arange(chosen.size)
        host, home = inst.u_mun[u], inst.c_mun[c]
        away = np.flatnonzero(host != home)
        parts = [
            (c, col, np.ones(col.size)),
            (self.row_unit + u, col, np.ones(col.size)),
            (self.row_member + host[away], away, np.ones(away.size)),
            (self.row_member + home[away], away, -np.ones(away.size)),
            (self.row_tier + inst.c_tier[c], col, np.ones(col.size)),
        ]
        for g in range(len(inst.stages)):
            need = inst.demand[c, g]
            has = np.flatnonzero(need)
            parts.append((self.row_cluster + self.seats.of_unit[u[has], g], has,
                          -need[has].astype(float)))
        return tuple(np.concatenate(p) for p in zip(*parts, strict=True))  # type: ignore[return-value]

    def _flows(self, pair_rows: NDArray) -> tuple[NDArray, NDArray, NDArray, NDArray]:
        """Flow columns of the clusters that the chosen pairs load."""
        inst, n_g = self.inst, len(self.inst.stages)
        loaded = np.zeros(self.seats.count, dtype=bool)
        cluster = pair_rows - self.row_cluster
        loaded[cluster[(cluster >= 0) & (cluster < self.seats.count)]] = True
        arcs = self.seats.arcs[loaded[self.seats.arcs[:, 0]]]
        k, s, g = arcs[:, 0], arcs[:, 1], arcs[:, 2]
        col = np.arange(k.size)
        rows = np.concatenate((self.row_cluster + k, self.row_school_stage + s * n_g + g))
        return (rows, np.concatenate((col, col)), np.ones(2 * col.size),
                inst.cap[s, g].astype(float))

    def _row_bounds(self, locks: NDArray) -> tuple[NDArray, NDArray]:
        inst = self.inst
        lower = np.full(self.n_rows, -np.inf)
        upper = np.full(self.n_rows, np.inf)
        upper[: self.row_cluster] = 1
        lower[self.row_cluster: self.row_school_stage] = 0
        upper[self.row_school_stage: self.row_member] = inst.cap.reshape(-1)
        lower[self.row_member: self.row_tier] = inst.floor_gap
        lower[self.row_tier:] = locks
        return lower, upper

    def _solution(self, engine: mb.ModelSolverHelper, chosen: NDArray, used: NDArray,
                  integer: bool) -> Solution:
        status = engine.status()
        n_x = chosen.size
        if status not in (mb.SolveStatus.OPTIMAL, mb.SolveStatus.FEASIBLE) or not (
            engine.has_solution()
        ):
            return Solution(Outcome.NO_SOLUTION, chosen, np.zeros(n_x), -np.inf, np.inf, None)
        values = engine.variable_values()[:n_x]
        objective = engine.objective_value()
        outcome = Outcome.OPTIMAL if status == mb.SolveStatus.OPTIMAL else Outcome.FEASIBLE
        if integer:
            bound = engine.best_objective_bound() if outcome is Outcome.FEASIBLE else objective
            return Solution(outcome, chosen, np.round(values), objective, bound, None)
        duals = np.zeros(self.n_rows)
        duals[used] = engine.dual_values()
        return Solution(outcome, chosen, values, objective, objective, duals)
