"""Shared helpers of the services: ids, versions, pages, and rows as round-file objects."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, Result, Select, func, select

from exchange.domain.lifecycle import CaseStatus, ProposalStatus, UnitStatus, move
from exchange.domain.model import Case, Rules, School, Unit
from exchange.domain.rules import stage_of
from exchange.persistence.rows import CaseRow, NetworkRow, ProposalRow, SchoolRow, UnitRow, now
from exchange.services.errors import Stale
from exchange.services.sealed import case_spec
from exchange.services.unit_of_work import UnitOfWork


def new_id(prefix: str) -> str:
    """A random, meaningless id: it tells nothing of the municipality or the household."""
    return f"{prefix}-{secrets.token_hex(8)}"


def check_version(row: Any, version: int) -> None:
    """Refuse a change based on an older read of `row`."""
    if row.version != version:
        raise Stale(f"It was changed after you read it (version {row.version}, yours "
                    f"{version}); read it again and redo your change.")


def changed(result: Result[Any]) -> int:
    """How many rows an UPDATE changed."""
    return cast(CursorResult[Any], result).rowcount


@dataclass(frozen=True)
class Paging:
    """Which page of a list to give: at most `limit` items, after skipping `offset`."""

    limit: int = 50
    offset: int = 0


def page(uow: UnitOfWork, statement: Select[Any], paging: Paging) -> tuple[list[Any], int]:
    """One page of a statement's rows, and how many rows there are in all."""
    total = uow.session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    rows = uow.session.scalars(statement.limit(paging.limit).offset(paging.offset)).all()
    return list(rows), total


def as_case(row: CaseRow, declined_units: list[str] | None = None) -> Case:
    """The case as the round file holds it, opened from its sealed spec."""
    data = {"id": row.id, "municipality": row.municipality_code, **case_spec(row),
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
        {"id": row.id, "municipality": row.municipality_code, "lat": row.lat, "lon": row.lon,
         "free_places": places}))


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
