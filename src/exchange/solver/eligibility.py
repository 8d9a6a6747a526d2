"""Which units each case may get: the vectorised twin of `exchange.domain.rules`, one mask per
rule of `PAIR_RULES`, under the rule's name.

Cheap rules (municipality, size, rent, access, landlord, school stage reach) are evaluated for all
units at once; distances are computed only around danger zones and kept schools, through the
spatial index, and always exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from exchange.domain.model import Case
from exchange.domain.rules import PAIR_RULES, PairRule
from exchange.solver.instance import Instance


@dataclass(frozen=True)
class RuleMasks:
    """For one case, which units pass each rule of `PAIR_RULES` (over all units); `fits` is
    made of the parts an explanation names."""

    is_safe: NDArray
    rooms: NDArray
    declined: NDArray
    rent: NDArray
    access: NDArray
    landlord_accepts: NDArray
    has_school_reach: NDArray

    @property
    def fits(self) -> NDArray:
        """Rooms, not declined, rent and access: `exchange.domain.rules.fits`."""
        return self.rooms & ~self.declined & self.rent & self.access

    def of(self, rule: PairRule) -> NDArray:
        """The mask of one rule of the table."""
        mask: NDArray = getattr(self, rule.name)
        return mask

    @property
    def eligible(self) -> NDArray:
        return np.logical_and.reduce([self.of(rule) for rule in PAIR_RULES])


@dataclass(frozen=True)
class Pairs:
    """All eligible (case, unit) pairs, sorted by case, then unit."""

    case: NDArray
    unit: NDArray

    def __len__(self) -> int:
        return int(self.case.size)


def rule_masks(inst: Instance, c: int) -> RuleMasks:
    """Evaluate every rule of case `c` against every unit."""
    case = inst.round.cases[c]
    return RuleMasks(
        is_safe=_municipality_ok(inst, case, c) & ~_in_danger(inst, case),
        rooms=(inst.u_rooms >= case.rooms_min) & (inst.u_rooms <= case.rooms_max),
        declined=_declined(inst, case),
        rent=inst.u_rent <= case.max_rent_sek,
        access=inst.u_step_free | (not case.needs.step_free),
        landlord_accepts=_landlord(inst, case),
        has_school_reach=_stage_reach(inst, c) & _keeps_schools(inst, case),
    )


def eligible_pairs(inst: Instance) -> Pairs:
    """Every eligible pair; distances are only computed for units passing the cheap rules."""
    cases, units = [], []
    for c, case in enumerate(inst.round.cases):
        cheap = _municipality_ok(inst, case, c) & _fits(inst, case) & _stage_reach(inst, c)
        if cheap.any():
            cheap &= ~_in_danger(inst, case) & _keeps_schools(inst, case)
        found = np.flatnonzero(cheap)
        cases.append(np.full(found.size, c, dtype=np.int64))
        units.append(found)
    if not cases:
        return Pairs(np.empty(0, np.int64), np.empty(0, np.int64))
    return Pairs(np.concatenate(cases), np.concatenate(units).astype(np.int64))


def possible_pairs(inst: Instance, pairs: Pairs) -> Pairs:
    """The eligible pairs some answer could choose: without those where a stage's children
    outnumber all the free places of that stage within the unit's reach (the rules let a unit
    reach one school with a place; the household may need more). Nothing else changes: such
    a pair fails every school check anyway, so dropping it up front only spares the model."""
    keep = np.ones(len(pairs), dtype=bool)
    for g in range(len(inst.stages)):
        arcs = inst.arcs[inst.arcs[:, 2] == g]
        places = np.bincount(arcs[:, 0], weights=inst.cap[arcs[:, 1], g], minlength=inst.n_units)
        keep &= inst.demand[pairs.case, g] <= places[pairs.unit]
    return Pairs(pairs.case[keep], pairs.unit[keep])


def _municipality_ok(inst: Instance, case: Case, c: int) -> NDArray:
    excluded = [inst.members.index(code) for code in case.safety.excluded_municipalities
                if code in inst.members]
    ok = ~np.isin(inst.u_mun, excluded)
    if not inst.round.network.rules.allow_home_municipality:
        ok &= inst.u_mun != inst.c_mun[c]
    return ok


def _in_danger(inst: Instance, case: Case) -> NDArray:
    danger = np.zeros(inst.n_units, dtype=bool)
    for zone in case.safety.danger_zones:
        near, km = inst.units.near(zone.lat, zone.lon, zone.radius_km)
        danger[near[km < zone.radius_km]] = True
    return danger


def _fits(inst: Instance, case: Case) -> NDArray:
    fits = (inst.u_rooms >= case.rooms_min) & (inst.u_rooms <= case.rooms_max)
    fits &= inst.u_rent <= case.max_rent_sek
    if case.needs.step_free:
        fits &= inst.u_step_free
    return fits & _landlord(inst, case) & ~_declined(inst, case)


def _declined(inst: Instance, case: Case) -> NDArray:
    declined = np.zeros(inst.n_units, dtype=bool)
    declined[[inst.unit_index[u] for u in case.declined_units if u in inst.unit_index]] = True
    return declined


def _landlord(inst: Instance, case: Case) -> NDArray:
    landlord = np.isnan(inst.u_multiple)
    landlord |= case.monthly_income_sek >= np.nan_to_num(inst.u_multiple) * inst.u_rent
    if case.income_support:
        landlord |= inst.u_accepts_support
    return landlord


def _stage_reach(inst: Instance, c: int) -> NDArray:
    needed = inst.demand[c] > 0
    return np.asarray(inst.reach[:, needed].all(axis=1))


def _keeps_schools(inst: Instance, case: Case) -> NDArray:
    ok = np.ones(inst.n_units, dtype=bool)
    for child in case.household.children:
        kept = child.keep_school
        if kept is not None:
            near, _ = inst.units.near(kept.lat, kept.lon, kept.max_km)
            within = np.zeros(inst.n_units, dtype=bool)
            within[near] = True
            ok &= within
    return ok
