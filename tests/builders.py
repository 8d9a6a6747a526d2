"""Small hand-built rounds for tests: a base round and helpers to vary it."""

from __future__ import annotations

import copy
import json
from typing import Any

from geopy.distance import geodesic

from exchange.domain.model import Round
from exchange.formats import load_round

HOME = {"code": "0126", "name": "Huddinge", "lat": 59.2371, "lon": 17.9819}
HOST = {"code": "0127", "name": "Botkyrka", "lat": 59.1986, "lon": 17.8332}
UNIT_AT = (59.20, 17.83)


def offset(lat: float, lon: float, km: float, bearing: float = 90.0) -> tuple[float, float]:
    """The point `km` geodesic kilometres from (lat, lon) along `bearing`."""
    point = geodesic(kilometers=km).destination((lat, lon), bearing)
    return point.latitude, point.longitude


def base_round() -> dict[str, Any]:
    """One case in Huddinge, one unit in Botkyrka that it may have, and one school."""
    return {
        "format": "exchange-round/1",
        "round": {"id": "test-2026-12", "date": "2026-12-01"},
        "network": {"id": "test", "name": "Test", "rules": {
            "reciprocity_tolerance": 2,
            "school_reach_km": {"preschool": 2, "f3": 2, "y4_6": 3, "y7_9": 5}}},
        "municipalities": [dict(HOME, ledger_balance=0), dict(HOST, ledger_balance=0)],
        "schools": [{"id": "s1", "municipality": "0127", "lat": UNIT_AT[0],
                     "lon": UNIT_AT[1] + 0.01, "free_places": {"f3": 1, "y4_6": 1}}],
        "units": [{"id": "u1", "municipality": "0127", "lat": UNIT_AT[0], "lon": UNIT_AT[1],
                   "rooms": 2, "area_m2": 57, "rent_sek": 7600, "step_free": False,
                   "contract": "first_hand", "requirements": {}}],
        "cases": [{"id": "c1", "municipality": "0126", "urgency": "acute",
                   "waiting_since": "2026-09-01",
                   "household": {"adults": 1, "children": [{"age": 7}]},
                   "rooms_min": 2, "rooms_max": 3, "max_rent_sek": 9000,
                   "monthly_income_sek": 20000, "income_support": False,
                   "needs": {"step_free": False},
                   "safety": {"excluded_municipalities": [], "danger_zones": []}}],
    }


def varied(**changes: Any) -> dict[str, Any]:
    """The base round with dotted paths replaced, e.g. varied(**{"units.0.rooms": 4})."""
    data = copy.deepcopy(base_round())
    for path, value in changes.items():
        *parents, last = path.split(".")
        target = data
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        if last.isdigit():
            target[int(last)] = value
        else:
            target[last] = value
    return data


def as_round(data: dict[str, Any]) -> Round:
    """Validate a round given as a dict, exactly as a file would be."""
    return load_round(json.dumps(data))
