"""Naming a school for each child: a min-cost flow per stage, nearest schools first."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from ortools.graph.python import min_cost_flow

from exchange.domain.model import SchoolPlace
from exchange.domain.rules import stage_of
from exchange.solver.instance import Instance


def route(inst: Instance, unit_demand: dict[int, NDArray], g: int) -> dict[int, list[int]] | None:
    """Schools for each unit's stage-`g` children, or None when the places do not suffice.

    `unit_demand[u][g]` children of stage `g` live in unit `u`; the result lists, per unit, one
    school index per child, nearest first; the total distance is minimal.
    """
    units = sorted(u for u, d in unit_demand.items() if d[g] > 0)
    if not units:
        return {}
    n_schools = inst.cap.shape[0]
    flow = min_cost_flow.SimpleMinCostFlow()
    sink = len(units) + n_schools
    arcs = []
    for i, u in enumerate(units):
        lo, hi = np.searchsorted(inst.arcs[:, 0], [u, u + 1])
        for a in range(lo, hi):
            if inst.arcs[a, 2] == g:
                s = int(inst.arcs[a, 1])
                metres = int(round(inst.arc_km[a] * 1000))
                arcs.append((flow.add_arc_with_capacity_and_unit_cost(
                    i, len(units) + s, int(unit_demand[u][g]), metres), u, s))
        flow.set_node_supply(i, int(unit_demand[u][g]))
    for s in range(n_schools):
        if inst.cap[s, g] > 0:
            flow.add_arc_with_capacity_and_unit_cost(len(units) + s, sink, int(inst.cap[s, g]), 0)
    flow.set_node_supply(sink, -int(sum(unit_demand[u][g] for u in units)))
    if flow.solve() != flow.OPTIMAL:
        return None
    routed: dict[int, list[int]] = {u: [] for u in units}
    for arc, u, s in sorted(arcs, key=lambda a: (a[1], flow.unit_cost(a[0]), a[2])):
        routed[u] += [s] * flow.flow(arc)
    return routed


def assign_schools(inst: Instance, cases: NDArray, units: NDArray) -> dict[int, list[SchoolPlace]]:
    """School places for every placed case, keyed by case index."""
    demand = {int(u): inst.demand[c] for c, u in zip(cases, units, strict=True)}
    routes = []
    for g in range(len(inst.stages)):
        routed = route(inst, demand, g)
        if routed is None:
            raise RuntimeError("school places do not suffice for the proposals; please report this")
        routes.append(routed)
    places: dict[int, list[SchoolPlace]] = {}
    for c, u in zip(cases.tolist(), units.tolist(), strict=True):
        taken = [list(routes[g].get(u, [])) for g in range(len(inst.stages))]
        places[c] = []
        for i, child in enumerate(inst.round.cases[c].household.children):
            stage = stage_of(child.age)
            if child.keep_school is not None:
                places[c].append(SchoolPlace(child=i, school=None, stage=stage))
            elif stage in inst.stages:
                s = taken[inst.stages.index(stage)].pop(0)
                places[c].append(SchoolPlace(child=i, school=inst.round.schools[s].id,
                                             stage=stage))
    return places
