"""One test per eligibility rule; the reference predicates and the vectorised filter must agree."""

from __future__ import annotations

import numpy as np
import pytest
from geopy.distance import geodesic

from exchange.domain.rules import PAIR_RULES, is_eligible
from exchange.solver.eligibility import eligible_pairs, rule_masks
from exchange.solver.geodesy import PointIndex, geodesic_km
from exchange.solver.instance import build_instance
from tests.builders import UNIT_AT, as_round, offset, varied


def eligible(data: dict) -> bool:
    """Whether the only case may get the only unit, asserting that both implementations agree,
    rule by rule of the one table."""
    round_ = as_round(data)
    case, unit, schools, rules = (round_.cases[0], round_.units[0], round_.schools,
                                  round_.network.rules)
    reference = is_eligible(case, unit, schools, rules)
    inst = build_instance(round_)
    fast = len(eligible_pairs(inst)) == 1
    assert reference == fast, "vectorised eligibility disagrees with the reference rules"
    masks = rule_masks(inst, 0)
    for rule in PAIR_RULES:
        assert bool(masks.of(rule)[0]) == rule.holds(case, unit, schools, rules), rule.name
    return reference


def test_the_base_pair_is_eligible():
    assert eligible(varied())


def test_excluded_municipality_is_never_proposed():
    assert not eligible(varied(**{"cases.0.safety.excluded_municipalities": ["0127"]}))


def test_excluded_municipality_outside_the_network_is_harmless():
    assert eligible(varied(**{"cases.0.safety.excluded_municipalities": ["0180"]}))


def test_home_municipality_is_unsafe_unless_the_network_allows_it():
    home = {"cases.0.municipality": "0127"}
    assert not eligible(varied(**home))
    assert eligible(varied(**home, **{"network.rules.allow_home_municipality": True}))


@pytest.mark.parametrize("bearing", [0.0, 45.0, 200.0])
def test_danger_zone_a_metre_inside_and_outside(bearing):
    radius = 7.5
    inside = offset(*UNIT_AT, radius - 0.001, bearing)
    outside = offset(*UNIT_AT, radius + 0.001, bearing)
    for centre, safe in ((inside, False), (outside, True)):
        zone = {"lat": centre[0], "lon": centre[1], "radius_km": radius}
        assert eligible(varied(**{"cases.0.safety.danger_zones": [zone]})) is safe


def test_danger_zone_boundary_counts_as_outside():
    """The rule is distance >= radius: a unit exactly on the circle is safe."""
    centre = offset(*UNIT_AT, 5.0)
    exact = geodesic(centre, UNIT_AT).km
    zone = {"lat": centre[0], "lon": centre[1], "radius_km": exact}
    assert eligible(varied(**{"cases.0.safety.danger_zones": [zone]}))


def test_any_of_several_danger_zones_excludes():
    far = {"lat": 65.0, "lon": 20.0, "radius_km": 1}
    near = {"lat": UNIT_AT[0], "lon": UNIT_AT[1], "radius_km": 1}
    assert not eligible(varied(**{"cases.0.safety.danger_zones": [far, near]}))


@pytest.mark.parametrize(("rooms", "fits"), [(1, False), (2, True), (3, True), (4, False)])
def test_rooms_between_min_and_max(rooms, fits):
    assert eligible(varied(**{"units.0.rooms": rooms})) is fits


def test_a_unit_the_household_declined_is_never_eligible_again():
    assert not eligible(varied(**{"cases.0.declined_units": ["u1"]}))
    assert eligible(varied(**{"cases.0.declined_units": ["another-unit"]}))


@pytest.mark.parametrize(("rent", "fits"), [(9000, True), (9001, False)])
def test_rent_at_most_the_households_limit(rent, fits):
    assert eligible(varied(**{"units.0.rent_sek": rent})) is fits


def test_step_free_need_requires_a_step_free_unit():
    need = {"cases.0.needs.step_free": True}
    assert not eligible(varied(**need))
    assert eligible(varied(**need, **{"units.0.step_free": True}))


@pytest.mark.parametrize(("income", "fits"), [(22800, True), (22799, False)])
def test_landlord_income_multiple(income, fits):
    rule = {"units.0.requirements": {"min_income_multiple": 3.0}}
    assert eligible(varied(**rule, **{"cases.0.monthly_income_sek": income})) is fits


