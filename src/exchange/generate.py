"""Synthetic rounds on real Swedish geography, for samples, tests and benchmarks.

Municipality codes and coordinates, and the localities around which units, schools and
households are placed, come from `exchange/data/` (derived from GeoNames, CC-BY 4.0).
Sizes and rents follow greater Stockholm: about 133 SEK per m2 a month and 36/57/77/104 m2 for
1-4 rooms. The same arguments always give the same round.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import numpy as np

from exchange.addresses import school_name, street_address
from exchange.data import Place, localities, municipalities
from exchange.domain.model import ROUND_FORMAT, Round
from exchange.formats import load_round

REGIONS = {
    "sodertorn": ("Södertörnsnätverket Stadigvarande boende",
                  ("0127", "0136", "0126", "0140", "0192", "0128", "0181", "0138")),
    "stockholm": ("Stockholms läns nätverk för stadigvarande boende", None),
    "sweden": ("Nationellt nätverk för stadigvarande boende", None),
}
AREA_M2 = {1: 36, 2: 57, 3: 77, 4: 104}
RENT_PER_M2 = 133
SCHOOL_REACH_KM = {"preschool": 2.0, "f3": 2.0, "y4_6": 3.0, "y7_9": 5.0}


def region_codes(region: str) -> list[str]:
    """The member codes of a named region: sodertorn, stockholm (county 01) or sweden."""
    if region not in REGIONS:
        raise ValueError(f"unknown region {region!r}; choose one of {', '.join(REGIONS)}")
    codes = REGIONS[region][1]
    if codes is not None:
        return sorted(codes)
    return sorted(c for c in municipalities() if region == "sweden" or c.startswith("01"))


def generate_round(region: str, n_cases: int, n_units: int, seed: int,
                   date: dt.date = dt.date(2026, 12, 1)) -> Round:
    """A plausible round for `region` with the given numbers of cases and units."""
    rng = np.random.default_rng(seed)
    codes = region_codes(region)
    towns = [place for code in codes for place in localities()[code]]
    members = [_member(municipalities()[code], rng) for code in codes]
    data: dict[str, Any] = {
        "format": ROUND_FORMAT,
        "round": {"id": f"{region}-{date:%Y-%m}", "date": date.isoformat()},
        "network": {"id": region, "name": REGIONS[region][0],
                    "rules": {"reciprocity_tolerance": 2, "allow_home_municipality": False,
                              "school_reach_km": SCHOOL_REACH_KM}},
        "municipalities": members,
        "schools": [_school(i, towns[i % len(towns)], rng)
                    for i in range(max(3 * len(codes), len(towns) * 3))],
        "units": [unit_data(i, towns[rng.integers(len(towns))], rng, date) for i in range(n_units)],
        "cases": [case_data(i, towns[rng.integers(len(towns))], codes, rng, date)
                  for i in range(n_cases)],
    }
    return load_round(json.dumps(data, ensure_ascii=False))


def _member(place: Place, rng: np.random.Generator) -> dict[str, Any]:
    return {"code": place.municipality, "name": place.name, "lat": place.lat, "lon": place.lon,
            "ledger_balance": int(rng.choice([-3, -2, -1, 0, 0, 0, 1, 2, 3]))}


#: Inhabitants of the Södertörn members (SCB, end of 2023, rounded), which weigh their need.
POPULATION = {"0126": 114_000, "0127": 95_000, "0128": 17_500, "0136": 97_000, "0138": 49_000,
              "0140": 11_500, "0181": 102_000, "0192": 29_000}


def population(code: str) -> int:
    """A member's inhabitants: known for Södertörn; elsewhere 15,000 per locality the data
    names, a rough stand-in (the shipped geography carries no population)."""
    return POPULATION.get(code) or 15_000 * len(localities().get(code, [None]))


def _near(place: Place, rng: np.random.Generator, km: float) -> tuple[float, float]:
    lat = place.lat + rng.normal(0, km / 111.0)
    lon = place.lon + rng.normal(0, km / (111.0 * np.cos(np.radians(place.lat))))
    return round(float(lat), 5), round(float(lon), 5)


def _school(i: int, town: Place, rng: np.random.Generator) -> dict[str, Any]:
    lat, lon = _near(town, rng, 1.5)
    places = {stage: int(rng.choice([0, 0, 1, 1, 2, 3, 4])) for stage in SCHOOL_REACH_KM}
    school_id = f"s-{town.municipality}-{i:04d}"
    street, postcode = street_address(school_id, town)
    return {"id": school_id, "municipality": town.municipality,
            "name": school_name(school_id), "address": f"{street}, {postcode} {town.name}",
            "lat": lat, "lon": lon, "free_places": places}


def unit_data(i: int, town: Place, rng: np.random.Generator, date: dt.date,
              rooms: int | None = None) -> dict[str, Any]:
    """A plausible unit in `town`, as a round file's unit, free from about `date`; of
    `rooms` rooms when given."""
    lat, lon = _near(town, rng, 1.5)
    drawn = int(rng.choice([1, 2, 3, 4], p=[0.15, 0.35, 0.35, 0.15]))
    rooms = rooms or drawn
    area = int(round(AREA_M2[rooms] * rng.uniform(0.9, 1.1)))
    multiple = rng.random() < 0.4
    return {
        "id": f"u-{town.municipality}-{i:05d}", "municipality": town.municipality,
        "lat": lat, "lon": lon, "rooms": rooms, "area_m2": area,
        "rent_sek": int(round(area * RENT_PER_M2 * rng.uniform(0.92, 1.08), -1)),
        "step_free": bool(rng.random() < 0.35),
        "contract": str(rng.choice(["first_hand", "second_hand_to_first_hand", "social_contract"],
                                   p=[0.5, 0.3, 0.2])),
        "available_from": (date + dt.timedelta(days=int(rng.integers(0, 45)))).isoformat(),
        "requirements": {"min_income_multiple": 3.0 if multiple else None,
                         "accepts_income_support": bool(not multiple or rng.random() < 0.7)},
    }


def case_data(i: int, home: Place, codes: list[str], rng: np.random.Generator,
              date: dt.date) -> dict[str, Any]:
    """A plausible household of `home`'s municipality in a network of `codes`, as a round
    file's case waiting on `date`."""
    n_children = int(rng.choice([0, 1, 2, 3], p=[0.2, 0.35, 0.3, 0.15]))
    children = [_child(home, rng) for _ in range(n_children)]
    rooms_min = min(4, max(1, (n_children + 2) // 2 + int(rng.random() < 0.3)))
    support = bool(rng.random() < 0.6)
    near = sorted(codes, key=lambda c: _rough_km(municipalities()[c], home))[1:3]
    excluded = [home.municipality] + [c for c in near if rng.random() < 0.4]
    zones = [_zone(home, rng, 5, 15)] + ([_zone(
        localities()[str(rng.choice(codes))][0], rng, 2, 6)] if rng.random() < 0.3 else [])
    return {
        "id": f"{home.municipality}-{date.year}-{i:05d}", "municipality": home.municipality,
        "urgency": str(rng.choice(["acute", "high", "normal"], p=[0.2, 0.35, 0.45])),
        "waiting_since": (date - dt.timedelta(days=int(rng.integers(7, 400)))).isoformat(),
        "household": {"adults": 1 if rng.random() < 0.9 else 2, "children": children},
        "rooms_min": rooms_min, "rooms_max": min(4, rooms_min + int(rng.random() < 0.6)),
        "max_rent_sek": int(round(AREA_M2[rooms_min] * RENT_PER_M2 * rng.uniform(0.95, 1.4), -2)),
        "monthly_income_sek": 0 if support else int(round(rng.uniform(18000, 42000), -2)),
        "income_support": support,
        "needs": {"step_free": bool(rng.random() < 0.08)},
        "safety": {"excluded_municipalities": excluded, "danger_zones": zones},
        "preferences": {"municipalities": [str(c) for c in rng.choice(codes, size=int(
            rng.integers(0, 3)), replace=False)]},
    }


def _child(home: Place, rng: np.random.Generator) -> dict[str, Any]:
    age = int(rng.integers(0, 18))
    child: dict[str, Any] = {"age": age}
    if 6 <= age <= 15 and rng.random() < 0.1:
        lat, lon = _near(home, rng, 3)
        child["keep_school"] = {"name": school_name(f"{home.name}/{lat}/{lon}"),
                                "lat": lat, "lon": lon, "max_km": float(rng.choice([15, 20, 25]))}
    return child


def _zone(place: Place, rng: np.random.Generator, low: float, high: float) -> dict[str, Any]:
    lat, lon = _near(place, rng, 1.0)
    name = f"{place.name} ({municipalities()[place.municipality].name})"
    return {"name": name, "lat": lat, "lon": lon,
            "radius_km": float(round(rng.uniform(low, high), 1))}


def _rough_km(a: Place, b: Place) -> float:
    return float(np.hypot(a.lat - b.lat, (a.lon - b.lon) * np.cos(np.radians(a.lat))) * 111)
