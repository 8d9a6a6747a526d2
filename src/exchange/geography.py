"""The shipped geography at work: which municipality a point lies nearest to, and the places
people pick from. Pure: no I/O beyond reading the package's own files once.

Distances here only judge plausibility (is a unit where its municipality is?), never a safety
rule, so a spherical-earth distance suffices; the rules use geodesics (`exchange.domain.rules`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

from exchange.data import Place, localities, municipalities

#: A unit farther than this from every locality and the centre of its own municipality is in
#: the wrong place (Sweden's largest municipalities span some 100 km across their localities).
FAR_KM = 60.0


def km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle kilometres between two (lat, lon) points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    return 2 * 6371.0 * math.asin(math.sqrt(h))


@cache
def municipality_names() -> dict[str, str]:
    """Every Swedish municipality's code -> its name (a case may exclude any of them)."""
    return {code: place.name for code, place in municipalities().items()}


@cache
def _points() -> tuple[Place, ...]:
    """Every locality and every municipality's centre."""
    return (*[p for found in localities().values() for p in found],
            *municipalities().values())


@dataclass(frozen=True)
class Whereabouts:
    """Where a point lies: the municipality of the nearest shipped place, and how far the
    point is from the nearest place of the municipality it was said to be in."""

    nearest_municipality: str
    own_km: float


def whereabouts(lat: float, lon: float, municipality: str) -> Whereabouts:
    """Judge a point said to lie in `municipality` against the shipped places."""
    point = (lat, lon)
    nearest = min(_points(), key=lambda p: km(point, (p.lat, p.lon)))
    own = [p for p in _points() if p.municipality == municipality]
    own_km = min((km(point, (p.lat, p.lon)) for p in own), default=math.inf)
    return Whereabouts(nearest.municipality, own_km)


def search_places(words: str, limit: int = 8) -> list[Place]:
    """Shipped localities and municipalities whose names start with the words typed (the
    offline way to find a place: nothing leaves the service)."""
    wanted = words.strip().casefold()
    if not wanted:
        return []
    hits = [p for p in _points() if p.name.casefold().startswith(wanted)]
    hits += [p for p in _points() if wanted in p.name.casefold() and p not in hits]
    return hits[:limit]
