"""Whether a position lies where its municipality is: the shipped places judge a unit."""

from __future__ import annotations

from exchange.data import municipalities
from exchange.geography import FAR_KM, search_places, whereabouts


def test_a_point_in_its_municipality_is_nearest_its_own_places():
    centre = municipalities()["0127"]
    where = whereabouts(centre.lat + 0.005, centre.lon, "0127")
    assert where.nearest_municipality == "0127" and where.own_km < 2


def test_malmos_coordinates_are_far_from_every_place_of_huddinge():
    malmo = municipalities()["1280"]
    where = whereabouts(malmo.lat, malmo.lon, "0126")
    assert where.nearest_municipality == "1280" and where.own_km > FAR_KM


def test_places_are_found_by_the_start_of_their_name_then_anywhere_in_it():
    names = [p.name for p in search_places("tumb")]
    assert names and names[0] == "Tumba"
    assert search_places("  ") == []
