"""The sealed fields of cases and solves: the one place that seals and opens them.

A case's whole spec (danger zones, excluded municipalities, kept schools, income, preferences,
and any field added later) is sealed in `sealed_spec`; the plain `spec` keeps only the household's
profile, which others may see and which stays after retention erases the rest. A solve's round
file and result are sealed where they are stored. The solver gets plain values in memory only.
"""

from __future__ import annotations

import json
from typing import Any

from exchange.domain.model import Result
from exchange.formats import load_result
from exchange.persistence.database import keyring_of
from exchange.persistence.rows import CaseRow, ProposalRow, SolveRow
from exchange.persistence.sealing import Place, SealProblem
from exchange.services.errors import Conflict, ServiceError
from exchange.services.unit_of_work import UnitOfWork

#: What of a case stays plain: what the coordinator and housing officers may know, and what
#: the case worker still sees of a case whose details were erased.
PROFILE = ("urgency", "waiting_since", "rooms_min", "rooms_max", "max_rent_sek", "needs")

#: Every column that holds sealed values, by table.
SEALED_COLUMNS = {"cases": ("sealed_spec",), "solves": ("round_file", "result"),
                  "proposals": ("decline_comment",)}


class Unreadable(ServiceError):
    """A sealed value that the configured keys cannot open; the message names the key id."""

    status = 503
    title = "Sealed data cannot be opened"
    code = "unreadable"


def case_place(case_id: str) -> Place:
    """Where a case's sealed spec is stored."""
    return Place("cases", "sealed_spec", case_id)


def comment_place(proposal_id: str) -> Place:
    """Where the few words of a household's decline are stored."""
    return Place("proposals", "decline_comment", proposal_id)


def store_comment(uow: UnitOfWork, row: ProposalRow, comment: str | None) -> None:
    """Set a decline's comment, sealed (None: no comment)."""
    row.decline_comment = (None if comment is None else
                           seal_value(uow, comment, comment_place(row.id)))


def decline_comment(row: ProposalRow) -> str | None:
    """A decline's comment in plain text, or None."""
    if row.decline_comment is None:
        return None
    return open_value(row, row.decline_comment, comment_place(row.id))


def solve_place(round_id: str, seq: int, column: str) -> Place:
    """Where a solve's round file or result is stored: a solve is known by its round and
    number, which stay the same in an export and its import."""
    return Place("solves", column, f"{round_id}#{seq}")


def profile_of(spec: dict[str, Any]) -> dict[str, Any]:
    """The plain part of a case's spec: household size and children's ages, rooms, rent, needs."""
    household = spec["household"]
    return {**{key: spec[key] for key in PROFILE if key in spec},
            "household": {"adults": household["adults"],
                          "children": [{"age": c["age"]} for c in household.get("children", [])]}}


def store_case_spec(uow: UnitOfWork, row: CaseRow, spec: dict[str, Any]) -> None:
    """Set a case's spec: sealed whole, with its profile plain beside it."""
    row.spec = profile_of(spec)
    row.sealed_spec = seal_value(uow, json.dumps(spec), case_place(row.id))


def case_spec(row: CaseRow) -> dict[str, Any]:
    """A case's whole spec (only its profile once erased; as stored if not sealed yet)."""
    if row.sealed_spec is None:
        return row.spec
    return json.loads(open_value(row, row.sealed_spec, case_place(row.id)))


def store_solve(uow: UnitOfWork, row: SolveRow, round_file: str, result: str) -> None:
    """Set a solve's round file and result, sealed."""
    row.round_file = seal_value(uow, round_file, solve_place(row.round_id, row.seq, "round_file"))
    row.result = seal_value(uow, result, solve_place(row.round_id, row.seq, "result"))


def solve_round_file(row: SolveRow) -> str:
    """The round file a solve read, or a refusal once it was erased."""
    if row.round_file is None:
        raise Conflict(f"Solve {row.seq} of round {row.round_id} was erased on "
                       f"{row.erased_at:%Y-%m-%d} after the retention period; it cannot be "
                       "replayed.")
    return solve_text(row, "round_file")


def solve_result(row: SolveRow) -> Result | None:
    """The result a solve gave, or None once it was erased."""
    if row.result is None:
        return None
    return load_result(solve_text(row, "result"))


def solve_text(row: SolveRow, column: str) -> str:
    """A solve's round file or result as plain text, exactly as it was stored."""
    return open_value(row, getattr(row, column), solve_place(row.round_id, row.seq, column))


def seal_value(uow: UnitOfWork, plain: str, place: Place) -> str:
    """`plain` sealed for `place` with the current key."""
    try:
        return uow.keyring.seal(plain, place)
    except SealProblem as problem:
        raise Unreadable(f"{problem}.") from None


def open_value(row: CaseRow | SolveRow | ProposalRow, value: str, place: Place) -> str:
    """The plain text of a value `row` holds at `place`."""
    try:
        return keyring_of(row).open(value, place)
    except SealProblem as problem:
        raise Unreadable(f"{problem}; until then it cannot be read.") from None
