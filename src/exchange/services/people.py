"""The people of a network: registered by the coordinator (or the operator's `exchange user
create`) by e-mail or by the identity provider's subject, with a role and a municipality, and
removed by her when they leave (no token, session or provider lets them in after that; their
row stays, since the audit trail names them); and each person's own preferences: the language
of her notices, and whether she wants them."""

from __future__ import annotations

from typing import Literal

from pydantic import AliasChoices, Field
from sqlalchemy import func, or_, select, update

from exchange.domain.lifecycle import Role
from exchange.persistence.rows import MunicipalityRow, TokenRow, UserRow, WebSessionRow, now
from exchange.services.access import Actor, audit, require
from exchange.services.errors import Conflict, NotFound
from exchange.services.records import Paging, page
from exchange.services.schemas import Moment, Page, _Input, _View
from exchange.services.unit_of_work import UnitOfWork, use_case

Language = Literal["sv", "en"]
#: Something@somewhere.tld, without spaces or control characters (written out rather than \s,
#: which regex engines read differently: the schema and the check must agree).
_PART = r"[^@\x00-\x20\x7f-\x9f\u2028\u2029]+"
_EMAIL = rf"^{_PART}@{_PART}\.{_PART}$"


class PersonCreate(_Input):
    """A person to register: her name, role and municipality, her e-mail (she signs in with it,
    and notices go there) and, where the provider's e-mail may change, its subject for her: a
    person with a subject is known by it alone."""

    name: str = Field(min_length=1, max_length=200)
    role: Role
    municipality: str = Field(pattern=r"^[0-9]{4}$")
    email: str = Field(max_length=320, pattern=_EMAIL,
                       description="Her e-mail; she signs in with it and gets notices there.")
    subject: str | None = Field(default=None, min_length=1, max_length=255,
                                description="Her subject (sub) at the identity provider.")
    language: Language = "sv"


class Preferences(_Input):
    """What a person chooses for herself."""

    language: Language
    notices: bool = Field(description="Whether she gets e-mail notices.")


class PersonView(_View):
    id: int
    name: str
    role: Role
    municipality: str = Field(validation_alias=AliasChoices("municipality",
                                                            "municipality_code"))
    email: str | None
    subject: str | None
    language: str
    notices: bool
    removed_at: Moment | None = Field(
        default=None, description="When the coordinator ended her access; null while she has it.")


@use_case
def register_person(uow: UnitOfWork, actor: Actor | None, body: PersonCreate) -> PersonView:
    """Register a person of a member municipality (the coordinator: of her own network; the
    operator without an actor: of any). An e-mail or subject already registered is refused."""
    if actor is not None:
        require(uow, actor, "register", "user", Role.COORDINATOR)
    member = uow.session.get(MunicipalityRow, body.municipality)
    if member is None or (actor is not None and member.network_id != actor.network):
        raise NotFound(f"There is no member {body.municipality} in your network; see "
                       "GET /municipalities.")
    user = _known(uow, body.email, body.subject)
    if user is not None and (user.removed_at is None or _network(uow, user) != member.network_id):
        raise Conflict("Someone is already registered with this e-mail or subject.")
    if user is None:  # a person removed before comes back as the same person
        user = UserRow()
        uow.session.add(user)
    user.name, user.role, user.municipality_code = body.name.strip(), body.role, body.municipality
    user.email, user.subject, user.language = body.email, body.subject, body.language
    user.removed_at = None
    uow.session.flush()
    audit(uow, actor, "register", "user", str(user.id), network=member.network_id)
    return PersonView.model_validate(user, from_attributes=True)


def _known(uow: UnitOfWork, email: str, subject: str | None) -> UserRow | None:
    """The person registered, now or before, with this e-mail (any case) or subject."""
    taken = [func.lower(UserRow.email) == email.lower()]
    if subject:
        taken.append(UserRow.subject == subject)
    return uow.session.scalars(select(UserRow).where(or_(*taken))).first()


def _network(uow: UnitOfWork, user: UserRow) -> str:
    return uow.session.get_one(MunicipalityRow, user.municipality_code).network_id


@use_case
def remove_person(uow: UnitOfWork, actor: Actor, person_id: int) -> PersonView:
    """End a person's access (the coordinator, for her own network; not her own): her tokens
    are revoked and her open sessions end now, and no provider sign-in lets her in again until
    she is registered anew. Her row stays: the audit trail names her."""
    require(uow, actor, "remove", "user", Role.COORDINATOR)
    user = _of_network(uow, actor, person_id)
    if user.id == actor.user_id:
        raise Conflict("You cannot remove yourself; ask another coordinator of the network.")
    if user.removed_at is None:
        user.removed_at = now()
        uow.session.execute(update(TokenRow).where(
            TokenRow.user_id == user.id, TokenRow.revoked_at.is_(None)).values(revoked_at=now()))
        uow.session.execute(update(WebSessionRow).where(
            WebSessionRow.user_id == user.id, WebSessionRow.ended_at.is_(None)).values(
            ended_at=now()))
        audit(uow, actor, "remove", "user", str(user.id))
    return PersonView.model_validate(user, from_attributes=True)


@use_case
def get_person(uow: UnitOfWork, actor: Actor, person_id: int) -> PersonView:
    """One person of the network (the coordinator)."""
    require(uow, actor, "read", "user", Role.COORDINATOR)
    return PersonView.model_validate(_of_network(uow, actor, person_id), from_attributes=True)


def _of_network(uow: UnitOfWork, actor: Actor, person_id: int) -> UserRow:
    user = uow.session.get(UserRow, person_id)
    if user is None or _network(uow, user) != actor.network:
        raise NotFound("There is no such person in your network; see GET /people.")
    return user


@use_case
def list_people(uow: UnitOfWork, actor: Actor, paging: Paging) -> Page[PersonView]:
    """The network's people, those with access first, by municipality and name (the
    coordinator)."""
    require(uow, actor, "list", "user", Role.COORDINATOR)
    rows, total = page(uow, select(UserRow).join(
        MunicipalityRow, MunicipalityRow.code == UserRow.municipality_code).where(
        MunicipalityRow.network_id == actor.network).order_by(
        UserRow.removed_at.is_not(None), UserRow.municipality_code, UserRow.name, UserRow.id),
        paging)
    return Page[PersonView](items=[PersonView.model_validate(r, from_attributes=True)
                                   for r in rows], total=total, limit=paging.limit,
                            offset=paging.offset)


@use_case
def my_preferences(uow: UnitOfWork, actor: Actor) -> PersonView:
    """The caller as she is registered, with her preferences."""
    return PersonView.model_validate(uow.session.get_one(UserRow, actor.user_id),
                                     from_attributes=True)


@use_case
def set_preferences(uow: UnitOfWork, actor: Actor, body: Preferences) -> PersonView:
    """The caller's own language and notices."""
    user = uow.session.get_one(UserRow, actor.user_id)
    user.language, user.notices = body.language, body.notices
    audit(uow, actor, "preferences", "user", str(user.id))
    return PersonView.model_validate(user, from_attributes=True)
