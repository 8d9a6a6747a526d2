"""Retention: what is no longer needed is erased after a period (`EXCHANGE_RETENTION_MONTHS`).

A housed or withdrawn case keeps its profile (household size, children's ages, rooms, rent,
needs), its status and its dates; its sealed details (danger zones, excluded municipalities,
kept schools, income, preferences, its own reference, and the comments to its declines) are
erased once it has been unchanged for the period. A closed round's stored round files and
results are erased once it has been closed for the period; their placement counts stay. The
ledger and the audit trail are never erased: each erasure is audited. Erasing needs no key, so
it works even for values sealed with a key since lost.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select, update

from exchange.domain.lifecycle import CaseStatus, RoundStatus
from exchange.persistence.rows import (
    CaseRow,
    MunicipalityRow,
    ProposalRow,
    RoundRow,
    SolveRow,
    now,
)
from exchange.services.access import audit_each
from exchange.services.sealed import profile_of
from exchange.services.unit_of_work import UnitOfWork, use_case

CLOSED_CASES = (CaseStatus.HOUSED, CaseStatus.WITHDRAWN)


@dataclass
class Expired:
    """What a purge erases: case ids and round ids by network, and the solves' count."""

    cases: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    rounds: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    solves: int = 0

    @property
    def case_count(self) -> int:
        return sum(map(len, self.cases.values()))


def months_before(moment: dt.datetime, months: int) -> dt.datetime:
    """The same day and time `months` calendar months earlier (the month's last day at most)."""
    year, month = divmod(moment.year * 12 + moment.month - 1 - months, 12)
    month += 1
    days = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return moment.replace(year=year, month=month, day=min(moment.day, days))


def expired(uow: UnitOfWork, cutoff: dt.datetime) -> Expired:
    """What is due for erasure: cases closed and unchanged since before `cutoff`, and the solves
    of rounds closed before it."""
    found = Expired()
    for case_id, network in uow.session.execute(
            select(CaseRow.id, MunicipalityRow.network_id)
            .join(MunicipalityRow, CaseRow.municipality_code == MunicipalityRow.code)
            .where(CaseRow.status.in_(CLOSED_CASES), CaseRow.erased_at.is_(None),
                   CaseRow.updated_at < cutoff).order_by(CaseRow.id)):
        found.cases[network].append(case_id)
    for round_id, network in uow.session.execute(
            select(RoundRow.id, RoundRow.network_id).join(
                SolveRow, SolveRow.round_id == RoundRow.id)
            .where(RoundRow.status == RoundStatus.CLOSED, RoundRow.closed_at < cutoff,
                   SolveRow.erased_at.is_(None)).order_by(RoundRow.id)):
        if round_id not in found.rounds[network]:
            found.rounds[network].append(round_id)
        found.solves += 1  # one row per solve
    return found


def purge(uow: UnitOfWork, cutoff: dt.datetime) -> Expired:
    """Erase what is due (see `expired`), audit each erasure, and say what was erased."""
    found, erased_at = expired(uow, cutoff), now()
    for network, ids in found.cases.items():
        for case in uow.session.scalars(select(CaseRow).where(CaseRow.id.in_(ids))):
            uow.session.execute(update(CaseRow).where(CaseRow.id == case.id).values(
                spec=profile_of(case.spec), sealed_spec=None, erased_at=erased_at,
                updated_at=CaseRow.updated_at).execution_options(synchronize_session=False))
        uow.session.execute(update(ProposalRow).where(ProposalRow.case_id.in_(ids)).values(
            decline_comment=None).execution_options(synchronize_session=False))
        audit_each(uow, None, "erase", "case", list(ids), network=network)
    for network, ids in found.rounds.items():
        uow.session.execute(update(SolveRow).where(
            SolveRow.round_id.in_(ids), SolveRow.erased_at.is_(None)).values(
            round_file=None, result=None, erased_at=erased_at)
            .execution_options(synchronize_session=False))
        audit_each(uow, None, "erase", "round", list(ids), network=network)
    return found


@use_case
def purge_older_than(uow: UnitOfWork, months: int, dry_run: bool = False
                     ) -> tuple[Expired, dt.datetime]:
    """Erase (or with `dry_run` only count) what has been done with for `months`; also says
    the cutoff it used."""
    cutoff = months_before(now(), months)
    return (expired(uow, cutoff) if dry_run else purge(uow, cutoff)), cutoff
