"""Loading a whole network from a round file: the sample network, or a network moving in.

Members, rules, schools and opening ledger balances are stored as they are; each unit is pledged
and each case posted through the same services people use, by a user of its municipality, so
the audit trail shows where everything came from. Ids are given anew.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select

from exchange.addresses import unit_address
from exchange.domain.consent import ConsentScope
from exchange.domain.lifecycle import Role
from exchange.domain.model import Round
from exchange.history import History
from exchange.persistence.rows import (
    LedgerEntryRow,
    MunicipalityRow,
    NetworkRow,
    SchoolRow,
    UserRow,
    now,
)
from exchange.services.access import Actor
from exchange.services.cases import post_case, record_consent
from exchange.services.errors import Conflict
from exchange.services.history_loading import load_history
from exchange.services.sample_moves import stage
from exchange.services.schemas import CaseCreate, ConsentRecord, UnitCreate
from exchange.services.unit_of_work import UnitOfWork, use_case
from exchange.services.units import pledge_unit
from exchange.services.users import Issued, create_user, renew_token, revoke_user_tokens


@dataclass(frozen=True)
class Loaded:
    """What `load` did: whether the network was new, and the demo tokens it issued."""

    network: str
    new: bool
    issued: list[Issued] = field(default_factory=list)
    past: int = 0  # closed past rounds loaded from a history


@use_case
def load(uow: UnitOfWork, round_: Round, demo: bool,
         progress: Callable[[str], None] = lambda _: None,
         history: Callable[[], History | None] | None = None) -> Loaded:
    """Load the network of a round file, and its `history` if given, unless it is loaded
    already (then only a `demo` load goes on); with `demo`, give every demo user a fresh
    token. All of it or nothing. The history is made (or read) only when the network is new."""
    network = round_.network.id
    new = uow.session.get(NetworkRow, network) is None
    past = 0
    if new:
        load_network(uow, round_, progress, addresses=demo)
        made = history() if history is not None else None
        if made is not None:
            past = load_history(uow, made, progress).rounds
        if demo:
            stage(uow, network)
    elif not demo:
        raise Conflict(f"Network {network} is already loaded.")
    return Loaded(network, new, demo_users(uow, network) if demo else [], past)


@use_case
def load_network(uow: UnitOfWork, round_: Round,
                 progress: Callable[[str], None] = lambda _: None,
                 addresses: bool = False) -> None:
    """Store the network of a round file with its schools, units and open cases. Each case
    keeps its id in the file as its reference (sealed, for its case workers), and the consent
    the file stands for (the network's members, from the file's date, until withdrawn); with
    `addresses`, the sample's units get plausible street addresses."""
    network = round_.network
    if uow.session.get(NetworkRow, network.id) is not None:
        raise Conflict(f"Network {network.id} is already loaded.")
    taken = uow.session.scalars(select(MunicipalityRow.code).where(MunicipalityRow.code.in_(
        [m.code for m in round_.municipalities]))).first()
    if taken is not None:
        raise Conflict(f"Municipality {taken} already belongs to another network here; a "
                       "municipality is a member of one network only.")
    uow.session.add(NetworkRow(id=network.id, name=network.name,
                               rules=network.rules.model_dump(mode="json")))
    uow.session.flush()  # rows without relationships are inserted in no set order
    uow.session.add_all([MunicipalityRow(code=m.code, network_id=network.id, name=m.name,
                                         lat=m.lat, lon=m.lon) for m in round_.municipalities])
    uow.session.flush()
    for m in round_.municipalities:
        if m.ledger_balance:
            uow.session.add(LedgerEntryRow(network_id=network.id, kind="opening",
                                           receiving_code=m.code, amount=m.ledger_balance))
    for s in round_.schools:
        uow.session.add(SchoolRow(id=s.id, municipality_code=s.municipality,
                                  name=s.name or s.id, address=s.address, lat=s.lat,
                                  lon=s.lon, free_places=s.model_dump(mode="json")[
                                      "free_places"]))
    uow.session.flush()
    officers = {m.code: _actor(network.id, m.code, Role.HOUSING_OFFICER)
                for m in round_.municipalities}
    workers = {m.code: _actor(network.id, m.code, Role.CASE_WORKER)
               for m in round_.municipalities}
    for i, unit in enumerate(round_.units, 1):
        body = UnitCreate.model_validate({
            **unit.model_dump(exclude={"id", "municipality"}),
            "address": unit_address(unit.id, unit.municipality) if addresses else None,
            "place_confirmed": True})  # as the file gives it; one far off is still refused
        pledge_unit(uow, officers[unit.municipality], body)
        if i % 500 == 0:
            progress(f"{i} of {len(round_.units)} units pledged")
    # A round file holds only cases whose consent covered the network's members on its date.
    given = ConsentRecord(version=1, given=min(round_.round.date, now().date()),
                          scope=[ConsentScope.NETWORK])
    for i, case in enumerate(round_.cases, 1):
        body = CaseCreate.model_validate({**case.model_dump(
            exclude={"id", "municipality", "declined_units"}), "reference": case.id[:60]})
        posted = post_case(uow, workers[case.municipality], body)
        record_consent(uow, workers[case.municipality], posted.id, given)
        if i % 500 == 0:
            progress(f"{i} of {len(round_.cases)} cases posted")


@use_case
def demo_users(uow: UnitOfWork, network: str) -> list[Issued]:
    """One user per role and member, each with a fresh token; earlier demo tokens are revoked."""
    issued = []
    for member in uow.session.scalars(select(MunicipalityRow).where(
            MunicipalityRow.network_id == network).order_by(MunicipalityRow.code)):
        for role in Role:
            user = _demo_user(uow, member, role)
            if user is None:
                issued.append(create_user(uow, f"Demo {role.value} {member.name}", role,
                                          member.code))
                user = uow.session.get_one(UserRow, issued[-1].user_id)
                # an address of the reserved .example domain: the demo's mail catcher gets it
                user.email = f"{role.value.replace('_', '-')}.{member.code}@{network}.example"
            else:
                revoke_user_tokens(uow, user.id)
                issued.append(renew_token(uow, user.id))
    return issued


def _demo_user(uow: UnitOfWork, member: MunicipalityRow, role: Role) -> UserRow | None:
    return uow.session.scalars(select(UserRow).where(
        UserRow.municipality_code == member.code, UserRow.role == role,
        UserRow.name == f"Demo {role.value} {member.name}")).first()


def _actor(network: str, code: str, role: Role) -> Actor:
    """The loader acts as a member's own staff; the audit trail names no person (user 0)."""
    return Actor(user_id=0, role=role, municipality=code, network=network)
