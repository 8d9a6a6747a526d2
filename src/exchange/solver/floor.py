"""A floor under every tier of an answer the time limit cut short: first come, higher tiers kept.

When the model stops before proving a tier, its answer for that tier is whatever the stage's
MIP, the completion step or the first answer found, and that can be weak: at Stockholm
2,000 x 2,000 the completed model placed 147 normal cases where first come placed 309. So each
tier that is not proven is compared, most urgent first, with *first come over that tier with
the more urgent tiers' placements kept*: the tier's cases, most urgent and longest waiting
first, each take the first free eligible unit (file order) that the member's floor allows and
whose schools can still seat the children (`exchange.solver.explain.place_in_order`). When
that places more of the tier, the less urgent tiers are completed after it, and if every member
is then at its reciprocity floor it replaces the answer: a lexicographic improvement, since the
more urgent tiers are unchanged. Each tier costs about one completion step (Sweden 10,000 x 10,000:
20 s for three tiers with a completion inside each, before completion moved after the
comparison), so no tier starts once only the time for the reasons and the check is left.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from exchange.solver.circulation import tier_counts
from exchange.solver.deadline import Deadline
from exchange.solver.eligibility import Pairs
from exchange.solver.explain import Placement, complete, place_in_order
from exchange.solver.instance import TIERS, Instance


def first_come_within(inst: Instance, pairs: Pairs, placement: Placement, order: NDArray,
                      tier: int) -> Placement:
    """The placements of tiers more urgent than `tier`, then first come over `tier`'s cases."""
    trial = _more_urgent(inst, placement, tier)
    place_in_order(inst, trial, order[inst.c_tier[order] == tier], pairs)
    return trial


def refitted_within(inst: Instance, pairs: Pairs, placement: Placement, donor: Placement,
                    order: NDArray, tier: int) -> Placement:
    """The placements of tiers more urgent than `tier`, then `donor`'s placements of `tier`
    that still fit (most urgent first), then first come over the rest of the tier."""
    trial = _more_urgent(inst, placement, tier)
    cases = order[inst.c_tier[order] == tier]
    taken = set(trial.unit_of.values())
    for c in cases.tolist():
        u = donor.unit_of.get(c)
        if u is None or u in taken:
            continue
        home = inst.c_mun[c]
        sends = inst.u_mun[u] != home
        if trial.net[home] - sends >= inst.floor_gap[home] and trial.with_room(
                c, np.array([u]))[0]:
            trial.add(c, u)
            taken.add(u)
    place_in_order(inst, trial, cases, pairs)
    return trial


def keeps_floors(placement: Placement) -> bool:
    """Whether every member is at or above its reciprocity floor."""
    return bool((placement.net >= placement.inst.floor_gap).all())


def with_first_come_floor(inst: Instance, pairs: Pairs, placement: Placement, order: NDArray,
                          proven: Sequence[bool], deadline: Deadline,
                          donors: Sequence[Placement] = ()) -> tuple[Placement, list[int]]:
    """`placement`, with each tier not `proven` raised to first come's count where that is
    higher and, once completed, keeps every member at its floor; also to what `donors` (other
    answers) place of the tier, refitted to the more urgent tiers kept, where that is higher
    still. Returns the tiers raised too. No tier is started after `deadline`."""
    raised = []
    for t in range(len(TIERS)):
        if proven[t] or not (inst.c_tier == t).any() or deadline.expired():
            continue
        trials = [first_come_within(inst, pairs, placement, order, t)] + [
            refitted_within(inst, pairs, placement, donor, order, t) for donor in donors]
        for trial in sorted(trials, key=lambda p: -tier_counts(p)[t]):
            if tier_counts(trial)[t] <= tier_counts(placement)[t]:
                break
            # The kept placements may have leant on less urgent cases received: completing
            # receives again, and only an answer keeping every floor is taken.
            complete(inst, trial, order, pairs)
            if keeps_floors(trial):
                placement = trial
                raised.append(t)
                break
    return placement, raised


def _more_urgent(inst: Instance, placement: Placement, tier: int) -> Placement:
    """A new placement holding `placement`'s cases of the tiers more urgent than `tier`."""
    kept = np.array([c for c in placement.unit_of if inst.c_tier[c] < tier], dtype=np.int64)
    units = np.array([placement.unit_of[c] for c in kept.tolist()], dtype=np.int64)
    return Placement.of(inst, kept, units)
