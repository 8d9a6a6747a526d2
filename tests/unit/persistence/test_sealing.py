"""Sealing: AES-256-GCM bound to table, column and row; keys from the environment or a file."""

from __future__ import annotations

import base64
import stat

import pytest

from exchange.persistence.keys import data_keyring, default_key_file, prepend_key
from exchange.persistence.sealing import (
    Keyring,
    Place,
    SealProblem,
    key_id,
    key_line,
    new_key,
    parse_keys,
)
from exchange.settings import Settings

SECRET = '{"safety": {"danger_zones": [{"lat": 59.2351, "lon": 17.9811, "radius_km": 5}]}}'
HERE = Place("cases", "sealed_spec", "case-aaaa")


def keyring(*kids: str) -> Keyring:
    return Keyring({kid: new_key()[1] for kid in kids}, kids[0])


def test_a_sealed_value_opens_at_its_place_and_holds_no_plaintext():
    ring = keyring("k1")
    sealed = ring.seal(SECRET, HERE)
    assert sealed.startswith("seal:1:k1:") and "59.2351" not in sealed
    assert "danger" not in base64.b64decode(sealed.split(":", 3)[3]).decode("latin-1")
    assert ring.open(sealed, HERE) == SECRET
    assert ring.seal(SECRET, HERE) != sealed  # a fresh nonce each time


@pytest.mark.parametrize("elsewhere", [Place("cases", "sealed_spec", "case-bbbb"),
                                       Place("cases", "spec", "case-aaaa"),
                                       Place("solves", "sealed_spec", "case-aaaa")])
def test_a_value_moved_to_another_row_column_or_table_does_not_open(elsewhere):
    ring = keyring("k1")
    with pytest.raises(SealProblem, match="does not open with key k1") as problem:
        ring.open(ring.seal(SECRET, HERE), elsewhere)
    assert "59.2351" not in str(problem.value)


def test_a_value_relabelled_with_another_key_id_does_not_open():
    ring = Keyring({"k1": b"\x01" * 32, "k2": b"\x01" * 32}, "k1")
    relabelled = ring.seal(SECRET, HERE).replace("seal:1:k1:", "seal:1:k2:")
    with pytest.raises(SealProblem, match="k2"):
        ring.open(relabelled, HERE)


def test_a_wrong_or_missing_key_fails_naming_the_key_id_and_nothing_else():
    sealed = keyring("k1").seal(SECRET, HERE)
    with pytest.raises(SealProblem, match="does not open with key k1") as wrong:
        keyring("k1").open(sealed, HERE)
    with pytest.raises(SealProblem, match="sealed with key k1, which is not configured") as gone:
        keyring("k2").open(sealed, HERE)
    for problem in (wrong, gone):
        assert "59.2351" not in str(problem.value) and "case-aaaa" in str(problem.value)


def test_an_older_key_still_opens_what_it_sealed_while_the_current_one_seals():
    old, new = new_key(), new_key()
    sealed = Keyring(dict([old]), old[0]).seal(SECRET, HERE)
    both = parse_keys(f"{key_line(*new)},{key_line(*old)}", "test")
    assert both.current == new[0] and both.open(sealed, HERE) == SECRET
    assert key_id(both.seal(SECRET, HERE)) == new[0]


@pytest.mark.parametrize("text, words", [
    ("", "holds no key"), ("k1", "not 32 bytes"), ("k1:c2hvcnQ=", "not 32 bytes"),
    ("bad id:" + base64.b64encode(b"x" * 32).decode(), "entry 1"),
    ("k1:{0},k1:{0}".format(base64.b64encode(b"x" * 32).decode()), "given twice")])
def test_bad_key_text_is_refused_naming_its_source_and_entry(text, words):
    with pytest.raises(SealProblem, match=words) as problem:
        parse_keys(text, "EXCHANGE_DATA_KEYS")
    assert "EXCHANGE_DATA_KEYS" in str(problem.value)
    assert base64.b64encode(b"x" * 32).decode() not in str(problem.value)


def test_a_server_database_without_a_key_is_refused_saying_what_to_set():
    settings = Settings(database_url="postgresql+psycopg://exchange@db/exchange",
                        data_keys=None, data_key_file=None)
    with pytest.raises(SealProblem, match="EXCHANGE_DATA_KEYS") as problem:
        data_keyring(settings)
    assert "exchange keys new" in str(problem.value)


def test_an_sqlite_database_gets_a_private_key_file_beside_it_once(tmp_path):
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'exchange.db'}",
                        data_keys=None, data_key_file=None)
    notices: list[str] = []
    first = data_keyring(settings, notices.append)
    path = default_key_file(tmp_path / "exchange.db")
    assert path == tmp_path / "exchange.keys"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(notices) == 1 and str(path) in notices[0] and first.current in notices[0]
    again = data_keyring(settings, notices.append)
    assert again.current == first.current and len(notices) == 1


def test_a_new_key_becomes_current_in_the_file_and_the_old_one_stays(tmp_path):
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'exchange.db'}",
                        data_keys=None, data_key_file=None)
    old = data_keyring(settings, lambda _: None)
    kid = prepend_key(default_key_file(tmp_path / "exchange.db"))
    now = data_keyring(settings, lambda _: None)
    assert now.current == kid and now.ids == [kid, old.current]
    assert stat.S_IMODE(default_key_file(tmp_path / "exchange.db").stat().st_mode) == 0o600


def test_a_key_file_others_may_read_is_named_in_a_warning(tmp_path):
    path = tmp_path / "keys"
    path.write_text(key_line(*new_key()) + "\n")
    path.chmod(0o644)
    notices: list[str] = []
    data_keyring(Settings(data_key_file=path, data_keys=None), notices.append)
    assert notices and "chmod 600" in notices[0]
