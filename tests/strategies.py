"""Hypothesis strategies shared by the tests: small random rounds under the format's rules."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from exchange.domain.model import Round
from tests.builders import as_round

CODES = ["0126", "0127", "0128"]
lats = st.floats(59.15, 59.25)
lons = st.floats(17.70, 17.95)
stages = st.sampled_from(["preschool", "f3", "y4_6", "y7_9"])


@st.composite
def rounds(draw: st.DrawFn, max_cases: int = 5, max_units: int = 5) -> Round:
    """A round of a few members, cases, units and schools packed into a small area."""
    members = CODES[: draw(st.integers(2, 3))]
    data: dict[str, Any] = {
        "format": "exchange-round/1",
        "round": {"id": "r", "date": "2026-12-01"},
        "network": {"id": "n", "name": "n", "rules": {
            "reciprocity_tolerance": draw(st.integers(0, 1)),
            "allow_home_municipality": draw(st.sampled_from([False, True])),
            "school_reach_km": draw(st.dictionaries(stages, st.floats(3, 20), max_size=4))}},
        "municipalities": [{"code": c, "name": c, "lat": 59.2, "lon": 17.8,
                            "ledger_balance": draw(st.integers(-3, 1))} for c in members],
        "schools": [{"id": f"s{i}", "municipality": draw(st.sampled_from(members)),
                     "lat": draw(lats), "lon": draw(lons),
                     "free_places": draw(st.dictionaries(stages, st.sampled_from([1, 2, 0])))}
                    for i in range(draw(st.integers(0, 4)))],
        "units": [draw(_unit(i, members)) for i in range(draw(st.integers(1, max_units)))],
        "cases": [draw(_case(i, members)) for i in range(draw(st.integers(1, max_cases)))],
    }
    units = [unit["id"] for unit in data["units"]]
    for case in data["cases"]:
        case["declined_units"] = draw(st.lists(st.sampled_from(units), max_size=1, unique=True))
    return as_round(data)


@st.composite
def _unit(draw: st.DrawFn, i: int, members: list[str]) -> dict[str, Any]:
    multiple = draw(st.sampled_from([None, None, None, 2.5, 3.0]))
    return {"id": f"u{i}", "municipality": draw(st.sampled_from(members)),
            "lat": draw(lats), "lon": draw(lons), "rooms": draw(st.sampled_from([2, 1, 3])),
            "rent_sek": draw(st.sampled_from([7000, 5000, 9000])), "step_free": draw(st.booleans()),
            "contract": "first_hand",
            "requirements": {"min_income_multiple": multiple,
                             "accepts_income_support": draw(st.booleans())}}


@st.composite
def _case(draw: st.DrawFn, i: int, members: list[str]) -> dict[str, Any]:
    rooms_min = draw(st.integers(1, 2))
    children = [{"age": draw(st.integers(0, 17))} for _ in range(draw(st.integers(0, 2)))]
    if children and draw(st.booleans()):
        children[0]["keep_school"] = {"lat": draw(lats), "lon": draw(lons),
                                      "max_km": draw(st.floats(3, 25))}
    return {"id": f"c{i}", "municipality": draw(st.sampled_from(members)),
            "urgency": draw(st.sampled_from(["acute", "high", "normal"])),
            "waiting_since": draw(st.sampled_from(["2026-01-10", "2026-06-01", "2026-11-20"])),
            "household": {"adults": 1, "children": children},
            "rooms_min": rooms_min, "rooms_max": rooms_min + draw(st.integers(0, 2)),
            "max_rent_sek": draw(st.sampled_from([10000, 13000, 6000])),
            "monthly_income_sek": draw(st.sampled_from([30000, 0, 21000])),
            "income_support": draw(st.booleans()),
            "needs": {"step_free": draw(st.sampled_from([False, False, False, True]))},
            "safety": {"excluded_municipalities": draw(st.lists(st.sampled_from(
                        ["0180", *members]), max_size=1)),
                       "danger_zones": [{"lat": draw(lats), "lon": draw(lons),
                                         "radius_km": draw(st.floats(0.5, 4))}
                                        for _ in range(draw(st.integers(0, 1)))]},
            "preferences": {"municipalities": draw(st.lists(st.sampled_from(members),
                                                            max_size=1))}}
