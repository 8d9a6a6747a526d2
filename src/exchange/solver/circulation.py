"""A first answer for a round of any size, from one min-cost circulation, and a bound with it.

Leave school places aside and the tier rules form a network flow:

    rest of network --(a member's allowance)--> member --(1)--> each of its cases
    case --(1, worth its tier)--> each unit it may take --(1)--> the unit's member
    member --(unbounded)--> rest of network

Flow through a member is conserved, so it sends at most what it receives plus its allowance (how
far it may still fall, `-floor_gap`): exactly the reciprocity rule, with a case placed at home
passing through its own member both ways. Worth per tier is lexicographic (one acute case is
worth more than every high and normal case together), so the min-cost circulation places the
most acute cases possible without school places, and its acute count bounds every placement that
keeps all the rules. The flow's integrality makes it one call to OR-Tools' min-cost flow, which
takes about 20 s for a national round's 14.5 million pairs, where the first LP takes minutes.

The flow's placements are then made to keep every rule, most urgent first: school places are
checked as each is added, members below their floor give back their least urgent placements,
free units are filled (`complete`), and unplaced acute and high cases take a unit by letting a
less urgent case go (`trade_up`). The answer is feasible, never proven.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from ortools.graph.python import min_cost_flow

from exchange.solver.deadline import Deadline
from exchange.solver.eligibility import Pairs
from exchange.solver.explain import Placement, complete
from exchange.solver.instance import TIERS, Instance
from exchange.solver.seats import SeatClusters, seat_clusters

#: Seconds the circulation, keeping its placements to the rules and completing them take per
#: eligible pair (measured 1.8 microseconds at 14.5 million pairs on a shared 2-core machine,
#: 1.4 of them the circulation): the first answer is skipped when it cannot fit.
SECONDS_PER_PAIR = 2e-6
#: Cases a trade tries to let go, per kind of obstacle: the least urgent holders of the school
#: places in a unit's reach, or of its member's allowance.
VICTIMS = 3
#: OR-Tools scales costs by the node count (plus its own source and sink), and node prices can
#: fall to about the largest cost times the square of that: both must fit in 64 bits.
_COST_LIMIT = 2**62


@dataclass(frozen=True)
class FirstAnswer:
    """Placements that keep every rule, and the acute count no placement can exceed."""

    placement: Placement
    acute_bound: int

    def counts(self) -> list[int]:
        """Placed cases per tier."""
        return tier_counts(self.placement)


def tier_counts(placement: Placement) -> list[int]:
    """How many cases of each tier `placement` places."""
    cases = np.fromiter(placement.unit_of, dtype=np.int64, count=len(placement.unit_of))
    return np.bincount(placement.inst.c_tier[cases], minlength=len(TIERS)).tolist()


def first_answer(inst: Instance, pairs: Pairs, order: NDArray, *, deadline: Deadline,
                 progress: Callable[[str], None]) -> FirstAnswer | None:
    """Placements keeping every rule, built from the circulation; None if it cannot fit in time
    or the round is too large for the circulation's costs.

    `order` ranks the cases, most urgent first; trades stop at `deadline`.
    """
    if len(pairs) * SECONDS_PER_PAIR > deadline.left():
        progress("no time for a first answer from the circulation: the model starts at once")
        return None
    chosen = circulation(inst, pairs)
    if chosen is None:
        progress("too many cases for the circulation's costs: the model starts at once")
        return None
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    chosen = chosen[np.argsort(rank[pairs.case[chosen]], kind="stable")]
    bound = int((inst.c_tier[pairs.case[chosen]] == 0).sum())
    placement = _kept(inst, pairs, chosen, rank)
    complete(inst, placement, order, pairs)
    # One pass: a second one trades little (Sweden: 1 trade after 126) for as long again.
    if trade_up(inst, pairs, placement, order, deadline):
        complete(inst, placement, order, pairs)
    answer = FirstAnswer(placement, bound)
    progress("first answer: " + ", ".join(
        f"{tier.value} {n}" for tier, n in zip(TIERS, answer.counts(), strict=True))
        + f" placed; at most {bound} acute cases can be placed")
    return answer


def circulation(inst: Instance, pairs: Pairs) -> NDArray | None:
    """The pairs of a lexicographic tier optimum ignoring school places (None if too large)."""
    n_c, n_u, n_m = inst.n_cases, inst.n_units, len(inst.members)
    per_tier = np.bincount(inst.c_tier, minlength=len(TIERS))
    worth = np.array([(per_tier[1] + 1) * (per_tier[2] + 1), per_tier[2] + 1, 1], dtype=np.int64)
    n_nodes = 1 + n_m + n_c + n_u
    if int(worth[0]) * (n_nodes + 3) ** 2 >= _COST_LIMIT:
        return None
    rest, member, case, unit = 0, 1, 1 + n_m, 1 + n_m + n_c

    def nodes(first: int, ids: NDArray) -> NDArray:
        return (first + ids).astype(np.int32, copy=False)

    members, everyone = np.arange(n_m), np.full(n_m, rest)
    tails = np.concatenate((nodes(0, everyone), nodes(member, members),
                            nodes(member, inst.c_mun), nodes(case, pairs.case),
                            nodes(unit, np.arange(n_u))))
    heads = np.concatenate((nodes(member, members), nodes(0, everyone),
                            nodes(case, np.arange(n_c)), nodes(unit, pairs.unit),
                            nodes(member, inst.u_mun)))
    capacities = np.ones(tails.size, dtype=np.int64)
    capacities[:2 * n_m] = np.concatenate((-inst.floor_gap, np.full(n_m, n_c)))
    costs = np.zeros(tails.size, dtype=np.int64)
    first_pair = 2 * n_m + n_c
    costs[first_pair:first_pair + len(pairs)] = -worth[inst.c_tier[pairs.case]]
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(tails, heads, capacities, costs)
    status = flow.solve()
    if status == flow.BAD_COST_RANGE:
        return None
    if status != flow.OPTIMAL:
        raise RuntimeError("the circulation did not solve; please report this")
    return np.flatnonzero(flow.flows(np.arange(first_pair, first_pair + len(pairs))) > 0)


def _kept(inst: Instance, pairs: Pairs, chosen: NDArray, rank: NDArray) -> Placement:
    """The chosen pairs, most urgent first, that school places allow; then every member below
    its floor gives back its least urgent placements away (each costs its host one received,
    so hosts are looked at again)."""
    placement = Placement.of(inst, np.empty(0, np.int64), np.empty(0, np.int64))
    for i in chosen.tolist():
        c, u = int(pairs.case[i]), int(pairs.unit[i])
        if placement.with_room(c, np.array([u]))[0]:
            placement.add(c, u)
    away: dict[int, list[int]] = defaultdict(list)
    for c in sorted(placement.unit_of, key=lambda c: rank[c]):
        if inst.u_mun[placement.unit_of[c]] != inst.c_mun[c]:
            away[int(inst.c_mun[c])].append(c)
    while (below := np.flatnonzero(placement.net < inst.floor_gap)).size:
        placement.remove(away[int(below[0])].pop())
    return placement


def trade_up(inst: Instance, pairs: Pairs, placement: Placement, order: NDArray,
             deadline: Deadline) -> int:
    """Unplaced acute and high cases, most urgent first, each take an eligible unit by letting
    one placed case of a lower tier go, where every rule still holds. Returns the trades."""
    trader = _Trader(inst, placement, order)
    starts = np.searchsorted(pairs.case, np.arange(inst.n_cases + 1))
    trades = 0
    for c in order.tolist():
        if c in placement.unit_of or inst.c_tier[c] == len(TIERS) - 1:
            continue
        for u in pairs.unit[starts[c]:starts[c + 1]].tolist():
            if deadline.expired():
                return trades
            if trader.trade(c, u):
                trades += 1
                break
    return trades


class _Trader:
    """Who holds what in a placement: each unit's case, and per seat cluster and per member
    the placed cases least urgent first, the candidates to let go."""

    def __init__(self, inst: Instance, placement: Placement, order: NDArray) -> None:
        self.inst, self.placement = inst, placement
        self.clusters = seat_clusters(inst)
        self.occupant = {u: c for c, u in placement.unit_of.items()}
        self.holders = _holders(inst, placement, order, self.clusters)

    def trade(self, c: int, u: int) -> bool:
        """Place case `c` in unit `u`, directly if an earlier trade made room, otherwise by
        letting one less urgent case go; False (and nothing changed) if neither keeps the rules."""
        if u not in self.occupant and _fits(self.inst, self.placement, c, u):
            self.placement.add(c, u)
            self.occupant[u] = c
            return True
        for d in self._victims(c, u):
            was = _swap(self.inst, self.placement, d, c, u)
            if was is not None:
                del self.occupant[was]
                self.occupant[u] = c
                return True
        return False

    def _victims(self, c: int, u: int) -> Iterator[int]:
        """Placed cases of a lower tier than `c` whose going could let `c` into unit `u`: its
        occupant, or the holders of school places in its reach, or (when `c`'s member is at its
        floor) cases of that member placed away."""
        inst, placement, tier = self.inst, self.placement, self.inst.c_tier
        held = self.occupant.get(u)
        if held is not None:
            if tier[held] > tier[c]:
                yield held
            return
        for g in np.flatnonzero(inst.demand[c]).tolist():
            yield from _placed_below(placement, tier, tier[c],
                                     self.holders[("seats", int(self.clusters.of_unit[u, g]))])
        home = inst.c_mun[c]
        if inst.u_mun[u] != home and placement.net[home] - 1 < inst.floor_gap[home]:
            yield from _placed_below(placement, tier, tier[c], self.holders[("away", int(home))])


def _holders(inst: Instance, placement: Placement, order: NDArray,
             clusters: SeatClusters) -> dict[tuple[str, int], list[int]]:
    """Placed cases, least urgent first, by the seat cluster where their children hold places,
    and by home member for those placed away."""
    found: dict[tuple[str, int], list[int]] = defaultdict(list)
    for c in order[::-1].tolist():
        u = placement.unit_of.get(c)
        if u is None:
            continue
        for g in np.flatnonzero(inst.demand[c]).tolist():
            found[("seats", int(clusters.of_unit[u, g]))].append(c)
        if inst.u_mun[u] != inst.c_mun[c]:
            found[("away", int(inst.c_mun[c]))].append(c)
    return found


def _placed_below(placement: Placement, tier: NDArray, than: int,
                  cases: list[int]) -> Iterator[int]:
    """Up to `VICTIMS` of `cases` that are still placed and of a tier below `than`."""
    found = 0
    for d in cases:
        if found == VICTIMS:
            return
        if tier[d] > than and d in placement.unit_of:
            found += 1
            yield d


def _fits(inst: Instance, placement: Placement, c: int, u: int) -> bool:
    """Whether `c` could be placed in `u` now: school places, and its member's floor."""
    home = inst.c_mun[c]
    sends = inst.u_mun[u] != home
    return bool(placement.with_room(c, np.array([u]))[0]) and (
        placement.net[home] - sends >= inst.floor_gap[home])


def _swap(inst: Instance, placement: Placement, d: int, c: int, u: int) -> int | None:
    """Let `d` go and place `c` in `u` if every rule then holds, returning `d`'s unit;
    otherwise change nothing. Only `c`'s home and `d`'s host can fall below their floors, and
    `d`'s host only once `c` is in (when `u` was `d`'s, the host keeps its count)."""
    was = placement.remove(d)
    if _fits(inst, placement, c, u):
        placement.add(c, u)
        host = inst.u_mun[was]
        if placement.net[host] >= inst.floor_gap[host]:
            return was
        placement.remove(c)
    placement.add(d, was)
    return None
