"""School seats in the model: units that reach the same schools share one seat balance.

For each stage, units whose sets of reachable schools (with free places at that stage) are
identical are interchangeable when children are routed to schools: any split of the cluster's
children over those schools can be given to any of its units. So the model routes seats per
cluster instead of per unit, which describes exactly the same placements with far fewer rows and
flow columns (Stockholm county, 2,000 units: 8,000 unit rows and 21,761 arcs become 1,545 cluster
rows and 6,527 arcs). The integral transportation argument is unchanged: with integral demands
and capacities an integral routing exists, and `exchange.solver.schools` names it per unit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from exchange.solver.instance import Instance


@dataclass(frozen=True)
class SeatClusters:
    """`of_unit[u, g]`: the cluster of unit `u` at stage `g` (-1: no school in reach).

    `arcs` holds (cluster, school, stage) triples, sorted; clusters are numbered stage by stage.
    """

    of_unit: NDArray
    arcs: NDArray

    @property
    def count(self) -> int:
        return int(self.of_unit.max(initial=-1)) + 1


def seat_clusters(inst: Instance) -> SeatClusters:
    """Group the units of every stage by the exact set of schools they reach."""
    n_g = len(inst.stages)
    of_unit = np.full((inst.n_units, n_g), -1, dtype=np.int64)
    arcs: list[tuple[int, int, int]] = []
    next_id = 0
    for g in range(n_g):
        stage_arcs = inst.arcs[inst.arcs[:, 2] == g]
        if stage_arcs.size == 0:
            continue
        units, starts = np.unique(stage_arcs[:, 0], return_index=True)
        schools = np.split(stage_arcs[:, 1], starts[1:])
        ids: dict[tuple[int, ...], int] = {}
        for u, reach in zip(units.tolist(), schools, strict=True):
            key = tuple(reach.tolist())
            if key not in ids:
                ids[key] = next_id
                arcs += [(next_id, s, g) for s in key]
                next_id += 1
            of_unit[u, g] = ids[key]
    return SeatClusters(of_unit, np.array(arcs, dtype=np.int64).reshape(-1, 3))
