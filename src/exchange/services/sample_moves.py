"""What the sample shows of consent and the move (`exchange load-sample`): a few open cases
without a valid consent (and one whose consent ends soon), one household with protected
personal data, and the moves of the last closed rounds at several stages of their checklists:
moved in, half way with a task overdue, and just signed.

It writes rows directly, as the history's loader does, with the times the moves would have had.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from exchange.domain.consent import ConsentScope
from exchange.domain.lifecycle import CaseStatus, ProposalStatus
from exchange.domain.move import DEFAULT_CHECKLIST, TaskStatus, due_on, tasks_for
from exchange.persistence.rows import (
    CaseRow,
    MoveTaskRow,
    MunicipalityRow,
    ProposalRow,
    RoundRow,
    now,
)
from exchange.services.records import new_id
from exchange.services.unit_of_work import UnitOfWork

#: Open cases left without consent, per the first members (by code).
WITHOUT_CONSENT = 3
#: Moves of the last closed rounds given a checklist.
MOVES = 6


def stage(uow: UnitOfWork, network: str) -> None:
    """Consent, protected data and checklists as the sample shows them."""
    codes = list(uow.session.scalars(select(MunicipalityRow.code).where(
        MunicipalityRow.network_id == network).order_by(MunicipalityRow.code)))
    _consents(uow, codes)
    _moves(uow, network)


def _consents(uow: UnitOfWork, codes: list[str]) -> None:
    open_cases = list(uow.session.scalars(select(CaseRow).where(
        CaseRow.municipality_code.in_(codes), CaseRow.status == CaseStatus.OPEN)
        .order_by(CaseRow.municipality_code, CaseRow.created_at.desc(), CaseRow.id)))
    firsts: dict[str, CaseRow] = {}
    for case in open_cases:
        firsts.setdefault(case.municipality_code, case)
    chosen = list(firsts.values())
    for case in chosen[:WITHOUT_CONSENT]:  # posted lately: the consent is still to be recorded
        case.consent_given = case.consent_until = case.consent_scope = None
        case.consent_recorded_at = None
    if len(chosen) > WITHOUT_CONSENT:
        ending = chosen[WITHOUT_CONSENT]
        ending.consent_until = now().date() + dt.timedelta(days=9)
        ending.consent_scope = [ConsentScope.NETWORK.value, ConsentScope.LANDLORDS.value]
    if len(chosen) > WITHOUT_CONSENT + 1:
        chosen[WITHOUT_CONSENT + 1].protected = True


def _moves(uow: UnitOfWork, network: str) -> None:
    confirmed = list(uow.session.scalars(select(ProposalRow).join(
        RoundRow, ProposalRow.round_id == RoundRow.id).where(
        RoundRow.network_id == network, ProposalRow.status == ProposalStatus.CONFIRMED)
        .order_by(RoundRow.period.desc(), ProposalRow.confirmed_at.desc(), ProposalRow.id)
        .limit(MOVES)))
    today = now().date()
    for i, proposal in enumerate(confirmed):
        case = uow.session.get_one(CaseRow, proposal.case_id)
        case.protected = case.protected or i == 1  # a protected household on its way
        accepted = (proposal.answered_at or now()).date()
        moved_in = i % 3 == 0  # every third has its keys; the others are under way
        tasks = tasks_for(DEFAULT_CHECKLIST, bool(case.spec["household"].get("children")),
                          case.protected)
        for position, task in enumerate(tasks):
            due = due_on(accepted, task)
            done = moved_in or (due < today and not (i % 3 == 1 and position == len(tasks) - 2))
            uow.session.add(MoveTaskRow(
                id=new_id("task"), proposal_id=proposal.id, position=position, key=task.key,
                side=task.side.value, title_sv=task.title_sv, title_en=task.title_en, due=due,
                status=(TaskStatus.DONE if done else TaskStatus.TODO).value,
                overdue_noticed_at=now() if due < today and not done else None))
        if moved_in:
            proposal.moved_in_on = case.moved_in_on = min(
                today, (proposal.confirmed_at or now()).date() + dt.timedelta(days=10))
        else:
            proposal.moved_in_on = case.moved_in_on = None
