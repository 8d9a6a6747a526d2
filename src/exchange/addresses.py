"""Plausible Swedish names and addresses for generated schools and the sample's units.

Each is drawn from a generator seeded by the object's id, so it never disturbs the draws of the
round itself (the sample stays the same round) and the same id always gets the same name.
"""

from __future__ import annotations

import random

from exchange.data import Place, municipalities

_STREETS = ("Storgatan", "Kyrkogatan", "Skolgatan", "Järnvägsgatan", "Parkvägen", "Björkvägen",
            "Tallvägen", "Granvägen", "Ekvägen", "Lindvägen", "Åsvägen", "Solvägen",
            "Ringvägen", "Bergsvägen", "Ängsvägen", "Drottninggatan", "Kungsgatan",
            "Trädgårdsgatan", "Nygatan", "Hantverkargatan", "Mossvägen", "Lärkvägen")
_STEMS = ("Björk", "Ek", "Lind", "Sjö", "Berg", "Äng", "Kvarn", "Tall", "Vik", "Hag", "Gärde",
          "Ljung", "Skogs", "Backa", "Solberga", "Norrby", "Söderby", "Ros", "Lönn", "Hassel")
#: The first digit of postcodes by county (roughly: Stockholm 1, Gothenburg 4, Skåne 2).
_POSTAL = {"01": 1, "03": 7, "04": 6, "05": 5, "06": 3, "07": 3, "08": 3, "09": 6, "10": 3,
           "12": 2, "13": 3, "14": 4, "17": 6, "18": 7, "19": 7, "20": 7, "21": 8, "22": 8,
           "23": 8, "24": 9, "25": 9}


def school_name(school_id: str, town: Place) -> str:
    """A school's name, such as "Björkskolan" or "Tallbacka förskola"."""
    draw = random.Random(school_id)
    stem = draw.choice(_STEMS)
    return f"{stem}skolan" if draw.random() < 0.7 else f"{stem} {town.name} förskola"


def street_address(object_id: str, town: Place) -> tuple[str, str]:
    """A street address and postcode in `town`'s municipality."""
    draw = random.Random(object_id)
    first = _POSTAL.get(town.municipality[:2], 5)
    postcode = f"{first}{draw.randint(0, 99):02d} {draw.randint(10, 99)}"
    return f"{draw.choice(_STREETS)} {draw.randint(1, 60)}", postcode


def unit_address(unit_id: str, municipality: str) -> dict[str, object]:
    """A unit's whole address: street, postcode, floor, landlord and object number."""
    town = municipalities()[municipality]
    street, postcode = street_address(unit_id, town)
    draw = random.Random(f"{unit_id}/landlord")
    return {"street": street, "postcode": postcode, "floor": draw.randint(0, 8),
            "landlord": f"{town.name} Bostäder",
            "object_number": f"{draw.randint(1000, 9999)}-{draw.randint(100, 999)}"}
