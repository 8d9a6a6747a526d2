"""Shared helpers of the services: ids, versions, pages, and rows as round-file objects."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from sqlalchemy import CursorResult, Result, Select, func, select

from exchange.domain.lifecycle import CaseStatus, ProposalStatus, UnitStatus, move
from exchange.domain.model import Case, Rules, School, Unit
from exchange.domain.rules import stage_of
from exchange.persistence.rows import CaseRow, NetworkRow, ProposalRow, SchoolRow, UnitRow, now
from exchange.services.errors import Stale
from exchange.services.sealed import case_spec
from exchange.services.unit_of_work import UnitOfWork

#: Crockford's base 32: no I, L, O or U, so an id read aloud or copied by hand stays right.
ID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


T = TypeVar("T")
#: Rows per statement where many are read or written at once (a national round's thousands).
CHUNK = 500


def chunks(items: list[T], size: int = CHUNK) -> Iterator[list[T]]:
    """`items` in runs of `size`, for statements that bind a parameter per row."""
    for start in range(0, len(items), size):
        yield items[start:start + size]


def new_id(prefix: str) -> str:
    """A random, meaningless id that people can read and say: ten characters of Crockford's
    base 32 (50 bits), which tell nothing of the municipality or the household."""
    return f"{prefix}-" + "".join(secrets.choice(ID_ALPHABET) for _ in range(10))


def check_version(row: Any, version: int) -> None:
    """Refuse a change based on an older read of `row`."""
    if row.version != version:
        raise Stale(f"It was changed after you read it (version {row.version}, yours "
                    f"{version}); read it again and redo your change.")


def changed(result: Result[Any]) -> int:
    """How many rows an UPDATE changed."""
    return cast(CursorResult[Any], result).rowcount


def pseudonym(object_id: str) -> str:
    """An id as people read it: its random part, in two groups ("7KQ3M-9X2AB")."""
    random_part = object_id.split("-", 1)[-1].upper()[:10]
    return f"{random_part[:5]}-{random_part[5:]}" if len(random_part) > 5 else random_part


@dataclass(frozen=True)
class Paging:
    """Which page of a list to give: at most `limit` items, after skipping `offset`."""

    limit: int = 50
    offset: int = 0


@dataclass(frozen=True)
class Search:
    """What people ask of a list: words to find, and the order (a key the list offers; empty
    for its default)."""

    text: str = ""
    sort: str = ""
    descending: bool = False


#: How a list may be ordered: a key people pick -> the columns (SQL expressions) it orders by.
Sorts = dict[str, tuple[Any, ...]]


def listed(uow: UnitOfWork, statement: Select[Any], search: Search, paging: Paging, *,
           sorts: Sorts, default: tuple[Any, ...],
           words_of: Callable[[Any], str]) -> tuple[list[Any], int]:
    """One page of a statement's rows (single entities, or tuples of several), in the order
    asked for (`sorts`; `default` breaks ties, and orders when nothing is asked), and how many
    there are in all. The database orders and pages; only words searched for are looked for
    here, among all the rows (`words_of` a row holds sealed words a query cannot read)."""
    chosen = sorts.get(search.sort, ())
    statement = statement.order_by(*(c.desc() if search.descending else c for c in chosen),
                                   *default)
    wanted = search.text.casefold().split()
    if not wanted:
        return page(uow, statement, paging)
    rows = [_entities(row) for row in uow.session.execute(statement)]
    kept = [row for row in rows if all(w in words_of(row).casefold() for w in wanted)]
    return kept[paging.offset:paging.offset + paging.limit], len(kept)


def _entities(row: Any) -> Any:
    return row[0] if len(row) == 1 else tuple(row)


def page(uow: UnitOfWork, statement: Select[Any], paging: Paging) -> tuple[list[Any], int]:
    """One page of a statement's rows (single entities, or tuples of several), and how many
    rows there are in all."""
    total = uow.session.scalar(select(func.count()).select_from(
        statement.order_by(None).subquery())) or 0
    rows = uow.session.execute(statement.limit(paging.limit).offset(paging.offset))
    return [_entities(row) for row in rows], total


#: What a case's spec holds for the service only, never for a round file.
SERVICE_ONLY = frozenset({"reference"})


def as_case(row: CaseRow, declined_units: list[str] | None = None) -> Case:
    """The case as the round file holds it, opened from its sealed spec."""
    spec = {k: v for k, v in case_spec(row).items() if k not in SERVICE_ONLY}
    data = {"id": row.id, "municipality": row.municipality_code, **spec,
            "declined_units": declined_units or []}
    return Case.model_validate_json(json.dumps(data))


def as_unit(row: UnitRow) -> Unit:
    """The unit as the round file holds it."""
    return Unit.model_validate_json(json.dumps(
        {"id": row.id, "municipality": row.municipality_code, **row.spec}))


def as_school(row: SchoolRow, taken: dict[str, int] | None = None) -> School:
    """The school as the round file holds it, less places already `taken` per stage."""
    places = {stage: max(0, n - (taken or {}).get(stage, 0))
              for stage, n in row.free_places.items()}
    return School.model_validate_json(json.dumps(
        {"id": row.id, "municipality": row.municipality_code, "name": row.name,
         "address": row.address, "lat": row.lat, "lon": row.lon, "free_places": places}))


def as_rules(uow: UnitOfWork, network: str) -> Rules:
    """The network's rules as the round file holds them."""
    return Rules.model_validate(uow.session.get_one(NetworkRow, network).rules, strict=False)


def end_proposal(uow: UnitOfWork, proposal: ProposalRow,
                 status: ProposalStatus = ProposalStatus.EXPIRED) -> None:
    """End a live proposal (declined or expired): its case and unit go back to the pool,
    unless they have left it for another reason (a withdrawn case or unit stays withdrawn)."""
    proposal.status = move(proposal.status, status, "proposal")
    proposal.answered_at = now()
    case = uow.session.get_one(CaseRow, proposal.case_id)
    if case.status in (CaseStatus.PROPOSED, CaseStatus.ACCEPTED):
        case.status = move(case.status, CaseStatus.OPEN, "case")
    unit = uow.session.get_one(UnitRow, proposal.unit_id)
    if unit.status in (UnitStatus.PROPOSED, UnitStatus.RESERVED):
        unit.status = move(unit.status, UnitStatus.AVAILABLE, "unit")


def profile(row: CaseRow) -> dict[str, Any]:
    """What anyone but the case worker may know of a household: its size, the children's school
    stages and its need for step-free access (all in the plain part of the spec)."""
    household = row.spec["household"]
    return {"adults": household["adults"],
            "children_stages": [stage_of(c["age"]) for c in household.get("children", [])],
            "step_free": row.spec.get("needs", {}).get("step_free", False)}
