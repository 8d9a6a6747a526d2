"""E-mail notices, written to the outbox in the transaction of the event that causes them.

Each notice goes to one person (with an e-mail address, who has not turned notices off), in her
language, and says only how many, in which network and month, and where to look. The sender
(`exchange.services.outbox`) delivers them later.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections import Counter
from collections.abc import Iterable

from sqlalchemy import select, update

from exchange.domain.lifecycle import ProposalStatus, Role
from exchange.domain.move import SETTLED, Side
from exchange.domain.working_days import add_working_days
from exchange.persistence.rows import (
    CaseRow,
    MoveTaskRow,
    MunicipalityRow,
    NetworkRow,
    NoticeRow,
    ProposalRow,
    RoundRow,
    UnitRow,
    UserRow,
    now,
)
from exchange.services.notice_texts import CLOSED_DETAIL, FOOTER, LINK, MONTHS, TEXTS
from exchange.services.records import changed
from exchange.services.unit_of_work import UnitOfWork, use_case

HOME = {Role.CASE_WORKER: "/app/proposals", Role.HOUSING_OFFICER: "/app/proposals",
        Role.COORDINATOR: "/app/rounds"}


def month_of(period: str, language: str) -> str:
    """'2026-12' as 'december 2026' (or 'December 2026')."""
    year, month = period.split("-")
    return f"{MONTHS[language][int(month) - 1]} {year}"


def _recipients(uow: UnitOfWork, role: Role, municipalities: Iterable[str]) -> list[UserRow]:
    return list(uow.session.scalars(select(UserRow).where(
        UserRow.role == role, UserRow.municipality_code.in_(list(municipalities)),
        UserRow.email.is_not(None), UserRow.notices.is_(True)).order_by(UserRow.id)))


def _write(uow: UnitOfWork, user: UserRow, kind: str, round_row: RoundRow, count: int,
           date: dt.date | None = None, detail: dict[str, int] | None = None,
           path: str | None = None) -> None:
    """One notice for `user` in her language; the link's address is added when it is sent."""
    language = user.language if user.language in ("sv", "en") else "sv"
    network = uow.session.get_one(NetworkRow, round_row.network_id).name
    subject, one, several = TEXTS[kind][language]
    values = {"count": count, "network": network, "month": month_of(round_row.period, language),
              "date": date.isoformat() if date else "", "base": "{base}"}
    body = (one if count == 1 else several).format(**values)
    if detail is not None:
        body += CLOSED_DETAIL[language].format(**detail)
    body += LINK[language].format(base="{base}", path=path or HOME[Role(user.role)])
    body += FOOTER[language].format(base="{base}")
    uow.session.add(NoticeRow(
        message_id=secrets.token_hex(16), user_id=user.id, network_id=round_row.network_id,
        kind=kind, recipient=user.email or "", subject=subject.format(**values), body=body))


def round_published(uow: UnitOfWork, round_row: RoundRow, published: list[ProposalRow]) -> None:
    """Each case worker with new proposals for her municipality's cases, and each housing
    officer with new proposals for her municipality's units: how many."""
    sending = Counter(uow.session.get_one(CaseRow, p.case_id).municipality_code
                      for p in published)
    receiving = Counter(uow.session.get_one(UnitRow, p.unit_id).municipality_code
                        for p in published)
    deadline = min((p.answer_by for p in published if p.answer_by), default=None)
    for user in _recipients(uow, Role.CASE_WORKER, sending):
        _write(uow, user, "published_case_worker", round_row, sending[user.municipality_code],
               deadline)
    for user in _recipients(uow, Role.HOUSING_OFFICER, receiving):
        _write(uow, user, "published_housing_officer", round_row,
               receiving[user.municipality_code])


def proposal_accepted(uow: UnitOfWork, proposal: ProposalRow) -> None:
    """The housing officers of the unit's municipality: a household said yes."""
    unit = uow.session.get_one(UnitRow, proposal.unit_id)
    for user in _recipients(uow, Role.HOUSING_OFFICER, [unit.municipality_code]):
        _write(uow, user, "accepted", uow.session.get_one(RoundRow, proposal.round_id), 1)


def contract_confirmed(uow: UnitOfWork, proposal: ProposalRow) -> None:
    """The case workers of the case's municipality: the contract is signed."""
    case = uow.session.get_one(CaseRow, proposal.case_id)
    for user in _recipients(uow, Role.CASE_WORKER, [case.municipality_code]):
        _write(uow, user, "confirmed", uow.session.get_one(RoundRow, proposal.round_id), 1)


