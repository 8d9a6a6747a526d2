"""Who people are, and the lifecycles of what they handle: one table of allowed moves.

A unit, a case, a round and a proposal each have a status. `MOVES` says, for each status, which
statuses it may move to; the services move a status only through `move`, so a step the table does
not allow (a housed case reopened, a closed round solved) is refused however it is asked for.

- unit: draft -> available -> proposed -> reserved -> let; withdrawn from draft, available or
  proposed. A proposal ending returns a proposed or reserved unit to available.
- case: open -> proposed -> accepted -> housed; withdrawn from any but housed. A proposal
  ending returns a proposed or accepted case to open.
- round: open -> solving -> solved -> published -> closed; a solve starts from open, solved or
  published, and ends in solved (or, when it fails, in the status it started from).
- proposal: proposed -> accepted -> confirmed; proposed -> declined; proposed or accepted ->
  expired (the round closed, the case or unit was withdrawn, or the case changed); proposed ->
  lapsed (its answer deadline passed and the coordinator let it lapse: the case and the unit
  return to the pool, and it does not count as the household's decline, so the pair may be
  proposed again). An accept may be undone (accepted -> proposed, with its case and unit) until
  the contract is confirmed.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar


class Role(StrEnum):
    """What a person does in the network; it decides which functions she may call."""

    COORDINATOR = "coordinator"
    HOUSING_OFFICER = "housing_officer"
    CASE_WORKER = "case_worker"
    AUDITOR = "auditor"


class UnitStatus(StrEnum):
    DRAFT = "draft"
    AVAILABLE = "available"
    PROPOSED = "proposed"
    RESERVED = "reserved"
    LET = "let"
    WITHDRAWN = "withdrawn"


class CaseStatus(StrEnum):
    OPEN = "open"
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    HOUSED = "housed"
    WITHDRAWN = "withdrawn"


class RoundStatus(StrEnum):
    OPEN = "open"
    SOLVING = "solving"
    SOLVED = "solved"
    PUBLISHED = "published"
    CLOSED = "closed"


class ProposalStatus(StrEnum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    CONFIRMED = "confirmed"
    EXPIRED = "expired"
    LAPSED = "lapsed"


Status = UnitStatus | CaseStatus | RoundStatus | ProposalStatus
S = TypeVar("S", UnitStatus, CaseStatus, RoundStatus, ProposalStatus)

_U, _C, _R, _P = UnitStatus, CaseStatus, RoundStatus, ProposalStatus

#: Per kind of object, for each status, the statuses it may move to (none: it is final). Kept
#: per kind: the kinds share words ("open", "proposed"), which are equal as strings.
MOVES: dict[type[Status], dict[Status, frozenset[Status]]] = {
    UnitStatus: {
        _U.DRAFT: frozenset({_U.AVAILABLE, _U.WITHDRAWN}),
        _U.AVAILABLE: frozenset({_U.PROPOSED, _U.WITHDRAWN}),
        _U.PROPOSED: frozenset({_U.AVAILABLE, _U.RESERVED, _U.WITHDRAWN}),
        _U.RESERVED: frozenset({_U.AVAILABLE, _U.LET, _U.PROPOSED}),
        _U.LET: frozenset(),
        _U.WITHDRAWN: frozenset(),
    },
    CaseStatus: {
        _C.OPEN: frozenset({_C.PROPOSED, _C.WITHDRAWN}),
        _C.PROPOSED: frozenset({_C.OPEN, _C.ACCEPTED, _C.WITHDRAWN}),
        _C.ACCEPTED: frozenset({_C.OPEN, _C.HOUSED, _C.WITHDRAWN, _C.PROPOSED}),
        _C.HOUSED: frozenset(),
        _C.WITHDRAWN: frozenset(),
    },
    RoundStatus: {
        _R.OPEN: frozenset({_R.SOLVING}),
        _R.SOLVING: frozenset({_R.OPEN, _R.SOLVED, _R.PUBLISHED}),
        _R.SOLVED: frozenset({_R.SOLVING, _R.PUBLISHED}),
        _R.PUBLISHED: frozenset({_R.SOLVING, _R.CLOSED}),
        _R.CLOSED: frozenset(),
    },
    ProposalStatus: {
        _P.PROPOSED: frozenset({_P.ACCEPTED, _P.DECLINED, _P.EXPIRED, _P.LAPSED}),
        _P.ACCEPTED: frozenset({_P.CONFIRMED, _P.EXPIRED, _P.PROPOSED}),
        _P.DECLINED: frozenset(),
        _P.CONFIRMED: frozenset(),
        _P.EXPIRED: frozenset(),
        _P.LAPSED: frozenset(),
    },
}


class IllegalMove(ValueError):
    """A status change the lifecycle does not allow; the message says what the object is."""


def can_move(current: str, target: Status) -> bool:
    """Whether the lifecycle allows an object of `target`'s kind to move from `current` (a
    status of that kind, or its word as stored) to `target`."""
    kind = type(target)
    return target in MOVES[kind][kind(current)]


def move(current: str, target: S, what: str) -> S:
    """`target`, when `current` may move there; otherwise `IllegalMove` naming `what`."""
    if not can_move(current, target):
        raise IllegalMove(f"The {what} is {current}, so it cannot become {target}.")
    return target


def is_final(status: Status) -> bool:
    """Whether nothing can happen to an object in this status any more."""
    return not MOVES[type(status)][status]


def may_become(target: Status) -> tuple[Status, ...]:
    """Every status of its kind that may move to `target` (for a conditional update in one
    statement)."""
    return tuple(status for status, targets in MOVES[type(target)].items() if target in targets)


#: Statuses a live proposal holds: its case and unit are not in the pool.
LIVE_PROPOSALS = (ProposalStatus.PROPOSED, ProposalStatus.ACCEPTED)
