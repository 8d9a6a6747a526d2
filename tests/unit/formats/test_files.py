"""Malformed round files get every problem at once, each with its path; nothing leaks."""

from __future__ import annotations

import json

import pytest

from exchange.formats import FileProblems, load_round, round_schema
from tests.builders import varied


def problems(text: str) -> list[str]:
    with pytest.raises(FileProblems) as caught:
        load_round(text)
    return [str(p) for p in caught.value.problems]


def problems_of(data: dict) -> list[str]:
    return problems(json.dumps(data))


def test_an_empty_file_says_so():
    assert problems("  \n") == ["file: is empty; expected a round file in JSON (exchange-round/1)"]


def test_text_that_is_not_json_names_the_line():
    assert problems('{\n  "format": "exchange-round/1",\n  oops\n}') == [
        "line 3, column 3: not valid JSON: Expecting property name enclosed in double quotes"]


def test_a_wrong_format_tag_is_named():
    assert problems_of(varied(format="exchange-result/1")) == [
        'format: expected "exchange-round/1", got "exchange-result/1"; is this a round file?']


@pytest.mark.parametrize(("path", "value", "expected"), [
    ("units.0.rent_sek", "cheap", 'units[0].rent_sek: expected whole SEK, got "cheap"'),
    ("units.0.rent_sek", 7600.5, "units[0].rent_sek: expected whole SEK, got 7600.5"),
    ("units.0.rent_sek", -1, "units[0].rent_sek: must be at least 0, got -1"),
    ("units.0.rooms", 0, "units[0].rooms: must be at least 1, got 0"),
    ("units.0.step_free", "yes", 'units[0].step_free: expected true or false, got "yes"'),
    ("units.0.contract", "lease", "units[0].contract: unknown word; expected one of "
     "'first_hand', 'second_hand_to_first_hand' or 'social_contract', got \"lease\""),
    ("cases.0.urgency", "urgent", "cases[0].urgency: unknown word; expected one of "
     "'acute', 'high' or 'normal', got \"urgent\""),
    ("cases.0.household.children.0.age", 18,
     "cases[0].household.children[0].age: must be at most 17, got 18"),
    ("cases.0.waiting_since", "2026-13-01",
     'cases[0].waiting_since: expected a date as YYYY-MM-DD, got "2026-13-01"'),
    ("municipalities.0.lat", 91, "municipalities[0].lat: must be at most 90.0"),
    ("units.0.lon", -181, "units[0].lon: must be at least -180.0"),
    ("schools.0.free_places.f3", -1, "schools[0].free_places.f3: must be at least 0, got -1"),
    ("network.rules.reciprocity_tolerance", -1,
     "network.rules.reciprocity_tolerance: must be at least 0, got -1"),
])
def test_types_ranges_and_words_are_checked(path, value, expected):
    assert problems_of(varied(**{path: value})) == [expected]


def test_an_unknown_stage_word_is_named():
    data = varied(**{"network.rules.school_reach_km": {"y10": 2}})
    assert problems_of(data) == ["network.rules.school_reach_km.y10: unknown word; expected "
                                 "one of 'preschool', 'f3', 'y4_6', 'y7_9' or "
                                 "'upper_secondary', got \"y10\""]


def test_a_radius_must_be_positive_and_the_location_is_not_echoed():
    zone = {"lat": 59.123456, "lon": 17.654321, "radius_km": 0}
    found = problems_of(varied(**{"cases.0.safety.danger_zones": [zone]}))
    assert found == ["cases[0].safety.danger_zones[0].radius_km: must be more than 0.0"]
    data = varied(**{"cases.0.safety.danger_zones": [dict(zone, lat=959.123456, radius_km=1)]})
    assert "959.123456" not in " ".join(problems_of(data))


def test_income_is_never_echoed():
    found = problems_of(varied(**{"cases.0.monthly_income_sek": "31415"}))
    assert found == ["cases[0].monthly_income_sek: expected whole SEK"]


def test_duplicate_ids_and_outside_municipalities_and_room_order_all_at_once():
    data = varied(**{"cases.0.rooms_min": 4, "units.0.municipality": "0999",
                     "cases.0.urgency": "soon"})
    data["municipalities"].append(dict(data["municipalities"][1]))
    found = problems_of(data)
    assert found[1:] == ['municipalities[1].code: duplicate code "0127"',
                         'municipalities[2].code: duplicate code "0127"',
                         'units[0].municipality: "0999" is not a member of the network',
                         "cases[0].rooms_min: must not exceed rooms_max (4 > 3)"]
    assert found[0].startswith("cases[0].urgency: unknown word")


def test_an_excluded_municipality_outside_the_network_is_valid():
    assert load_round(json.dumps(varied(**{"cases.0.safety.excluded_municipalities": ["0180"]})))


def test_a_misspelt_field_is_refused_rather_than_ignored():
    data = varied()
    data["cases"][0]["safety"]["danger_zone"] = []
    assert problems_of(data) == ["cases[0].safety.danger_zone: unknown field; check its "
                                 "spelling against the format"]


def test_a_missing_field_is_named():
    data = varied()
    del data["units"][0]["rent_sek"]
    assert problems_of(data) == ["units[0].rent_sek: missing; this field is required"]


def test_the_schema_describes_every_section():
    schema = round_schema()
    assert set(schema["properties"]) == {"format", "round", "network", "municipalities",
                                         "schools", "units", "cases"}


def test_a_misspelt_field_never_echoes_its_value():
    data = varied()
    data["cases"][0]["monthly_incom_sek"] = 14500
    assert problems_of(data) == ["cases[0].monthly_incom_sek: unknown field; check its "
                                 "spelling against the format"]


@pytest.mark.parametrize(("change", "path"), [
    ({"cases.0.household.children": [{"age": 4}] * 21}, "cases[0].household.children"),
    ({"cases.0.safety.danger_zones": [{"lat": 59.3, "lon": 18.0, "radius_km": 1}] * 51},
     "cases[0].safety.danger_zones"),
    ({"cases.0.declined_units": ["u"] * 1_001}, "cases[0].declined_units"),
    ({"network.name": "n" * 201}, "network.name"),
    ({"municipalities.0.name": "m" * 201}, "municipalities[0].name"),
])
def test_every_list_and_text_of_a_round_file_has_a_bound(change, path):
    """Probe finding: nothing bounded a case's lists, so one case could hold a round's memory."""
    with pytest.raises(FileProblems) as problems:
        load_round(json.dumps(varied(**change)))
    assert [p.path for p in problems.value.problems] == [path]
    assert "at most" in problems.value.problems[0].message


def test_a_municipality_code_is_four_ascii_digits_in_the_schema_too():
    """Probe finding: "٠١٢٧" passed as a code (regex \\d matches any script's digits)."""
    with pytest.raises(FileProblems):
        load_round(json.dumps(varied(**{"cases.0.safety.excluded_municipalities": ["٠١٢٧"]})))
    assert '"^[0-9]{4}$"' in json.dumps(round_schema())
