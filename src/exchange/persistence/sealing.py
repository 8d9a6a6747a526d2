"""Sealing stored values: AES-256-GCM, each value bound to the place it is stored in.

A sealed value is text: `seal:1:KEY_ID:BASE64(nonce + ciphertext + tag)`. The associated data is
the format, the key id, the table, the column and the row, so a sealed value copied to another
row or column, or given another key id, no longer opens. Values stored before sealing existed are
plain JSON: they are read as they are until `exchange keys rotate` seals them.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
import secrets
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PREFIX = "seal:1:"
KEY_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")
_NONCE = 12


class SealProblem(Exception):
    """A sealed value that cannot be opened, or keys that cannot be used. The message names a
    key id, a place or a line, never key material or a stored value."""


@dataclass(frozen=True)
class Place:
    """Where a value is stored: its table, column and row."""

    table: str
    column: str
    row: str

    def __str__(self) -> str:
        return f"{self.table}.{self.column} of row {self.row}"


class Keyring:
    """The data keys of a deployment: the current one seals, every one opens."""

    def __init__(self, keys: dict[str, bytes], current: str) -> None:
        if current not in keys:
            raise SealProblem(f"the current key {current} is not among the keys")
        self._keys = {kid: AESGCM(key) for kid, key in keys.items()}
        self.current = current

    @property
    def ids(self) -> list[str]:
        """The key ids, current first."""
        return [self.current, *(kid for kid in self._keys if kid != self.current)]

    def seal(self, plain: str, place: Place) -> str:
        """`plain` sealed with the current key for `place`."""
        nonce = secrets.token_bytes(_NONCE)
        sealed = self._keys[self.current].encrypt(nonce, plain.encode(),
                                                  _associated(self.current, place))
        return f"{PREFIX}{self.current}:{base64.b64encode(nonce + sealed).decode()}"

    def open(self, value: str, place: Place) -> str:
        """The plain text of a value stored at `place` (a plain, older value as it is)."""
        if not is_sealed(value):
            return value
        kid, body = _split(value, place)
        if kid not in self._keys:
            raise SealProblem(
                f"{place} is sealed with key {kid}, which is not configured; add key {kid} "
                "to EXCHANGE_DATA_KEYS or the key file (the current key stays first)")
        try:
            raw = base64.b64decode(body, validate=True)
            plain = self._keys[kid].decrypt(raw[:_NONCE], raw[_NONCE:], _associated(kid, place))
        except (binascii.Error, ValueError, InvalidTag):
            raise SealProblem(
                f"{place} does not open with key {kid}: the key is not the one it was sealed "
                "with, or the value was altered or moved from another row or column") from None
        return plain.decode()


def is_sealed(value: str) -> bool:
    """Whether a stored value is sealed (else it is a plain value from before sealing)."""
    return value.startswith(PREFIX)


def key_id(value: str) -> str | None:
    """The id of the key a value is sealed with, or None for a plain value."""
    return value[len(PREFIX):].split(":", 1)[0] if is_sealed(value) else None


def new_key() -> tuple[str, bytes]:
    """A fresh key and its id (the day it was made and a random suffix)."""
    return f"k{dt.date.today():%Y%m%d}-{secrets.token_hex(3)}", AESGCM.generate_key(256)


def key_line(kid: str, key: bytes) -> str:
    """A key as one line of EXCHANGE_DATA_KEYS or a key file: `KEY_ID:BASE64`."""
    return f"{kid}:{base64.b64encode(key).decode()}"


def parse_keys(text: str, source: str) -> Keyring:
    """A keyring from `KEY_ID:BASE64` entries, one per line or comma-separated; the first is
    current. Lines starting with # are comments. Problems name `source` and the entry."""
    keys: dict[str, bytes] = {}
    entries = [e.strip() for line in text.splitlines() if not line.lstrip().startswith("#")
               for e in line.split(",") if e.strip()]
    for n, entry in enumerate(entries, 1):
        kid, key = _entry(entry, f"{source}, entry {n}")
        if kid in keys:
            raise SealProblem(f"{source}: key {kid} is given twice")
        keys[kid] = key
    if not keys:
        raise SealProblem(f"{source} holds no key; make one with `exchange keys new`")
    return Keyring(keys, next(iter(keys)))


def _entry(entry: str, where: str) -> tuple[str, bytes]:
    kid, _, encoded = entry.partition(":")
    if not KEY_ID.fullmatch(kid):
        raise SealProblem(f"{where}: expected KEY_ID:BASE64, the id made of letters, digits, "
                          "- or _ (up to 32); make a key with `exchange keys new`")
    try:
        key = base64.b64decode(encoded, validate=True)
    except binascii.Error:
        key = b""
    if len(key) != 32:
        raise SealProblem(f"{where} (key {kid}): not 32 bytes in base64 (AES-256); make a key "
                          "with `exchange keys new`")
    return kid, key


def _split(value: str, place: Place) -> tuple[str, str]:
    kid, sep, body = value[len(PREFIX):].partition(":")
    if not sep or not KEY_ID.fullmatch(kid):
        raise SealProblem(f"{place} is not a well-formed sealed value; restore it from a backup")
    return kid, body


def _associated(kid: str, place: Place) -> bytes:
    return f"{PREFIX}{kid}|{place.table}|{place.column}|{place.row}".encode()
