"""Finding a unit's address: geopy's Nominatim and Photon clients against servers started here
(speaking each one's protocol), and the offline default. A server that is down or slow is a
clear refusal within seconds, and what was found once is not asked again."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from exchange.services import geocoding
from exchange.services.geocoding import GeocoderUnavailable, Offline, Remote, geocoder_from

FLEMINGSBERG = (59.2196, 17.9461)


class Answers(BaseHTTPRequestHandler):
    """Nominatim's /search (JSON) and Photon's /api (GeoJSON), as the real servers answer."""

    asked: list[tuple[str, str, str]] = []
    status = 200
    delay = 0.0

    def do_GET(self) -> None:  # noqa: N802 - the standard library's name
        parts = urlsplit(self.path)
        query = parse_qs(parts.query).get("q", [""])[0]
        Answers.asked.append((parts.path, query, self.headers.get("User-Agent", "")))
        time.sleep(Answers.delay)
        if Answers.status != 200:
            self.send_error(Answers.status)
            return
        found = "Flemingsberg" in query
        body = (self._photon(found) if parts.path.endswith("/api") else self._nominatim(found))
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    @staticmethod
    def _nominatim(found: bool) -> list[dict]:
        return [{"lat": str(FLEMINGSBERG[0]), "lon": str(FLEMINGSBERG[1]), "place_id": 1,
                 "display_name": "Flemingsbergsvägen 3, Huddinge"}] if found else []

    @staticmethod
    def _photon(found: bool) -> dict:
        features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [
            FLEMINGSBERG[1], FLEMINGSBERG[0]]}, "properties": {
            "name": "Flemingsbergsvägen 3", "city": "Huddinge", "country": "Sverige"}}]
        return {"type": "FeatureCollection", "features": features if found else []}

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    Answers.asked, Answers.status, Answers.delay = [], 200, 0.0
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Answers)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.parametrize("kind, path", [("nominatim", "/geo/search"), ("photon", "/geo/api")])
def test_a_server_finds_the_address_and_names_itself(server, kind, path, monkeypatch):
    monkeypatch.setattr(geocoding, "SPACING_SECONDS", 0.0)
    remote = geocoder_from(f"{kind}+{server}/geo", "exchange-test (ops@example.se)")
    found = remote.find("Flemingsbergsvägen 3, Huddinge")
    assert [(round(f.lat, 4), round(f.lon, 4)) for f in found] == [FLEMINGSBERG]
    assert remote.find("Nowhere 1") == []
    assert [(p, ua) for p, _, ua in Answers.asked] == [(path, "exchange-test (ops@example.se)")] * 2


def test_what_was_found_is_remembered_and_requests_are_spaced(server):
    remote = Remote("nominatim", server, "exchange-test")
    started = time.monotonic()
    remote.find("Flemingsberg")
    remote.find("flemingsberg ")  # the same words: from memory
    remote.find("Nowhere")
    assert len(Answers.asked) == 2
    assert time.monotonic() - started >= geocoding.SPACING_SECONDS  # one request a second


@pytest.mark.parametrize("trouble", ["down", "error", "slow"])
def test_a_server_down_erring_or_slow_is_a_clear_refusal_within_seconds(server, trouble,
                                                                       monkeypatch):
    monkeypatch.setattr(geocoding, "TIMEOUT_SECONDS", 1.0)
    monkeypatch.setattr(geocoding, "SPACING_SECONDS", 0.0)
    url = "http://127.0.0.1:9" if trouble == "down" else server
    Answers.status = 500 if trouble == "error" else 200
    Answers.delay = 3.0 if trouble == "slow" else 0.0
    remote = Remote("photon", url, "exchange-test")
    started = time.monotonic()
    with pytest.raises(GeocoderUnavailable):
        remote.find("Flemingsberg")
    assert time.monotonic() - started < 2.5


def test_offline_finds_the_shipped_places_an_address_names_and_sends_nothing():
    found = Offline().find("Storgatan 3, 147 30 Tumba")
    assert found and found[0].name == "Tumba (Botkyrka)"
    assert Offline().find("Storgatan 3, 141 52, Huddinge")[0].name.startswith("Huddinge")
    assert Offline().find("Xyzzy 1") == []


def test_a_wrong_setting_is_refused_saying_what_it_takes():
    with pytest.raises(ValueError, match="offline, nominatim\\+URL or photon\\+URL"):
        geocoder_from("google+https://maps.example", "x")
    assert isinstance(geocoder_from("offline", "x"), Offline)
