"""The household's consent (samtycke): recorded and withdrawn by its own case workers, and the
gate of every round's snapshot (`exchange.domain.consent`).

A consent that is withdrawn, or whose last day has passed, ends the case: its live proposals
end (the receiving side learns only that the proposal was withdrawn), the case leaves the pool
for good, and the retention clock starts (`exchange.services.retention` counts from the
change). All of it in one transaction. A case without any consent recorded stays open, out of
every round, until one is; the case worker's to-do list and the round say so.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, and_, or_, select

from exchange.domain.consent import ConsentScope, consent_problems, consent_valid
from exchange.domain.lifecycle import LIVE_PROPOSALS, CaseStatus, move
from exchange.persistence.rows import CaseRow, MunicipalityRow, ProposalRow, UserRow, now
from exchange.services.access import Actor, audit
from exchange.services.errors import Conflict, FieldProblem, Invalid
from exchange.services.records import end_proposal
from exchange.services.schemas import ConsentRecord, ConsentView
from exchange.services.unit_of_work import UnitOfWork, use_case


def valid_consent(day: dt.date) -> ColumnElement[bool]:
    """Cases whose consent covers the network's members on `day` (for a query)."""
    return and_(CaseRow.consent_given.is_not(None), CaseRow.consent_given <= day,
                CaseRow.consent_ended_at.is_(None),
                or_(CaseRow.consent_until.is_(None), CaseRow.consent_until >= day),
                CaseRow.consent_scope.is_not(None))


def has_consent(row: CaseRow, day: dt.date | None = None) -> bool:
    """Whether the case may enter a round on `day` (today by default)."""
    return (consent_valid(row.consent_given, row.consent_until, row.consent_ended_at is not None,
                          day or now().date())
            and ConsentScope.NETWORK.value in (row.consent_scope or []))


def consent_view(uow: UnitOfWork, row: CaseRow) -> ConsentView | None:
    """The consent as its case workers see it, or None when none was recorded."""
    if row.consent_given is None or row.consent_recorded_at is None:
        return None
    user = (uow.session.get(UserRow, row.consent_recorded_by)
            if row.consent_recorded_by else None)
    return ConsentView(given=row.consent_given, until=row.consent_until,
                       scope=[ConsentScope(s) for s in row.consent_scope or []],
                       recorded_by=user.name if user else "-", recorded_at=row.consent_recorded_at,
                       ended_at=row.consent_ended_at, valid=has_consent(row))


@use_case
def end_lapsed_consents(uow: UnitOfWork, today: dt.date | None = None) -> int:
    """End every live case whose consent's last day has passed (run before each snapshot and
    by the service's periodic pass); how many were ended."""
    day = today or now().date()
    ended = 0
    for row, network in uow.session.execute(
            select(CaseRow, MunicipalityRow.network_id)
            .join(MunicipalityRow, CaseRow.municipality_code == MunicipalityRow.code)
            .where(CaseRow.consent_ended_at.is_(None), CaseRow.consent_until < day,
                   CaseRow.status.not_in((CaseStatus.HOUSED, CaseStatus.WITHDRAWN)))
            .order_by(CaseRow.id)):
        end_case(uow, None, row, network)
        audit(uow, None, "consent_ended", "case", row.id, network=network)
        ended += 1
    return ended


def check_consent(body: ConsentRecord) -> None:
    """Refuse, naming the field, a consent that starts in the future, ends before it starts,
    or has already ended."""
    problems = consent_problems(body.given, body.until, now().date())
    if problems:
        raise Invalid([FieldProblem(field, message, f"consent_{field}")
                       for field, message in problems.items()])


def set_consent(actor: Actor, row: CaseRow, body: ConsentRecord) -> None:
    """Record a checked consent on a case; one without the network in its scope ends the
    case's live proposals (the case can no longer be offered around)."""
    row.consent_given, row.consent_until = body.given, body.until
    row.consent_scope = sorted({scope.value for scope in body.scope})
    row.consent_recorded_by, row.consent_recorded_at = actor.user_id, now()
    row.consent_ended_at = None


def end_case(uow: UnitOfWork, actor: Actor | None, row: CaseRow,
             network: str | None = None) -> None:
    """The consent ended: the case's live proposals end, and it leaves the pool for good."""
    if row.consent_given is None or row.consent_ended_at is not None:
        raise Conflict("The case has no consent in force to withdraw.")
    row.consent_ended_at = now()
    end_live_proposals(uow, actor, row, network)
    row.status = move(row.status, CaseStatus.WITHDRAWN, "case")


def end_live_proposals(uow: UnitOfWork, actor: Actor | None, row: CaseRow,
                        network: str | None = None) -> None:
    for proposal in uow.session.scalars(select(ProposalRow).where(
            ProposalRow.case_id == row.id, ProposalRow.status.in_(LIVE_PROPOSALS))):
        end_proposal(uow, proposal)
        audit(uow, actor, "expire", "proposal", proposal.id, network=network)
