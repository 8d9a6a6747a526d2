"""The people of a network: registered by the coordinator (or the operator's `exchange user
create`) by e-mail or by the identity provider's subject, with a role and a municipality; and
each person's own preferences: the language of her notices, and whether she wants them."""

from __future__ import annotations

from typing import Literal

from pydantic import AliasChoices, Field
from sqlalchemy import func, or_, select

from exchange.domain.lifecycle import Role
from exchange.persistence.rows import MunicipalityRow, UserRow
from exchange.services.access import Actor, audit, require
from exchange.services.errors import Conflict, NotFound
from exchange.services.records import Paging, page
from exchange.services.schemas import Page, _Input, _View
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
    taken = [func.lower(UserRow.email) == body.email.lower()]
    if body.subject:
        taken.append(UserRow.subject == body.subject)
    if uow.session.scalars(select(UserRow.id).where(or_(*taken))).first() is not None:
        raise Conflict("Someone is already registered with this e-mail or subject.")
    user = UserRow(name=body.name.strip(), role=body.role, municipality_code=body.municipality,
                   email=body.email, subject=body.subject, language=body.language)
    uow.session.add(user)
    uow.session.flush()
    audit(uow, actor, "register", "user", str(user.id), network=member.network_id)
    return PersonView.model_validate(user, from_attributes=True)


@use_case
def list_people(uow: UnitOfWork, actor: Actor, paging: Paging) -> Page[PersonView]:
    """The network's people, by municipality and name (the coordinator)."""
    require(uow, actor, "list", "user", Role.COORDINATOR)
    rows, total = page(uow, select(UserRow).join(
        MunicipalityRow, MunicipalityRow.code == UserRow.municipality_code).where(
        MunicipalityRow.network_id == actor.network).order_by(
        UserRow.municipality_code, UserRow.name, UserRow.id), paging)
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
