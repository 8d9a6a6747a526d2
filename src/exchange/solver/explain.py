"""Why each case was not placed, and the last placements a non-proven solution missed.

A case is looked at only after the model has spoken. Its reason is the first that applies:
no safe unit, no fitting unit, no school reach, a free eligible unit held back by the sending
member's reciprocity bound, or outranked. A free eligible unit with room at its schools and no
reciprocity bound in the way means the case can simply be placed: `complete` does so, which
only happens when the model stopped before proving optimality.

"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from exchange.domain.model import Reason, Unplaced
from exchange.domain.rules import PAIR_RULES
from exchange.solver.eligibility import Pairs, RuleMasks, rule_masks
from exchange.solver.instance import Instance
from exchange.solver.seat_slack import SeatSlack
from exchange.solver.seats import seat_clusters


@dataclass
class Placement:
    """Placed pairs as a mutable mapping, with the members' net flows and school seats."""

    inst: Instance
    unit_of: dict[int, int]
    net: NDArray
    _seats: SeatSlack | None = None

    @classmethod
    def of(cls, inst: Instance, cases: NDArray, units: NDArray) -> Placement:
        placement = cls(inst, {}, np.zeros(len(inst.members), dtype=np.int64))
        for c, u in zip(cases.tolist(), units.tolist(), strict=True):
            placement.add(c, u)
        return placement

    def add(self, c: int, u: int) -> None:
        self.unit_of[c] = u
        if self._seats is not None:
            self._seats.add(c, u)
        host, home = self.inst.u_mun[u], self.inst.c_mun[c]
        if host != home:
            self.net[host] += 1
            self.net[home] -= 1

    def remove(self, c: int) -> int:
        """Take case `c` out again; returns the unit it had."""
        u = self.unit_of.pop(c)
        if self._seats is not None:
            self._seats.remove(c, u)
        host, home = self.inst.u_mun[u], self.inst.c_mun[c]
        if host != home:
            self.net[host] -= 1
            self.net[home] += 1
        return u

    def with_room(self, c: int, units: NDArray) -> NDArray:
        """Which of `units` leave a school place in reach for every child of case `c`."""
        if self._seats is None:
            self._seats = SeatSlack(self.inst, seat_clusters(self.inst), self.unit_of)
        return self._seats.fits(c, units)


def complete(inst: Instance, placement: Placement, order: NDArray, pairs: Pairs) -> None:
    """Place, in `order`, every case that still has a free eligible unit it may take."""
    while place_in_order(inst, placement, order, pairs):
        pass


def place_in_order(inst: Instance, placement: Placement, order: NDArray, pairs: Pairs) -> int:
    """One pass of first come over `order`: each unplaced case takes the first free eligible
    unit (in file order) that its member's floor allows and whose schools can still seat its
    children (placed children may be re-routed). Returns how many cases were placed."""
    starts = np.searchsorted(pairs.case, np.arange(inst.n_cases + 1))
    taken = np.zeros(inst.n_units, dtype=bool)
    taken[list(placement.unit_of.values())] = True
    added = 0
    for c in order.tolist():
        if c in placement.unit_of:
            continue
        units = pairs.unit[starts[c]:starts[c + 1]]
        units = units[~taken[units]]
        home = inst.c_mun[c]
        if placement.net[home] - 1 < inst.floor_gap[home]:
            units = units[inst.u_mun[units] == home]
        units = units[placement.with_room(c, units)]
        if units.size:
            placement.add(c, int(units[0]))
            taken[units[0]] = True
            added += 1
    return added


def explain(inst: Instance, placement: Placement) -> list[Unplaced]:
    """The reason of every case left unplaced, in the order of the round file."""
    unplaced = []
    for c, case in enumerate(inst.round.cases):
        if c not in placement.unit_of:
            masks = rule_masks(inst, c)
            roomy = _free_with_room(inst, placement, c, masks)
            reason, detail = _reason(inst, masks, len(roomy))
            unplaced.append(Unplaced(case=case.id, reason=reason, detail=detail))
    return unplaced


def _free_with_room(inst: Instance, placement: Placement, c: int, masks: RuleMasks) -> list[int]:
    taken = np.zeros(inst.n_units, dtype=bool)
    taken[list(placement.unit_of.values())] = True
    free = np.flatnonzero(masks.eligible & ~taken)
    return free[placement.with_room(c, free)].tolist()


def _reason(inst: Instance, masks: RuleMasks, roomy: int) -> tuple[Reason, str]:
    """The first rule of `PAIR_RULES` that no unit passes (with those before it), or, when
    some unit is eligible, the reciprocity limit or being outranked."""
    passing = np.ones(inst.n_units, dtype=bool)
    for rule in PAIR_RULES:
        before, passing = passing, passing & masks.of(rule)
        if not passing.any():
            return rule.reason, _detail(inst, masks, rule.reason, before)
    eligible = int(passing.sum())
    if roomy:
        return Reason.RECIPROCITY_LIMIT, (
            f"{roomy} eligible units are free, but the sending member is at its reciprocity "
            "limit: it must receive before it sends again")
    return Reason.OUTRANKED, (
        f"all {eligible} eligible units are taken by other proposals, or their schools lack "
        "room for this household's children")


def _detail(inst: Instance, masks: RuleMasks, reason: Reason, before: NDArray) -> str:
    """Counts behind a reason that a rule of the table gives, free of any location."""
    if reason is Reason.NO_SAFE_UNIT:
        return (f"none of the {inst.n_units} units is safe: each lies in an excluded or the "
                "home municipality, or inside a danger zone")
    if reason is Reason.NO_FITTING_UNIT:
        safe = masks.is_safe
        failing = [f"{(safe & ~mask).sum()} {what}" for mask, what in (
            (masks.rooms, "have the wrong number of rooms"),
            (~masks.declined, "were declined by the household"), (masks.rent, "cost too much"),
            (masks.access, "are not step-free"),
            (masks.landlord_accepts, "fail the landlord's rule")) if (safe & ~mask).any()]
        return f"{safe.sum()} units are safe but none fits: " + ", ".join(failing)
    return (f"{before.sum()} units are safe and fit, but none has a school place within reach "
            "for every child (or the kept school within its distance)")
