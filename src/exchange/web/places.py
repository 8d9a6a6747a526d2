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


def places_in(municipality: str) -> list[str]:
    """The names of the places of one municipality, to pick a unit's rough position from."""
    name = municipality_names().get(municipality, "")
    return sorted(p for p in places() if p.endswith(f"({name})"))


def centre_of(municipality: str) -> tuple[float, float]:
    """Where a municipality's map opens."""
    centre = municipalities()[municipality]
    return centre.lat, centre.lon


@cache
def municipality_codes() -> dict[str, str]:
    """Every Swedish municipality's name, folded to lower case, -> its code."""
    return {place.name.casefold(): code for code, place in municipalities().items()}


def resolve(data: dict[str, Any], t: Translator,
            schools: dict[str, tuple[float, float]] | None = None) -> list[FieldProblem]:
    """Places named on the case form, as the rules need them: a danger zone picked by locality
    gets its centre, a kept school picked from the network's schools its position (one pinned
    on the map keeps the pin's); other municipalities typed by name get their codes. Returns
    what could not be found, by field path."""
    found = _zones(data, t) + _kept_schools(data, t, schools or {})
    safety = data.get("safety")
    if not isinstance(safety, dict):
        return found
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


def _zones(data: dict[str, Any], t: Translator) -> list[FieldProblem]:
    safety = data.get("safety")
    zones = safety.get("danger_zones") if isinstance(safety, dict) else None
    found = []
    for i, zone in enumerate(zones if isinstance(zones, list) else []):
        if not isinstance(zone, dict):
            continue
        found += _place(zone, f"safety.danger_zones.{i}", places(), t("form.zone_place"))
    return found


def _kept_schools(data: dict[str, Any], t: Translator,
                  schools: dict[str, tuple[float, float]]) -> list[FieldProblem]:
    household = data.get("household")
    children = household.get("children") if isinstance(household, dict) else None
    found = []
    for i, child in enumerate(children if isinstance(children, list) else []):
        kept = child.get("keep_school") if isinstance(child, dict) else None
        if isinstance(kept, dict):
            found += _place(kept, f"household.children.{i}.keep_school", schools,
                            t("form.school_place"))
    return found


def _place(where: dict[str, Any], path: str, known: dict[str, tuple[float, float]],
           message: str) -> list[FieldProblem]:
    """A place pinned on the map keeps the pin; otherwise its name must be a known place,
    whose position it takes (a name typed without a pin, or nothing at all, is refused)."""
    pinned = where.pop("pinned", None) == "1" and "lat" in where and "lon" in where
    name = where.get("name")
    if pinned:
        return []
    if isinstance(name, str) and name in known:
        where["lat"], where["lon"] = known[name]
        return []
    where.pop("lat", None), where.pop("lon", None)
    return [FieldProblem(f"{path}.name", message)]
