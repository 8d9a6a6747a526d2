"""Finding a unit's position from its address: a Nominatim or Photon server through geopy, or,
by default, the places shipped with the service (`offline`).

Only a unit's address is ever looked up (a housing officer's pledged apartment). Nothing about a
household (a danger zone, a kept school, where it comes from) is ever sent to a geocoder: those
are picked from the shipped places or pinned on the map. A public server's usage policy is kept:
the service names itself (`EXCHANGE_GEOCODER_USER_AGENT`), sends at most one request a second,
and remembers what it was told. A server that is slow, down or finds nothing gives a clear
refusal within a few seconds; the pin and the list of places stay to use.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

from geopy.adapters import RequestsAdapter
from geopy.exc import GeopyError
from geopy.geocoders import Nominatim, Photon

from exchange.geography import municipality_names, search_places
from exchange.services.errors import ServiceError

TIMEOUT_SECONDS = 4.0
SPACING_SECONDS = 1.0  # a public server's policy: at most one request a second
CACHED = 1_000


class GeocoderUnavailable(ServiceError):
    """The geocoder did not answer in time, or answered with an error."""

    status = 503
    title = "The address search does not answer"
    code = "geocoder_down"


@dataclass(frozen=True)
class Found:
    """A place an address search found."""

    name: str
    lat: float
    lon: float


class Geocoder(Protocol):
    """Finds places for an address written by a person."""

    def find(self, text: str) -> list[Found]: ...


class Offline:
    """The shipped localities and municipalities, by name: nothing leaves the service. An
    address finds the first of its parts that names a place (a street is no place here, so
    "Storgatan 3, 141 52, Huddinge" finds Huddinge): a rough position, to move on the map."""

    def find(self, text: str) -> list[Found]:
        names = municipality_names()
        for part in [text, *text.split(",")]:
            found = search_places(part.strip().strip("0123456789 ").strip())
            if found:  # a municipality and its main locality may share a name and a place
                return list(dict.fromkeys(Found(f"{p.name} ({names[p.municipality]})", p.lat, p.lon)
                                          for p in found))
        return []


class Remote:
    """A Nominatim or Photon server, through geopy, kept to one request a second, cached."""

    def __init__(self, kind: str, url: str, user_agent: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"not a server's URL: {url!r}")
        client = Nominatim if kind == "nominatim" else Photon
        self._client = client(domain=parts.netloc + parts.path.rstrip("/"), scheme=parts.scheme,
                              user_agent=user_agent, timeout=TIMEOUT_SECONDS,
                              adapter_factory=_without_retries)
        self._lock, self._last = threading.Lock(), 0.0
        self._cache: OrderedDict[str, list[Found]] = OrderedDict()

    def find(self, text: str) -> list[Found]:
        key = " ".join(text.casefold().split())
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
            time.sleep(max(0.0, self._last + SPACING_SECONDS - time.monotonic()))
            self._last = time.monotonic()
            try:
                answers = self._client.geocode(text, exactly_one=False, limit=5) or []
            except GeopyError as error:  # a timeout, a refusal, a server error
                raise GeocoderUnavailable(f"the address search did not answer "
                                          f"({type(error).__name__})") from None
            found = [Found(a.address, float(a.latitude), float(a.longitude)) for a in answers]
            self._cache[key] = found
            if len(self._cache) > CACHED:
                self._cache.popitem(last=False)
            return found


def _without_retries(**options: Any) -> RequestsAdapter:
    """geopy's HTTP adapter, asking once: a person waits for the answer (no hidden retries
    that would turn a 4 s timeout into 12)."""
    return RequestsAdapter(max_retries=0, **options)


def geocoder_from(setting: str, user_agent: str) -> Geocoder:
    """The geocoder `EXCHANGE_GEOCODER` names: `offline`, `nominatim+URL` or `photon+URL`."""
    if setting == "offline":
        return Offline()
    kind, _, url = setting.partition("+")
    if kind not in ("nominatim", "photon"):
        raise ValueError(f"EXCHANGE_GEOCODER: expected offline, nominatim+URL or photon+URL, "
                         f"got {setting!r}")
    return Remote(kind, url, user_agent)
