"""The seat-slack lookup agrees with routing every placement again by min-cost flow."""

from __future__ import annotations

import numpy as np
import pytest

from exchange.generate import generate_round
from exchange.solver.eligibility import eligible_pairs
from exchange.solver.explain import Placement
from exchange.solver.instance import build_instance
from exchange.solver.schools import route


def _routable(inst, placed: dict[int, int], c: int, u: int) -> bool:
    """The reference: a min-cost flow of all placed children plus case `c` in unit `u`."""
    demand = {unit: inst.demand[case] for case, unit in placed.items()}
    demand[u] = inst.demand[c]
    return all(route(inst, demand, int(g)) is not None for g in np.flatnonzero(inst.demand[c]))


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_units_with_room_match_a_full_routing_while_cases_are_added(seed):
    """Schools here are scarce (more children than places), so re-routing paths are needed."""
    inst = build_instance(generate_round("sodertorn", 120, 90, seed))
    pairs = eligible_pairs(inst)
    placement = Placement.of(inst, np.empty(0, np.int64), np.empty(0, np.int64))
    rng = np.random.default_rng(seed)
    checked, refused = 0, 0
    for c in rng.permutation(inst.n_cases).tolist():
        units = pairs.unit[pairs.case == c]
        free = units[~np.isin(units, list(placement.unit_of.values()))]
        if free.size == 0:
            continue
        fast = placement.with_room(c, free)
        slow = np.array([_routable(inst, placement.unit_of, c, int(u)) for u in free])
        assert fast.tolist() == slow.tolist()
        checked += free.size
        refused += int((~slow).sum())
        if fast.any():
            placement.add(c, int(free[np.argmax(fast)]))
    assert checked > 100 and refused > 0, "the schools must run out for the test to bite"


@pytest.mark.parametrize("seed", [1, 2])
def test_cases_taken_out_give_their_places_back(seed):
    """After every removal, the units with room are those of a placement built afresh."""
    inst = build_instance(generate_round("sodertorn", 120, 90, seed))
    pairs = eligible_pairs(inst)
    placement = Placement.of(inst, np.empty(0, np.int64), np.empty(0, np.int64))
    rng = np.random.default_rng(seed)
    removed, differed = 0, 0
    for c in rng.permutation(inst.n_cases).tolist():
        units = pairs.unit[pairs.case == c]
        free = units[~np.isin(units, list(placement.unit_of.values()))]
        if free.size and (room := placement.with_room(c, free)).any():
            placement.add(c, int(free[np.argmax(room)]))
        if len(placement.unit_of) > 20 and rng.random() < 0.5:
            placed = sorted(placement.unit_of)
            before = placement.net.copy()
            out = placed[rng.integers(len(placed))]
            unit = placement.remove(out)
            removed += 1
            fresh = Placement.of(inst, np.array(list(placement.unit_of), dtype=np.int64),
                                 np.array(list(placement.unit_of.values()), dtype=np.int64))
            assert placement.net.tolist() == fresh.net.tolist()
            differed += before.tolist() != placement.net.tolist()
            assert placement.with_room(out, units_of := pairs.unit[pairs.case == out]).tolist() \
                == fresh.with_room(out, units_of).tolist()
            assert placement.with_room(out, np.array([unit]))[0]
    assert removed > 10 and differed > 0