def round_closed(uow: UnitOfWork, round_row: RoundRow) -> None:
    """The network's coordinators: what the round came to, in counts."""
    counts = Counter(uow.session.scalars(select(ProposalRow.status).where(
        ProposalRow.round_id == round_row.id)))
    members = uow.session.scalars(select(MunicipalityRow.code).where(
        MunicipalityRow.network_id == round_row.network_id))
    detail = {"declined": counts[ProposalStatus.DECLINED],
              "expired": counts[ProposalStatus.EXPIRED], "lapsed": counts[ProposalStatus.LAPSED]}
    for user in _recipients(uow, Role.COORDINATOR, members):
        _write(uow, user, "closed", round_row, counts[ProposalStatus.CONFIRMED], detail=detail)


@use_case
def remind_overdue_tasks(uow: UnitOfWork, today: dt.date) -> int:
    """The owners of checklist tasks that passed their day in moves under way: how many of
    theirs (once per task, whichever process gets there first). How many tasks were told of."""
    candidates = list(uow.session.scalars(select(MoveTaskRow.id).join(
        ProposalRow, MoveTaskRow.proposal_id == ProposalRow.id).where(
        ProposalRow.status.in_((ProposalStatus.ACCEPTED, ProposalStatus.CONFIRMED)),
        ProposalRow.moved_in_on.is_(None), MoveTaskRow.due < today,
        MoveTaskRow.status.not_in([s.value for s in SETTLED]),
        MoveTaskRow.overdue_noticed_at.is_(None))))
    owners: dict[str, Counter[tuple[Role, str]]] = {}
    for task_id in candidates:
        if not changed(uow.session.execute(
                update(MoveTaskRow).where(MoveTaskRow.id == task_id,
                                          MoveTaskRow.overdue_noticed_at.is_(None))
                .values(overdue_noticed_at=now()).execution_options(synchronize_session=False))):
            continue
        task = uow.session.get_one(MoveTaskRow, task_id)
        proposal = uow.session.get_one(ProposalRow, task.proposal_id)
        owner = ((Role.CASE_WORKER, uow.session.get_one(CaseRow, proposal.case_id)
                  .municipality_code) if task.side == Side.SENDING.value else
                 (Role.HOUSING_OFFICER, uow.session.get_one(UnitRow, proposal.unit_id)
                  .municipality_code))
        owners.setdefault(proposal.round_id, Counter())[owner] += 1
    for round_id, counts in owners.items():
        round_row = uow.session.get_one(RoundRow, round_id)
        for (role, code), count in counts.items():
            for user in _recipients(uow, role, [code]):
                _write(uow, user, "task_overdue", round_row, count, path="/app/moves")
    return len(candidates)


@use_case
def remind_deadlines(uow: UnitOfWork, today: dt.date) -> int:
    """Each case worker whose proposals must be answered by the next working day: how many
    (once per proposal, whichever process gets there first). How many proposals were reminded
    of."""
    due = add_working_days(today, 1)
    candidates = list(uow.session.scalars(select(ProposalRow.id).where(
        ProposalRow.status == ProposalStatus.PROPOSED, ProposalRow.published.is_(True),
        ProposalRow.answer_by == due, ProposalRow.reminded_at.is_(None))))
    by_round: dict[str, Counter[str]] = {}
    for proposal_id in candidates:
        # claimed with a conditional update, outside the proposal's version: a reminder never
        # makes a case worker's answer stale, and two senders never remind twice
        if not changed(uow.session.execute(
                update(ProposalRow).where(ProposalRow.id == proposal_id,
                                          ProposalRow.reminded_at.is_(None))
                .values(reminded_at=now()).execution_options(synchronize_session=False))):
            continue
        row = uow.session.get_one(ProposalRow, proposal_id)
        code = uow.session.get_one(CaseRow, row.case_id).municipality_code
        by_round.setdefault(row.round_id, Counter())[code] += 1
    for round_id, sending in by_round.items():
        round_row = uow.session.get_one(RoundRow, round_id)
        for user in _recipients(uow, Role.CASE_WORKER, sending):
            _write(uow, user, "deadline", round_row, sending[user.municipality_code], due)
    return sum(sum(counts.values()) for counts in by_round.values())
