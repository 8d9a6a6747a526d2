"""How many more children each seat cluster could still send to school, given the placements.

For one stage, the placed children are routed from seat clusters (`exchange.solver.seats`) to
schools by augmenting paths; a cluster can take `d` more children exactly when `d` further
augmenting paths start from it (max-flow = min-cut, one source). Checking a unit for a household
is then a lookup instead of a min-cost flow over every placement, which is what makes the
reasons and the completion step affordable for national rounds.
"""

from __future__ import annotations

from collections import deque

import numpy as np
from numpy.typing import NDArray

from exchange.solver.instance import Instance
from exchange.solver.seats import SeatClusters


class StageRouting:
    """An integral routing of one stage's children from clusters to schools, kept maximal."""

    def __init__(self, reach: dict[int, list[int]], free: dict[int, int]) -> None:
        self.reach = reach
        self.left = dict(free)
        self.flow: dict[int, dict[int, int]] = {k: {} for k in reach}
        self.users: dict[int, dict[int, int]] = {s: {} for s in free}

    def push(self, k: int) -> bool:
        """Route one more child from cluster `k`, re-routing others if needed."""
        path = self._path(k)
        if path is None:
            return False
        self._shift(path, +1)
        return True

    def pop(self, k: int) -> None:
        """Route one child fewer from cluster `k`: the others keep their seats."""
        s = next(s for s, n in self.flow[k].items() if n > 0)
        self._add(k, s, -1)
        self.left[s] += 1

    def slack(self, k: int, limit: int) -> int:
        """How many more children cluster `k` could send, counted up to `limit`."""
        if sum(self.left[s] for s in self.reach.get(k, ())) >= limit:
            return limit
        paths: list[list[tuple[int, int]]] = []
        while len(paths) < limit:
            path = self._path(k)
            if path is None:
                break
            self._shift(path, +1)
            paths.append(path)
        for path in reversed(paths):
            self._shift(path, -1)
        return len(paths)

    def _path(self, k: int) -> list[tuple[int, int]] | None:
        """The (cluster, school) steps of a shortest augmenting path from `k`, or None.

        Each step's cluster takes a seat at its school; every cluster after the first gives up
        the seat it held at the previous step's school; the last school has a free place.
        """
        reached_by: dict[int, int] = {}  # school -> the cluster that reached it
        via: dict[int, int] = {k: -1}  # cluster -> the school whose seat it would give up
        queue = deque([k])
        while queue:
            cluster = queue.popleft()
            for s in self.reach.get(cluster, ()):
                if s in reached_by:
                    continue
                reached_by[s] = cluster
                if self.left[s] > 0:
                    return self._unwind(reached_by, via, s)
                for other, held in self.users[s].items():
                    if held > 0 and other not in via:
                        via[other] = s
                        queue.append(other)
        return None

    @staticmethod
    def _unwind(reached_by: dict[int, int], via: dict[int, int],
                s: int) -> list[tuple[int, int]]:
        steps = []
        while s != -1:
            cluster = reached_by[s]
            steps.append((cluster, s))
            s = via[cluster]
        return steps[::-1]

    def _shift(self, path: list[tuple[int, int]], sign: int) -> None:
        for i, (cluster, s) in enumerate(path):
            self._add(cluster, s, sign)
            if i > 0:
                self._add(cluster, path[i - 1][1], -sign)
        self.left[path[-1][1]] -= sign

    def _add(self, cluster: int, s: int, n: int) -> None:
        self.flow[cluster][s] = self.flow[cluster].get(s, 0) + n
        self.users[s][cluster] = self.users[s].get(cluster, 0) + n


class SeatSlack:
    """The placements' children routed stage by stage; which units still fit a household."""

    def __init__(self, inst: Instance, seats: SeatClusters, placed: dict[int, int]) -> None:
        self.inst, self.seats = inst, seats
        self.stages = [self._routing(g) for g in range(len(inst.stages))]
        self._known: dict[tuple[int, int], tuple[int, int]] = {}
        for c, u in sorted(placed.items()):
            self.add(c, u)

    def _routing(self, g: int) -> StageRouting:
        arcs = self.seats.arcs[self.seats.arcs[:, 2] == g]
        reach: dict[int, list[int]] = {}
        for k, s in zip(arcs[:, 0].tolist(), arcs[:, 1].tolist(), strict=True):
            reach.setdefault(k, []).append(s)
        free = {s: int(self.inst.cap[s, g]) for s in range(self.inst.cap.shape[0])}
        return StageRouting(reach, free)

    def add(self, c: int, u: int) -> None:
        """Seat the children of case `c` placed in unit `u`."""
        for g in np.flatnonzero(self.inst.demand[c]).tolist():
            k = int(self.seats.of_unit[u, g])
            for _ in range(int(self.inst.demand[c, g])):
                if not self.stages[g].push(k):
                    raise RuntimeError("school places do not suffice for the proposals; "
                                       "please report this")
            self._known = {key: n for key, n in self._known.items() if key[0] != g}

    def remove(self, c: int, u: int) -> None:
        """Give up the seats of case `c`'s children in unit `u`."""
        for g in np.flatnonzero(self.inst.demand[c]).tolist():
            k = int(self.seats.of_unit[u, g])
            for _ in range(int(self.inst.demand[c, g])):
                self.stages[g].pop(k)
            self._known = {key: n for key, n in self._known.items() if key[0] != g}

    def fits(self, c: int, units: NDArray) -> NDArray:
        """Which of `units` could take case `c` with a school place for every child."""
        ok = np.ones(units.size, dtype=bool)
        for g in np.flatnonzero(self.inst.demand[c]).tolist():
            need = int(self.inst.demand[c, g])
            clusters = self.seats.of_unit[units, g]
            unique, back = np.unique(clusters, return_inverse=True)
            room = np.array([self._slack(g, int(k), need) for k in unique.tolist()])
            ok &= room[back] >= need
        return ok

    def _slack(self, g: int, k: int, need: int) -> int:
        if k < 0:
            return 0
        value, limit = self._known.get((g, k), (0, 0))
        if value == limit < need:  # counted only up to a smaller limit so far
            value = self.stages[g].slack(k, need)
            self._known[(g, k)] = (value, need)
        return value
