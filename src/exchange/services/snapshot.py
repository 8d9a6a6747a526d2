"""A round file from the stored network: what one solve of a round reads, exactly.

Open cases whose household's consent covers the network's members on the round's date (a
case without it is left out, and the round file says nothing of consent), available units whose
pledge has not ended and the schools' free places are taken as they are at the moment of the
solve. Proposals of the same round that are still alive (awaiting an
answer, accepted or confirmed) stay fixed: their cases and units are left out, their school places
are taken off, and their moves are counted in the members' balances, so a re-solve only places
what remains and the round as a whole keeps every rule. A unit a household has declined is never
proposed to it again, nor one whose move fell through.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import select

from exchange.domain.lifecycle import CaseStatus, ProposalStatus, UnitStatus
from exchange.domain.model import ROUND_FORMAT, Municipality, Network, Round, RoundInfo
from exchange.formats import dump, load_round
from exchange.persistence.rows import (
    CaseRow,
    MunicipalityRow,
    NetworkRow,
    ProposalRow,
    RoundRow,
    SchoolRow,
    UnitRow,
)
from exchange.services.consent import has_consent, valid_consent
from exchange.services.network import balances
from exchange.services.records import as_case, as_school, as_unit
from exchange.services.unit_of_work import UnitOfWork

FIXED = (ProposalStatus.PROPOSED, ProposalStatus.ACCEPTED, ProposalStatus.CONFIRMED)


def snapshot(uow: UnitOfWork, round_row: RoundRow, seq: int,
             day: dt.date) -> tuple[str, dict[str, int]]:
    """The round file for solve number `seq` of a round, as text (validated like any file), and
    the version of every case, unit and school in it, keyed by id."""
    session = uow.session
    network = session.get_one(NetworkRow, round_row.network_id)
    members = list(session.scalars(select(MunicipalityRow).where(
        MunicipalityRow.network_id == network.id).order_by(MunicipalityRow.code)))
    codes = [m.code for m in members]
    fixed = list(session.scalars(select(ProposalRow).where(
        ProposalRow.round_id == round_row.id, ProposalRow.status.in_(FIXED))))
    balance = balances(uow, network.id)
    taken: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for proposal in fixed:
        case = session.get_one(CaseRow, proposal.case_id)
        unit = session.get_one(UnitRow, proposal.unit_id)
        balance[unit.municipality_code] += 1
        balance[case.municipality_code] -= 1
        for place in proposal.schools:
            if place["school"] is not None:
                taken[place["school"]][place["stage"]] += 1
    units = session.scalars(select(UnitRow).where(
        UnitRow.municipality_code.in_(codes), UnitRow.status == UnitStatus.AVAILABLE,
        (UnitRow.pledged_until.is_(None)) | (UnitRow.pledged_until >= day))
        .order_by(UnitRow.id)).all()
    cases = [case for case in session.scalars(select(CaseRow).where(
        CaseRow.municipality_code.in_(codes), CaseRow.status == CaseStatus.OPEN,
        valid_consent(day)).order_by(CaseRow.id)) if has_consent(case, day)]
    declined = _declined(uow, [c.id for c in cases])
    schools = session.scalars(select(SchoolRow).where(
        SchoolRow.municipality_code.in_(codes)).order_by(SchoolRow.id)).all()
    round_ = Round(
        format=ROUND_FORMAT,
        round=RoundInfo(id=f"{round_row.id}-s{seq}", date=day),
        network=Network.model_validate({"id": network.id, "name": network.name,
                                        "rules": network.rules}, strict=False),
        municipalities=[Municipality(code=m.code, name=m.name, lat=m.lat, lon=m.lon,
                                     ledger_balance=balance[m.code]) for m in members],
        schools=[as_school(s, taken.get(s.id)) for s in schools],
        units=[as_unit(u) for u in units],
        cases=[as_case(c, declined.get(c.id)) for c in cases])
    text = dump(round_)
    load_round(text)  # the stored file must be one `exchange solve` accepts as it is
    versioned: list[CaseRow | UnitRow | SchoolRow] = [*cases, *units, *schools]
    return text, {version_key(row): row.version for row in versioned}


def version_key(row: CaseRow | UnitRow | SchoolRow) -> str:
    """How a row's version is filed in a snapshot: its table and id."""
    return key_of(type(row), row.id)


def key_of(kind: type[CaseRow | UnitRow | SchoolRow], id_: str) -> str:
    """The version key of the row of `kind` with this id."""
    return f"{kind.__tablename__}/{id_}"


def _declined(uow: UnitOfWork, case_ids: list[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = defaultdict(list)
    for proposal in uow.session.scalars(select(ProposalRow).where(
            ProposalRow.case_id.in_(case_ids),
            (ProposalRow.status == ProposalStatus.DECLINED) | ProposalRow.fell_through.is_not(None))
            .order_by(ProposalRow.unit_id)):
        found[proposal.case_id].append(proposal.unit_id)
    return found
