"""Forms in the round file's shape: field paths in, nested values and per-field errors out."""

from __future__ import annotations

import pytest
from starlette.datastructures import FormData

from exchange.services.errors import Invalid
from exchange.services.schemas import CaseCreate, UnitCreate
from exchange.web import forms
from exchange.web.i18n import Translator
from exchange.web.places import places

T = Translator("sv")


def form(*pairs: tuple[str, str]) -> FormData:
    return FormData(list(pairs))


def test_dotted_names_become_nested_values_and_blank_rows_disappear() -> None:
    data = forms.nested(form(
        ("_csrf", "secret"), ("household.adults", "2"), ("household.children.0.age", " 7 "),
        ("household.children.1.age", ""), ("household.children.2.age", "3"),
        ("safety.danger_zones.0.radius_km", "2.5"), ("preferences.municipalities", "0126"),
        ("preferences.municipalities", "0127")), frozenset({"preferences.municipalities"}))
    assert data == {"household": {"adults": "2", "children": [{"age": "7"}, {"age": "3"}]},
                    "safety": {"danger_zones": [{"radius_km": "2.5"}]},
                    "preferences": {"municipalities": ["0126", "0127"]}}


def test_errors_name_the_field_and_never_repeat_what_was_typed() -> None:
    with pytest.raises(Invalid) as caught:
        forms.parse(form(("rooms", "0"), ("rent_sek", "secret-8500"), ("lat", "59.2"),
                         ("lon", "17.9"), ("contract", "first_hand")), UnitCreate, T)
    found = forms.problems(caught.value, T)
    assert found == {"rooms": "Måste vara minst 1.", "rent_sek": "Ange ett heltal."}
    assert "secret" not in str(caught.value)


def test_a_picked_locality_gives_the_danger_zone_its_centre_and_names_become_codes() -> None:
    case = forms.parse(form(
        ("urgency", "high"), ("waiting_since", "2026-01-02"), ("household.adults", "1"),
        ("rooms_min", "1"), ("rooms_max", "2"), ("max_rent_sek", "9000"),
        ("safety.danger_zones.0.name", "Tumba (Botkyrka)"),
        ("safety.danger_zones.0.lat", "1"), ("safety.danger_zones.0.lon", "1"),
        ("safety.danger_zones.0.radius_km", "3"),
        ("safety.excluded_other", "malmö, Lund")), CaseCreate, T)
    zone = case.safety.danger_zones[0]
    assert (zone.lat, zone.lon) == places()["Tumba (Botkyrka)"]  # not pinned: it wins over 1, 1
    assert zone.name == "Tumba (Botkyrka)"  # and comes back as picked, never as coordinates
    assert case.safety.excluded_municipalities == ["1280", "1281"]


def test_a_place_pinned_on_the_map_keeps_the_pin_and_a_kept_school_its_school() -> None:
    """Nothing about a household is geocoded: a place is picked from the shipped list (a kept
    school from the network's schools) or pinned on the map."""
    schools = {"Björkskolan (Huddinge)": (59.24, 17.98)}
    case = forms.parse(form(
        ("urgency", "high"), ("waiting_since", "2026-01-02"), ("household.adults", "1"),
        ("rooms_min", "1"), ("rooms_max", "2"), ("max_rent_sek", "9000"),
        ("household.children.0.age", "8"),
        ("household.children.0.keep_school.name", "Björkskolan (Huddinge)"),
        ("household.children.0.keep_school.max_km", "10"),
        ("safety.danger_zones.0.lat", "59.3"), ("safety.danger_zones.0.lon", "18.1"),
        ("safety.danger_zones.0.pinned", "1"), ("safety.danger_zones.0.radius_km", "2")),
        CaseCreate, T, schools=schools)
    assert (case.safety.danger_zones[0].lat, case.safety.danger_zones[0].lon) == (59.3, 18.1)
    kept = case.household.children[0].keep_school
    assert (kept.name, kept.lat, kept.lon, kept.max_km) == ("Björkskolan (Huddinge)", 59.24,
                                                            17.98, 10)
    with pytest.raises(Invalid) as caught:  # typed coordinates without a pin are not a place
        forms.parse(form(("safety.danger_zones.0.lat", "59.3"),
                         ("safety.danger_zones.0.lon", "18.1"),
                         ("safety.danger_zones.0.radius_km", "2")), CaseCreate, T)
    assert forms.problems(caught.value, T)["safety.danger_zones.0.name"].startswith("Välj")


def test_an_unknown_locality_or_municipality_is_an_error_on_its_field() -> None:
    with pytest.raises(Invalid) as caught:
        forms.parse(form(("safety.danger_zones.0.name", "Atlantis"),
                         ("safety.excluded_other", "Gotham")), CaseCreate, T)
    found = forms.problems(caught.value, T)
    assert found["safety.danger_zones.0.name"] == ("Välj en ort ur listan, eller sätt ut "
                                                     "platsen på kartan.")
    assert found["safety.excluded_other"].startswith("Okänd kommun")
    assert found["urgency"] == "Fyll i fältet."


def test_labels_of_fields_in_rows_say_which_row() -> None:
    assert forms.label_of(T, "household.children.1.age") == "Ålder (nr 2)"
    assert forms.label_of(T, "rooms") == "Rum"
    assert forms.value_at({"a": [{"b": 5}]}, "a.0.b") == 5
    assert forms.value_at({"a": []}, "a.3.b") == ""


def test_a_version_that_is_not_a_number_is_never_a_valid_version() -> None:
    assert forms.version_of(form(("version", "3"))) == 3
    assert forms.version_of(form(("version", "3; drop"))) == 0
    assert forms.version_of(form()) == 0


def test_hand_made_field_names_give_errors_not_crashes() -> None:
    hostile = form(("household", "x"), ("household.adults", "2"), ("a" + ".b" * 5000, "1"),
                   ("preferences.municipalities", "0126"), ("preferences.municipalities.0", "1"),
                   ("household.children.x.age", "3"))
    with pytest.raises(Invalid) as caught:
        forms.parse(hostile, CaseCreate, T)
    paths = set(forms.problems(caught.value, T))
    assert "urgency" in paths and any(p.startswith("household") for p in paths)


def test_numbers_are_read_as_swedes_write_them_and_never_misread() -> None:
    unit = forms.parse(form(("rooms", "3"), ("rent_sek", "11 880"), ("lat", "59,2"),
                            ("lon", "17.9"), ("area_m2", "77,5"), ("contract", "first_hand")),
                       UnitCreate, T)
    assert (unit.rent_sek, unit.lat, unit.area_m2) == (11880, 59.2, 77.5)
    with pytest.raises(Invalid) as caught:
        forms.parse(form(("rooms", "3"), ("rent_sek", "12.000"), ("lat", "59,2"),
                         ("lon", "17.9"), ("contract", "first_hand")), UnitCreate, T)
    assert forms.problems(caught.value, T) == {"rent_sek": "Ange ett heltal."}


def test_hand_made_groups_where_values_belong_are_errors_too() -> None:
    for pairs in ((("safety.danger_zones", "x"),), (("safety.danger_zones.0", "x"),),
                  (("safety.danger_zones.x.name", "x"),), (("safety.excluded_other.x", "y"),),
                  (("household", "x"),), (("safety", "x"),)):
        with pytest.raises(Invalid):
            forms.parse(form(*pairs), CaseCreate, T)
