"""What waits for each person: the start page's list, most urgent first.

Every item names only what its reader may see anyway: a case worker her own cases (by her own
reference), a housing officer her units (by address) and the households proposed for them (by
the proposal's pseudonym), the coordinator counts, members and rounds. Reads are audited like
the lists they come from.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from exchange.domain.lifecycle import CaseStatus, ProposalStatus, Role, RoundStatus, UnitStatus
from exchange.domain.model import Urgency
from exchange.persistence.rows import CaseRow, ProposalRow, RoundRow, UnitRow, now
from exchange.services.access import Actor, audit_reads, case_scope, proposals, unit_scope
from exchange.services.consent import has_consent
from exchange.services.moves import overdue_tasks
from exchange.services.network import balances, members_of
from exchange.services.outcomes import last_unplaced, round_ledger
from exchange.services.records import as_rules, pseudonym
from exchange.services.schemas import TodoItem
from exchange.services.sealed import case_spec
from exchange.services.unit_of_work import UnitOfWork, use_case

RANK = {Urgency.ACUTE.value: 0, Urgency.HIGH.value: 1, Urgency.NORMAL.value: 2}
PLEDGE_ENDS_WITHIN = dt.timedelta(days=30)
IDLE_AFTER = dt.timedelta(days=30)
CONSENT_ENDS_WITHIN = dt.timedelta(days=14)
LATER = 10**6  # the order of items without an answer-by date: after those with one
#: Open cases without a reference named one by one; more are one line with their count.
MISSING_NAMED = 3


@use_case
def todo(uow: UnitOfWork, actor: Actor) -> list[TodoItem]:
    """What needs the caller now, most urgent first."""
    found = {Role.CASE_WORKER: _case_worker, Role.HOUSING_OFFICER: _housing_officer,
             Role.COORDINATOR: _coordinator}.get(actor.role, lambda *_: [])(uow, actor)
    return sorted(found, key=lambda item: (
        item.rank, item.days_left if item.days_left is not None else LATER, -(item.days or 0),
        item.href))


def _days(since: dt.datetime | dt.date | None) -> int | None:
    """Days from `since` to today (None without a day)."""
    if since is None:
        return None
    day = since.date() if isinstance(since, dt.datetime) else since
    return (now().date() - day).days


def _left(until: dt.date | None) -> int | None:
    """Days from today to `until`, negative once past (None without a day)."""
    return None if until is None else (until - now().date()).days


def _case_worker(uow: UnitOfWork, actor: Actor) -> list[TodoItem]:
    items = []
    for proposal, case, round_ in uow.session.execute(
            proposals(actor).add_columns(CaseRow, RoundRow.published_at)
            .where(ProposalRow.status == ProposalStatus.PROPOSED)):
        items.append(TodoItem(kind="answer", rank=RANK[case.urgency], subject=proposal.id,
                              label=_case_label(case), urgency=case.urgency,
                              days=_days(round_), days_left=_left(proposal.answer_by),
                              href=f"/app/cases/{case.id}#{proposal.id}"))
    active = list(uow.session.scalars(select(CaseRow).where(
        case_scope(actor), CaseRow.status == CaseStatus.OPEN)))
    unplaced = last_unplaced(uow, actor.network)
    for case in active:
        if case.id in unplaced:
            items.append(TodoItem(kind=f"unplaced.{unplaced[case.id]}", rank=3 + RANK[
                case.urgency], subject=case.id, label=_case_label(case), urgency=case.urgency,
                href=f"/app/cases/{case.id}"))
    items += _consents(active)
    items += _overdue_tasks(uow, actor)
    items += _missing_references([case for case in active if _reference(case) is None])
    if active:
        audit_reads(uow, actor, "case", sorted({c.id for c in active}))
    return items


def _overdue_tasks(uow: UnitOfWork, actor: Actor) -> list[TodoItem]:
    """Her side's checklist tasks past their day, named by the task and the move's pseudonym."""
    return [TodoItem(kind="task_overdue", rank=1, subject=task.id,
                     label=pseudonym(proposal.id),
                     days=_days(task.due), href=f"/app/moves/{proposal.id}#{task.id}")
            for proposal, task in overdue_tasks(uow, actor)]


def _consents(cases: list[CaseRow]) -> list[TodoItem]:
    """Open cases that enter no round for want of a valid consent, and consents about to end."""
    items = []
    ends = now().date() + CONSENT_ENDS_WITHIN
    for case in cases:
        if not has_consent(case):
            items.append(TodoItem(kind="consent_missing", rank=2, subject=case.id,
                                  label=_case_label(case), urgency=case.urgency,
                                  href=f"/app/cases/{case.id}#consent"))
        elif case.consent_until is not None and case.consent_until <= ends:
            items.append(TodoItem(kind="consent_ends", rank=3, subject=case.id,
                                  label=_case_label(case), urgency=case.urgency,
                                  days=_left(case.consent_until) or 0,
                                  href=f"/app/cases/{case.id}#consent"))
    return items


def _missing_references(cases: list[CaseRow]) -> list[TodoItem]:
    """Open cases without her own reference: each named while they are few, else one line."""
    if len(cases) > MISSING_NAMED:
        return [TodoItem(kind="missing_many", rank=6, subject="cases",
                         count=len(cases), href="/app/cases?status=open")]
    return [TodoItem(kind="missing", rank=6, subject=case.id, label=_case_label(case),
                     urgency=case.urgency, href=f"/app/cases/{case.id}/edit") for case in cases]


def _reference(case: CaseRow) -> str | None:
    reference = case_spec(case).get("reference") if case.erased_at is None else None
    return reference if isinstance(reference, str) else None


def _case_label(case: CaseRow) -> str:
    return _reference(case) or pseudonym(case.id)


def _housing_officer(uow: UnitOfWork, actor: Actor) -> list[TodoItem]:
    items = []
    for proposal, unit in uow.session.execute(
            proposals(actor).add_columns(UnitRow)
            .where(ProposalRow.status == ProposalStatus.ACCEPTED)):
        items.append(TodoItem(kind="contract", rank=0, subject=proposal.id,
                              label=_address(unit), days=_days(proposal.answered_at),
                              href=f"/app/proposals?status=accepted#{proposal.id}"))
    items += _overdue_tasks(uow, actor)
    ends = now().date() + PLEDGE_ENDS_WITHIN
    for unit in uow.session.scalars(select(UnitRow).where(
            unit_scope(actor), UnitRow.status.in_((UnitStatus.DRAFT, UnitStatus.AVAILABLE)))):
        if unit.status == UnitStatus.DRAFT:
            items.append(TodoItem(kind="draft", rank=2, subject=unit.id, label=_address(unit),
                                  href=f"/app/units/{unit.id}"))
        elif unit.pledged_until is not None and unit.pledged_until <= ends:
            items.append(TodoItem(kind="pledge_ends", rank=1, subject=unit.id,
                                  label=_address(unit), days=_left(unit.pledged_until) or 0,
                                  href=f"/app/units/{unit.id}"))
    return items


def _address(unit: UnitRow) -> str:
    street = unit.address.get("street") if unit.address else None
    return street or unit.district or pseudonym(unit.id)


def _coordinator(uow: UnitOfWork, actor: Actor) -> list[TodoItem]:
    items = _round_step(uow, actor)
    floor = -as_rules(uow, actor.network).reciprocity_tolerance
    totals = balances(uow, actor.network)
    for member in members_of(uow, actor.network):
        if totals[member.code] <= floor:
            items.append(TodoItem(kind="floor", rank=1, subject=member.code, label=member.name,
                                  count=totals[member.code], href="/app/network"))
    for row in _unclosed(uow, actor):
        for line in round_ledger(uow, actor, row.id).lines:
            if line.below and row.status == RoundStatus.PUBLISHED:
                items.append(TodoItem(kind="below_floor", rank=1, subject=line.municipality,
                                      label=line.name, count=line.after,
                                      href=f"/app/rounds/{row.id}/close"))
    idle = uow.session.execute(
        select(UnitRow.municipality_code, func.count(), func.min(UnitRow.updated_at))
        .where(unit_scope(actor), UnitRow.status == UnitStatus.AVAILABLE,
               UnitRow.updated_at < now() - IDLE_AFTER)
        .group_by(UnitRow.municipality_code))
    names = {m.code: m.name for m in members_of(uow, actor.network)}
    for code, count, oldest in idle:
        items.append(TodoItem(kind="idle", rank=2, subject=code, label=names.get(code, code),
                              count=count, days=_days(oldest), href="/app/network"))
    return items


def _unclosed(uow: UnitOfWork, actor: Actor) -> list[RoundRow]:
    return list(uow.session.scalars(select(RoundRow).where(
        RoundRow.network_id == actor.network, RoundRow.status != RoundStatus.CLOSED)))


def _round_step(uow: UnitOfWork, actor: Actor) -> list[TodoItem]:
    """The network's unclosed round and its next step, or a month without a round."""
    row = next(iter(_unclosed(uow, actor)), None)
    if row is None:
        return [TodoItem(kind="round.none", rank=0, subject=actor.network,
                         label=now().strftime("%Y-%m"), href="/app/rounds")]
    return [TodoItem(kind=f"round.{row.status.value}", rank=0, subject=row.id, label=row.period,
                     href=f"/app/rounds/{row.id}")]
