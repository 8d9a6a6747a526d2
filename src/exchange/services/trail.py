"""Verifying the audit trail: walk each network's hash chain and name the first broken entry.

Walking entry 1, 2, 3, ... of a chain, each entry must carry the next number, its fields must
still give its hash, and it must be sealed after the entry before it. The first entry that fails
is named with what is wrong: `changed` (its fields or hash were altered), `missing` (an entry
before it was deleted, or rewritten with a fresh hash), `reordered` (it was sealed after an entry
that now stands elsewhere). A chain cut short at its end still links up: compare its head (the
last number and hash) with one recorded earlier to see that.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from exchange.persistence.chain import GENESIS, SEALED, in_chain, link
from exchange.persistence.rows import AuditRow, NetworkRow
from exchange.services.errors import NotFound
from exchange.services.unit_of_work import UnitOfWork, use_case

_COLUMNS = [AuditRow.id, AuditRow.seq, AuditRow.previous_hash, AuditRow.hash,
            *(getattr(AuditRow, name) for name in SEALED)]


@dataclass(frozen=True)
class Break:
    """The first entry of a chain that does not verify, and why."""

    entry_id: int
    seq: int
    kind: str  # changed, missing, reordered (or forked, which the unique index prevents)
    detail: str


@dataclass(frozen=True)
class ChainReport:
    """One chain walked: how many entries verified before the end or the first break."""

    network: str | None
    verified: int  # the number of the last entry that verified: the head, when none broke
    head_hash: str
    broken: Break | None = None


@use_case
def verify_trail(uow: UnitOfWork, network: str | None = None) -> list[ChainReport]:
    """Walk the chain of `network`, or of every network (and the entries filed under none)."""
    if network is not None:
        if uow.session.get(NetworkRow, network) is None:
            raise NotFound(f"There is no network {network!r} in this database.")
        return [verify_chain(uow, network)]
    found = uow.session.scalars(select(AuditRow.network_id).distinct()).all()
    return [verify_chain(uow, n) for n in sorted(found, key=lambda n: (n is None, n or ""))]


def verify_chain(uow: UnitOfWork, network: str | None) -> ChainReport:
    """Walk one chain in order, streaming its entries."""
    rows = uow.session.execute(select(*_COLUMNS).where(in_chain(network))
                               .order_by(AuditRow.seq, AuditRow.id)
                               .execution_options(yield_per=2000))
    with rows:  # a walk may stop at a break, mid-stream
        return walk(uow, network, (row._mapping for row in rows))


def walk(uow: UnitOfWork, network: str | None, entries: Iterable[Any]) -> ChainReport:
    """Check each entry against the one before it; stop at the first that fails."""
    seq, previous, last_id = 0, GENESIS, None
    for entry in entries:
        broken = _check(uow, network, entry, seq + 1, previous, last_id)
        if broken is not None:
            return ChainReport(network, seq, previous, broken)
        seq, previous, last_id = entry["seq"], entry["hash"], entry["id"]
    return ChainReport(network, seq, previous)


def _check(uow: UnitOfWork, network: str | None, entry: Any, expected: int, previous: str,
           last_id: int | None) -> Break | None:
    after = f"entry {last_id}" if last_id is not None else "the start of the chain"
    if entry["seq"] != expected:
        return Break(entry["id"], entry["seq"], "missing" if entry["seq"] > expected else
                     "forked", f"it is number {entry['seq']} where number {expected} belongs, "
                     f"after {after}: {_gap(entry['seq'], expected)}")
    if link(entry, entry["previous_hash"]) != entry["hash"]:
        return Break(entry["id"], expected, "changed",
                     "its fields no longer give its hash: it was changed after it was written")
    if entry["previous_hash"] != previous:
        return _misplaced(uow, network, entry, after)
    return None


def _gap(seq: int, expected: int) -> str:
    if seq < expected:
        return "two entries share its number (a fork)"
    if seq == expected + 1:
        return f"number {expected} is missing (deleted)"
    return f"numbers {expected} to {seq - 1} are missing (deleted)"


def _misplaced(uow: UnitOfWork, network: str | None, entry: Any, after: str) -> Break:
    """An intact entry sealed after another one than the entry before it: which one, if any."""
    sealed_after = uow.session.execute(select(AuditRow.id, AuditRow.seq).where(
        in_chain(network), AuditRow.hash == entry["previous_hash"])).first()
    if sealed_after is None:
        return Break(entry["id"], entry["seq"], "missing",
                     f"the entry it was sealed after is no longer in the trail: it was deleted, "
                     f"or {after} before it was rewritten")
    return Break(entry["id"], entry["seq"], "reordered",
                 f"it was sealed after entry {sealed_after.id}, which now stands at number "
                 f"{sealed_after.seq}, but follows {after}")
