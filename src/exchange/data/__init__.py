"""Geography shipped with the package: municipalities and localities (see ATTRIBUTION.md)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class Place:
    municipality: str
    name: str
    lat: float
    lon: float


@cache
def municipalities() -> dict[str, Place]:
    """All 290 Swedish municipalities by code, with an approximate centre."""
    rows = _csv("municipalities.csv")
    return {r["code"]: Place(r["code"], r["name"], float(r["lat"]), float(r["lon"])) for r in rows}


@cache
def localities() -> dict[str, list[Place]]:
    """Named localities of each municipality (at least one each)."""
    found: dict[str, list[Place]] = {}
    for r in _csv("localities.csv"):
        found.setdefault(r["municipality"], []).append(
            Place(r["municipality"], r["name"], float(r["lat"]), float(r["lon"])))
    return found


def _csv(name: str) -> list[dict[str, str]]:
    with resources.files("exchange.data").joinpath(name).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))

