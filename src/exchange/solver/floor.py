"""A floor under every tier of an answer the time limit cut short: first come, higher tiers kept.

When the model stops before proving a tier, its answer for that tier is whatever the stage's
MIP, the completion step or the first answer found, and that can be weak: at Stockholm
2,000 x 2,000 the completed model placed 147 normal cases where first come placed 309. So each
tier that is not proven is compared, most urgent first, with *first come over that tier with
the more urgent tiers' placements kept*: the tier's cases, most urgent and longest waiting
first, each take the first free eligible unit (file order) that the member's floor allows and
whose schools can still seat the children (`exchange.solver.explain.place_in_order`), and the
less urgent tiers are completed after them. When that keeps every member at its reciprocity
floor and places more of the tier, it replaces the tier and every tier after it: a
lexicographic improvement, since the more urgent tiers are unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from exchange.solver.circulation import tier_counts
from exchange.solver.eligibility import Pairs
from exchange.solver.explain import Placement, complete, place_in_order
from exchange.solver.instance import TIERS, Instance


def first_come_within(inst: Instance, pairs: Pairs, placement: Placement, order: NDArray,
                      tier: int) -> Placement | None:
    """The placements of tiers more urgent than `tier`, then first come over `tier`'s cases,
    then the rest completed; None where that leaves a member below its reciprocity floor
    (the kept placements may have leant on less urgent cases received)."""
    kept = np.array([c for c in placement.unit_of if inst.c_tier[c] < tier], dtype=np.int64)
    units = np.array([placement.unit_of[c] for c in kept.tolist()], dtype=np.int64)
    trial = Placement.of(inst, kept, units)
    place_in_order(inst, trial, order[inst.c_tier[order] == tier], pairs)
    complete(inst, trial, order, pairs)
    return trial if (trial.net >= inst.floor_gap).all() else None


def with_first_come_floor(inst: Instance, pairs: Pairs, placement: Placement, order: NDArray,
                          proven: Sequence[bool]) -> tuple[Placement, list[int]]:
    """`placement`, with each tier not `proven` raised to first come's count where that is
    higher. Also returns the tiers where first come was taken."""
    raised = []
    for t in range(len(TIERS)):
        if proven[t] or not (inst.c_tier == t).any():
            continue
        trial = first_come_within(inst, pairs, placement, order, t)
        if trial is not None and tier_counts(trial)[t] > tier_counts(placement)[t]:
            placement = trial
            raised.append(t)
    return placement, raised
