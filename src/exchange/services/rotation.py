"""Data keys at work: which key seals how many stored values, and rotation to the current key.

Rotation re-seals every value that is not sealed with the current key (or not sealed at all, as
rows stored before sealing existed), a batch per transaction, so that a running service is never
held up for long. A value changed by someone while a batch runs is left as that change stored it,
which is sealed with the current key already.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, or_, select, update

from exchange.persistence.keys import key_file_of, prepend_key
from exchange.persistence.rows import CaseRow, ProposalRow, SolveRow
from exchange.persistence.sealing import PREFIX, key_id, key_line, new_key
from exchange.services.records import changed
from exchange.services.sealed import (
    case_place,
    case_spec,
    comment_place,
    decline_comment,
    profile_of,
    seal_value,
    solve_place,
    solve_text,
)
from exchange.services.unit_of_work import UnitOfWork, use_case
from exchange.settings import Settings

PLAIN = "(not sealed)"
SOLVE_COLUMNS = ("round_file", "result")


@dataclass(frozen=True)
class NewKey:
    """A new data key: the key file it became current in, or its line for
    EXCHANGE_DATA_KEYS when the keys come from no file (or only the line was asked for)."""

    kid: str
    file: Path | None = None
    line: str | None = None


def new_data_key(settings: Settings, print_only: bool = False) -> NewKey:
    """Make a new data key, the current one of the configured key file where there is one
    (older keys stay there, to open what they sealed). An unwritable file raises OSError."""
    path = None if print_only else key_file_of(settings)
    if path is None:
        kid, key = new_key()
        return NewKey(kid, line=key_line(kid, key))
    return NewKey(prepend_key(path), file=path)


@use_case
def key_usage(uow: UnitOfWork) -> Counter[str]:
    """How many stored values each key id seals; values not sealed yet count under PLAIN."""
    counts: Counter[str] = Counter()
    for (value,) in uow.session.execute(select(CaseRow.sealed_spec).where(
            CaseRow.erased_at.is_(None))):
        counts[key_id(value) or PLAIN if value is not None else PLAIN] += 1
    for row in uow.session.execute(select(SolveRow.round_file, SolveRow.result).where(
            SolveRow.erased_at.is_(None))):
        counts.update(key_id(value) or PLAIN for value in row if value is not None)
    counts.update(key_id(value or "") or PLAIN for value in uow.session.scalars(
        select(ProposalRow.decline_comment).where(ProposalRow.decline_comment.is_not(None))))
    return counts


@use_case
def reseal(uow: UnitOfWork, batch: int = 200) -> Counter[str]:
    """Seal up to `batch` cases and solves with the current key; how many values left each
    former key id (PLAIN for values that were not sealed). An empty count means done."""
    moved: Counter[str] = Counter()
    for row in _stale_cases(uow, batch):
        spec = case_spec(row)
        done = changed(uow.session.execute(
            update(CaseRow).where(CaseRow.id == row.id, CaseRow.version == row.version,
                                  CaseRow.erased_at.is_(None),  # a purge since the read wins
                                  _unchanged(CaseRow.sealed_spec, row.sealed_spec))
            .values(spec=profile_of(spec), sealed_spec=seal_value(uow, json.dumps(spec),
                                                             case_place(row.id)),
                    updated_at=CaseRow.updated_at)  # a rotation is no change of the case
            .execution_options(synchronize_session=False)))
        moved[key_id(row.sealed_spec or "") or PLAIN] += done
    for solve in _stale_solves(uow, batch):
        unchanged = [_unchanged(getattr(SolveRow, c), getattr(solve, c)) for c in SOLVE_COLUMNS]
        done = changed(uow.session.execute(update(SolveRow).where(
            SolveRow.id == solve.id, SolveRow.erased_at.is_(None), *unchanged).values(**{
            column: seal_value(uow, solve_text(solve, column),
                               solve_place(solve.round_id, solve.seq, column))
            for column in SOLVE_COLUMNS}).execution_options(synchronize_session=False)))
        if done:
            moved.update(key_id(getattr(solve, c)) or PLAIN for c in SOLVE_COLUMNS)
    for proposal in _stale_comments(uow, batch):
        done = changed(uow.session.execute(update(ProposalRow).where(
            ProposalRow.id == proposal.id,
            _unchanged(ProposalRow.decline_comment, proposal.decline_comment)).values(
            decline_comment=seal_value(uow, decline_comment(proposal) or "",
                                       comment_place(proposal.id)))
            .execution_options(synchronize_session=False)))
        moved[key_id(proposal.decline_comment or "") or PLAIN] += done
    return moved


@use_case
def check_all(uow: UnitOfWork) -> int:
    """Open every stored sealed value once; how many opened. The first that does not open
    raises `Unreadable`, naming its place and key id."""
    opened = 0
    for row in uow.session.scalars(select(CaseRow).where(CaseRow.sealed_spec.is_not(None))):
        case_spec(row)
        opened += 1
    for solve in uow.session.scalars(select(SolveRow).where(SolveRow.erased_at.is_(None))):
        opened += sum(bool(solve_text(solve, column)) for column in SOLVE_COLUMNS)
    for proposal in uow.session.scalars(select(ProposalRow).where(
            ProposalRow.decline_comment.is_not(None))):
        decline_comment(proposal)
        opened += 1
    return opened


def _current(uow: UnitOfWork) -> str:
    return f"{PREFIX}{uow.keyring.current}:"


def _stale_cases(uow: UnitOfWork, batch: int) -> list[CaseRow]:
    current = _current(uow)
    return list(uow.session.scalars(select(CaseRow).where(
        CaseRow.erased_at.is_(None),
        or_(CaseRow.sealed_spec.is_(None),
            ~CaseRow.sealed_spec.startswith(current, autoescape=True)))
        .order_by(CaseRow.id).limit(batch)))


def _stale_solves(uow: UnitOfWork, batch: int) -> list[SolveRow]:
    current = _current(uow)
    return list(uow.session.scalars(select(SolveRow).where(
        SolveRow.erased_at.is_(None),
        or_(~SolveRow.round_file.startswith(current, autoescape=True),
            ~SolveRow.result.startswith(current, autoescape=True)))
        .order_by(SolveRow.id).limit(batch)))



def _stale_comments(uow: UnitOfWork, batch: int) -> list[ProposalRow]:
    return list(uow.session.scalars(select(ProposalRow).where(
        ProposalRow.decline_comment.is_not(None),
        ~ProposalRow.decline_comment.startswith(_current(uow), autoescape=True))
        .order_by(ProposalRow.id).limit(batch)))


def _unchanged(column: Any, read: str | None) -> ColumnElement[bool]:
    """The stored value is still the one read (so a purge or an edit since is never undone)."""
    return column.is_(None) if read is None else column == read
