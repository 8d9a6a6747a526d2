"""The eligibility rules of the round format, one plain predicate each.

These are the reference statement of the rules: slow, scalar, and computed with
`geopy.distance.geodesic`. `PAIR_RULES` lists the four rules a unit must pass for a case, in the
order that names an unplaced household's reason. The solver filters pairs with a vectorised twin
of each rule, under the same name; its explanations, `exchange.domain.verify` and the services'
re-check of a live proposal walk the same table.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from geopy.distance import geodesic

from exchange.domain.model import Case, Child, Reason, Rules, School, Stage, Unit


def km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Geodesic distance in kilometres on the WGS-84 ellipsoid."""
    return float(geodesic((lat1, lon1), (lat2, lon2)).km)


def stage_of(age: int) -> Stage | None:
    """The school stage of a child of this age; None below one year."""
    if age < 1:
        return None
    if age <= 5:
        return Stage.PRESCHOOL
    if age <= 9:
        return Stage.F3
    if age <= 12:
        return Stage.Y4_6
    if age <= 15:
        return Stage.Y7_9
    return Stage.UPPER_SECONDARY


def needs_school_place(child: Child, rules: Rules) -> Stage | None:
    """The stage a child needs a new school place in, or None if it needs none."""
    stage = stage_of(child.age)
    if child.keep_school is not None or stage is None or stage not in rules.school_reach_km:
        return None
    return stage


def is_safe(case: Case, unit: Unit, rules: Rules) -> bool:
    """Rule 1: not excluded, not home (unless allowed), outside every danger zone."""
    if unit.municipality in case.safety.excluded_municipalities:
        return False
    if unit.municipality == case.municipality and not rules.allow_home_municipality:
        return False
    return all(
        km(zone.lat, zone.lon, unit.lat, unit.lon) >= zone.radius_km
        for zone in case.safety.danger_zones
    )


def fits(case: Case, unit: Unit) -> bool:
    """Rule 2: rooms, rent, step-free access, and not a unit the household has declined."""
    return (
        unit.id not in case.declined_units
        and case.rooms_min <= unit.rooms <= case.rooms_max
        and unit.rent_sek <= case.max_rent_sek
        and (unit.step_free or not case.needs.step_free)
    )


def landlord_accepts(case: Case, unit: Unit) -> bool:
    """Rule 3: the landlord's income requirement, or income support where accepted."""
    multiple = unit.requirements.min_income_multiple
    if multiple is None:
        return True
    if case.income_support and unit.requirements.accepts_income_support:
        return True
    return case.monthly_income_sek >= multiple * unit.rent_sek


def school_within_reach(school: School, unit: Unit, stage: Stage, rules: Rules) -> bool:
    """Whether this school offers a free place in `stage` within reach of the unit."""
    return school.free_places.get(stage, 0) > 0 and (
        km(school.lat, school.lon, unit.lat, unit.lon) <= rules.school_reach_km[stage]
    )


def has_school_reach(case: Case, unit: Unit, schools: Sequence[School], rules: Rules) -> bool:
    """Rule 4: every kept school within its distance, every other child a school in reach."""
    for child in case.household.children:
        kept = child.keep_school
        if kept is not None:
            if km(kept.lat, kept.lon, unit.lat, unit.lon) > kept.max_km:
                return False
            continue
        stage = needs_school_place(child, rules)
        if stage is not None and not any(
            school_within_reach(school, unit, stage, rules) for school in schools
        ):
            return False
    return True


def reciprocity_floor(balance: int, rules: Rules) -> int:
    """The lowest balance a member may end a round with."""
    return min(balance, -rules.reciprocity_tolerance)


@dataclass(frozen=True)
class PairRule:
    """One rule a unit must pass for a case.

    `name` is the predicate's (and its vectorised twin's in `exchange.solver.eligibility`);
    `reason` is why a household is unplaced when no unit passes this rule and those before it;
    `broken` says what a proposal breaking it does wrong.
    """

    name: str
    holds: Callable[[Case, Unit, Sequence[School], Rules], bool]
    reason: Reason
    broken: str


#: The case-unit rules, in the order that names an unplaced household's reason.
PAIR_RULES: tuple[PairRule, ...] = (
    PairRule("is_safe", lambda case, unit, _schools, rules: is_safe(case, unit, rules),
             Reason.NO_SAFE_UNIT, "breaks a safety rule"),
    PairRule("fits", lambda case, unit, _schools, _rules: fits(case, unit),
             Reason.NO_FITTING_UNIT, "does not fit the household"),
    PairRule("landlord_accepts", lambda case, unit, _schools, _rules:
             landlord_accepts(case, unit), Reason.NO_FITTING_UNIT,
             "does not meet the landlord's conditions"),
    PairRule("has_school_reach", lambda case, unit, schools, rules:
             has_school_reach(case, unit, schools, rules), Reason.NO_SCHOOL_PLACE,
             "lacks school reach"),
)


def broken_rules(case: Case, unit: Unit, schools: Sequence[School], rules: Rules
                 ) -> list[PairRule]:
    """The rules of `PAIR_RULES` that the pair breaks, in order; empty when it is eligible."""
    return [rule for rule in PAIR_RULES if not rule.holds(case, unit, schools, rules)]


def is_eligible(case: Case, unit: Unit, schools: Sequence[School], rules: Rules) -> bool:
    """All four rules at once."""
    return not broken_rules(case, unit, schools, rules)
