"""A generic MIP on the same rules, solved by HiGHS through SciPy: the reference for the engine.

The textbook model with no tricks: one 0/1 variable per eligible pair (from the engine's own
eligibility, so both solve the same problem), one flow variable per (unit, school, stage) arc, and
the rows of the round format (one unit per case, one case per unit, seats cover children, free
places, reciprocity floors). Tiers are solved in order, each count locked before the next, with
HiGHS's default settings (presolve on). SciPy ships its own HiGHS, so this runs in the same
process as OR-Tools without the symbol clash that `highspy` has.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.optimize import Bounds, LinearConstraint, milp

from exchange.solver.eligibility import Pairs
from exchange.solver.instance import TIERS, Instance


@dataclass
class MipRun:
    """Tier counts found, whether each was proven optimal, and the MIP's size."""

    counts: list[int]
    proven: bool
    variables: int


def generic_mip(inst: Instance, pairs: Pairs, *, time_limit: float) -> MipRun:
    """Lexicographic tier counts by three MIP solves over every eligible pair."""
    matrix, lower, upper, var_upper = _model(inst, pairs)
    n_x = len(pairs)
    tier_row = matrix.shape[0] - 3
    integrality = np.concatenate((np.ones(n_x), np.zeros(var_upper.size - n_x)))
    deadline = time.monotonic() + time_limit
    counts, proven = [0, 0, 0], True
    for t in range(len(TIERS)):
        objective = np.zeros(var_upper.size)
        objective[:n_x] = -(inst.c_tier[pairs.case] == t).astype(float)
        left = deadline - time.monotonic()
        if left <= 0:
            return MipRun(counts, False, var_upper.size)
        result = milp(objective, constraints=LinearConstraint(matrix, lower, upper),
                      integrality=integrality, bounds=Bounds(0, var_upper),
                      options={"time_limit": left, "disp": False})
        if result.x is None:
            return MipRun(counts, False, var_upper.size)
        counts[t] = int(round(-result.fun))
        proven &= result.status == 0
        lower[tier_row + t] = counts[t]
    return MipRun(counts, proven, var_upper.size)


def _model(inst: Instance, pairs: Pairs) -> tuple[sp.csr_matrix, NDArray, NDArray, NDArray]:
    n_c, n_u, n_g = inst.n_cases, inst.n_units, len(inst.stages)
    n_s, n_m = inst.cap.shape[0], len(inst.members)
    row_unit, row_seat = n_c, n_c + n_u
    row_school = row_seat + n_u * n_g
    row_member = row_school + n_s * n_g
    row_tier = row_member + n_m
    c, u = pairs.case, pairs.unit
    col = np.arange(len(pairs))
    host, home = inst.u_mun[u], inst.c_mun[c]
    away = np.flatnonzero(host != home)
    entries = [(c, col, 1), (row_unit + u, col, 1), (row_member + host[away], away, 1),
               (row_member + home[away], away, -1), (row_tier + inst.c_tier[c], col, 1)]
    for g in range(n_g):
        has = np.flatnonzero(inst.demand[c, g])
        entries.append((row_seat + u[has] * n_g + g, has, -inst.demand[c[has], g]))
    arc_u, arc_s, arc_g = inst.arcs[:, 0], inst.arcs[:, 1], inst.arcs[:, 2]
    arc = len(pairs) + np.arange(arc_u.size)
    entries += [(row_seat + arc_u * n_g + arc_g, arc, 1),
                (row_school + arc_s * n_g + arc_g, arc, 1)]
    rows = np.concatenate([e[0] for e in entries])
    cols = np.concatenate([e[1] for e in entries])
    vals = np.concatenate([np.broadcast_to(np.asarray(e[2], dtype=float), e[0].shape)
                           for e in entries])
    n_rows = row_tier + 3
    matrix = sp.csr_matrix((vals, (rows, cols)), shape=(n_rows, len(pairs) + arc_u.size))
    lower, upper = np.full(n_rows, -np.inf), np.full(n_rows, np.inf)
    upper[:row_seat] = 1
    lower[row_seat:row_school] = 0
    upper[row_school:row_member] = inst.cap.reshape(-1)
    lower[row_member:row_tier] = inst.floor_gap
    lower[row_tier:] = 0
    var_upper = np.concatenate((np.ones(len(pairs)), inst.cap[arc_s, arc_g].astype(float)))
    return matrix, lower, upper, var_upper
