"""Places people name on the pages: a locality picked for a danger zone's centre, and
municipalities written by name (any of Sweden's 290, members or not)."""

from __future__ import annotations

from functools import cache
from typing import Any

from exchange.data import localities, municipalities
from exchange.geography import municipality_names
from exchange.services.errors import FieldProblem
from exchange.web.i18n import Translator


@cache
def places() -> dict[str, tuple[float, float]]:
    """Localities to pick a danger zone's centre from: 'Name (Municipality)' -> position."""
    names = municipality_names()
    return {f"{p.name} ({names[code]})": (p.lat, p.lon)
            for code, found in sorted(localities().items()) for p in found}


@cache
def municipality_codes() -> dict[str, str]:
    """Every Swedish municipality's name, folded to lower case, -> its code."""
    return {place.name.casefold(): code for code, place in municipalities().items()}


def resolve(data: dict[str, Any], t: Translator) -> list[FieldProblem]:
    """Danger zones picked by locality get its centre; other municipalities typed by name get
    their codes. Returns what could not be found, by field path."""
    found: list[FieldProblem] = []
    safety = data.get("safety")
    if not isinstance(safety, dict):
        return found
    zones = safety.get("danger_zones")
    for i, zone in enumerate(zones if isinstance(zones, list) else []):
        name = zone.pop("place", None) if isinstance(zone, dict) else None
        if not isinstance(name, str):
            continue
        if name not in places():
            found.append(FieldProblem(f"safety.danger_zones.{i}.place", t("form.place")))
        else:  # a locality picked wins over coordinates left from before
            zone["lat"], zone["lon"] = places()[name]
    other = safety.pop("excluded_other", "")
    names = other.split(",") if isinstance(other, str) else ["?"]  # a hand-made group
    excluded = safety.setdefault("excluded_municipalities", [])
    for name in filter(None, (n.strip() for n in names)):
        code = municipality_codes().get(name.casefold())
        if code is None:
            found.append(FieldProblem("safety.excluded_other", t("form.municipality")))
        elif isinstance(excluded, list) and code not in excluded:
            excluded.append(code)
    return found
