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
#: The first three digits of postcodes in some municipalities (Södertörn's, the largest cities).
_PREFIXES = {"0127": (145, 146, 147), "0136": (136, 137), "0126": (141, 142, 143),
             "0140": (155,), "0192": (148, 149), "0128": (144,), "0181": (151, 152, 153),
             "0138": (135,), "0180": (112, 113, 114, 116, 117, 118, 120, 124, 127),
             "1480": (411, 412, 414, 415, 416, 417, 418, 421, 422, 424),
             "1280": (211, 212, 213, 214, 215, 216, 217), "0380": (752, 753, 754, 756, 757)}
#: Elsewhere, the first digit of postcodes by county (roughly: Stockholm 1, Gothenburg 4,
#: Skåne 2).
_POSTAL = {"01": 1, "03": 7, "04": 6, "05": 5, "06": 3, "07": 3, "08": 3, "09": 6, "10": 3,
           "12": 2, "13": 3, "14": 4, "17": 6, "18": 7, "19": 7, "20": 7, "21": 8, "22": 8,
           "23": 8, "24": 9, "25": 9}


def school_name(school_id: str) -> str:
    """A school's name, such as "Björkskolan" or "Tallbacka skola" (a school here teaches every
    stage from preschool class on, so none is named a preschool)."""
    draw = random.Random(school_id)
    stem = draw.choice(_STEMS)
    ending = draw.choice(("backa", "dal", "hage", "vik"))
    return f"{stem}skolan" if draw.random() < 0.7 else f"{stem}{ending} skola"


def street_address(object_id: str, town: Place) -> tuple[str, str]:
    """A street address and postcode in `town`'s municipality."""
    draw = random.Random(object_id)
    if town.municipality in _PREFIXES:
        postcode = f"{draw.choice(_PREFIXES[town.municipality])} {draw.randint(10, 99)}"
    else:
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
