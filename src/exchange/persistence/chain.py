"""The audit trail's hash chain: how an entry is encoded and linked, and how entries are appended.

Each network's entries form one chain, numbered 1, 2, 3, ... by `seq`; entries filed under no
network (a refused sign-in) form one more. An entry's `hash` seals its fields and the hash of the
entry before it in its chain (`previous_hash`, 64 zeros for the first), so changing, removing or
moving an entry breaks every link after it. Per network, not global: a network's trail verifies
on its own (an export of one network carries its whole chain), and networks never wait for each
other's appends.

The canonical encoding, defined here and nowhere else (the migration that chained the entries
written before it uses it too), is the UTF-8 bytes of this JSON array::

    ["exchange-audit/1", network_id, at, user_id, role, municipality_code,
     action, object_type, object_id, outcome, previous_hash]

written by `json.dumps(..., separators=(",", ":"), ensure_ascii=True)`: no whitespace, every
non-ASCII character as a `\\uXXXX` escape, `null` for an absent value, `user_id` as a JSON integer,
`at` as `YYYY-MM-DDTHH:MM:SS.ffffff` in UTC (always six decimals), `previous_hash` in lowercase
hex. `hash` is the lowercase hex SHA-256 of those bytes. `id` and `seq` say where an entry is
stored, not what it says, and are left out: the order is sealed by `previous_hash`. A different
encoding would need a new version word, never a change to this one.

Appending: entries are queued in the session (`record`) and appended when its transaction
commits, after everything else in it is flushed, so the chain's lock is the last lock a
transaction takes and is held only for the insert and the commit. On PostgreSQL that lock is a
transaction-level advisory lock per chain, taken by a function that then reads the chain's head
with a snapshot of its own, so it sees the previous holder's committed entries (READ COMMITTED).
On SQLite writers are serialized already (`make_engine`).
A unique index on (network_id, seq) refuses a fork should the lock ever be bypassed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, event, insert, select, text
from sqlalchemy.orm import Session

from exchange.persistence.rows import AuditRow

VERSION = "exchange-audit/1"
GENESIS = "0" * 64
#: The fields an entry's hash seals, in the order of the canonical encoding.
SEALED = ("network_id", "at", "user_id", "role", "municipality_code", "action", "object_type",
          "object_id", "outcome")
_PENDING = "exchange.audit.pending"


def canonical(entry: Mapping[str, Any], previous_hash: str) -> bytes:
    """The bytes an entry's hash is taken over (see the module's docstring)."""
    values = [VERSION, *(_plain(entry[name]) for name in SEALED), previous_hash]
    return json.dumps(values, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S.%f")
    if isinstance(value, str):
        return str(value)  # a StrEnum (a role) as its plain value
    return value


def link(entry: Mapping[str, Any], previous_hash: str) -> str:
    """The hash of `entry` chained after an entry whose hash is `previous_hash`."""
    return hashlib.sha256(canonical(entry, previous_hash)).hexdigest()


def in_chain(network: str | None) -> ColumnElement[bool]:
    """The entries of one network's chain (None: the entries filed under no network)."""
    return AuditRow.network_id.is_(None) if network is None else AuditRow.network_id == network


def record(session: Session, entries: list[dict[str, Any]]) -> None:
    """Queue audit entries (their sealed fields) to be chained and inserted when the session's
    current transaction commits; a rollback discards them with everything else."""
    session.connection()  # begin the transaction the entries belong to
    transaction = session.get_transaction()
    held: tuple[Any, list[dict[str, Any]]] | None = session.info.get(_PENDING)
    if held is None or held[0] is not transaction:
        held = session.info[_PENDING] = (transaction, [])
    held[1].extend(entries)


@event.listens_for(Session, "before_commit")
def append_pending(session: Session) -> None:
    """Append what the transaction queued, chain by chain in a fixed order (so two
    transactions touching two chains cannot deadlock): at commit, or sooner when the
    transaction must read its own entries."""
    held = session.info.pop(_PENDING, None)
    if held is None or held[0] is not session.get_transaction() or not held[1]:
        return
    session.flush()  # every row lock of the transaction first: the chain's lock comes last
    chains: dict[str | None, list[dict[str, Any]]] = {}
    for entry in held[1]:
        chains.setdefault(entry["network_id"], []).append(entry)
    for network in sorted(chains, key=lambda n: (n is None, n or "")):
        append(session, network, chains[network])


def append(session: Session, network: str | None, entries: list[dict[str, Any]]) -> None:
    """Chain `entries` after the head of `network`'s chain and insert them in one statement."""
    seq, previous = _locked_head(session, network)
    rows = []
    for entry in entries:
        seq += 1
        sealed = link(entry, previous)
        rows.append({**entry, "seq": seq, "previous_hash": previous, "hash": sealed})
        previous = sealed
    session.execute(insert(AuditRow), rows)


def head(session: Session, network: str | None) -> tuple[int, str]:
    """The number and hash of the last entry of a chain; (0, GENESIS) for an empty one."""
    found = session.execute(select(AuditRow.seq, AuditRow.hash).where(in_chain(network))
                            .order_by(AuditRow.seq.desc()).limit(1)).first()
    return (found.seq, found.hash) if found else (0, GENESIS)


def _locked_head(session: Session, network: str | None) -> tuple[int, str]:
    """The head of a chain, held until commit. On PostgreSQL one call locks and then reads
    (`audit_chain_head`, migration 0004): the lock is held across as few round trips as
    possible, each of which may wait for a busy server's interpreter."""
    if session.get_bind().dialect.name != "postgresql":
        return head(session, network)  # SQLite: this transaction is the only writer
    found = session.execute(text("select head_seq, head_hash from audit_chain_head(:key, :chain)"),
                            {"key": lock_key(network), "chain": network}).one()
    return (found.head_seq, found.head_hash) if found.head_seq is not None else (0, GENESIS)


def lock_key(network: str | None) -> int:
    """A chain's advisory lock key: 64 bits of a hash of its name (a clash only serializes)."""
    name = f"exchange-audit-chain:{'' if network is None else network}".encode()
    return int.from_bytes(hashlib.sha256(name).digest()[:8], "big", signed=True)