def test_income_support_meets_the_rule_only_where_accepted():
    poor = {"cases.0.monthly_income_sek": 0, "cases.0.income_support": True}
    refuses = {"units.0.requirements": {"min_income_multiple": 3.0}}
    accepts = {"units.0.requirements": {"min_income_multiple": 3.0,
                                        "accepts_income_support": True}}
    assert not eligible(varied(**poor, **refuses))
    assert eligible(varied(**poor, **accepts))


def _school_at(km: float, places: dict) -> dict:
    lat, lon = offset(*UNIT_AT, km)
    return {"id": "s1", "municipality": "0127", "lat": lat, "lon": lon, "free_places": places}


@pytest.mark.parametrize(("km", "reached"), [(1.999, True), (2.001, False)])
def test_school_reach_a_metre_inside_and_outside(km, reached):
    assert eligible(varied(schools=[_school_at(km, {"f3": 1})])) is reached


def test_a_school_without_free_places_in_the_stage_does_not_count():
    assert not eligible(varied(schools=[_school_at(0.5, {"f3": 0, "y4_6": 3})]))


@pytest.mark.parametrize(("age", "placeable"), [(0, True), (5, False), (6, True), (9, True),
                                                (10, False), (16, True), (17, True)])
def test_stage_follows_age(age, placeable):
    """Only f3 places exist: ages 6-9 find one, 0 and 16-17 need none, others find none."""
    data = varied(schools=[_school_at(0.5, {"f3": 1})])
    data["cases"][0]["household"]["children"] = [{"age": age}]
    assert eligible(data) is placeable


def test_stage_missing_from_school_reach_needs_no_school():
    data = varied(schools=[])
    data["network"]["rules"]["school_reach_km"] = {"preschool": 2}
    assert eligible(data)


@pytest.mark.parametrize(("km", "kept"), [(14.999, True), (15.001, False)])
def test_kept_school_a_metre_inside_and_outside(km, kept):
    lat, lon = offset(*UNIT_AT, km, 300)
    child = {"age": 12, "keep_school": {"lat": lat, "lon": lon, "max_km": 15}}
    data = varied(schools=[])
    data["cases"][0]["household"]["children"] = [child]
    assert eligible(data) is kept


def test_vectorised_distance_agrees_with_geopy_to_a_millimetre():
    rng = np.random.default_rng(7)
    lat1, lon1 = rng.uniform(55, 69, 500), rng.uniform(11, 24, 500)
    lat2, lon2 = rng.uniform(-80, 80, 500), rng.uniform(-180, 180, 500)
    ours = geodesic_km(lat1, lon1, lat2, lon2)
    pairs = zip(lat1, lon1, lat2, lon2, strict=True)
    reference = [geodesic((a, b), (c, d)).km for a, b, c, d in pairs]
    assert np.max(np.abs(ours - reference)) < 1e-6


def test_point_index_finds_exactly_the_points_within_reach():
    rng = np.random.default_rng(3)
    lat, lon = rng.uniform(58.5, 60, 5000), rng.uniform(16.5, 19, 5000)
    found, km = PointIndex(lat, lon).near(59.2, 17.8, 12.0)
    exact = np.flatnonzero(geodesic_km(59.2, 17.8, lat, lon) <= 12.0)
    assert found.tolist() == exact.tolist() and np.all(km <= 12.0)


@pytest.mark.parametrize("km", [5.0, 12.345678])
def test_a_radius_equal_to_geopys_distance_is_safe_in_both_implementations(km):
    """At the exact boundary, the fast path defers to geopy so that both rules decide alike."""
    centre = offset(*UNIT_AT, km, 17.0)
    exact = geodesic(centre, UNIT_AT).km
    zone = {"lat": centre[0], "lon": centre[1], "radius_km": exact}
    assert eligible(varied(**{"cases.0.safety.danger_zones": [zone]}))
    kept = {"age": 12, "keep_school": {"lat": centre[0], "lon": centre[1], "max_km": exact}}
    data = varied(schools=[])
    data["cases"][0]["household"]["children"] = [kept]
    assert eligible(data)
