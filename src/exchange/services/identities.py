"""Signing in through the network's identity provider: the provider proves who a person is,
the exchange decides what she may do.

A person is registered beforehand (`exchange.services.people`) by her e-mail or by the
provider's subject, with a role and a municipality. An identity the exchange does not know gets
no access and an audit entry (ids and words only: never her e-mail). Where the network maps the
provider's groups to roles, a person in exactly one mapped group is registered at her first
sign-in with that role and municipality.

A sign-in under way is a row of its own (`SignInFlowRow`), named by the SHA-256 of a secret the
browser holds in a cookie, and taken once: the same answer from the provider never signs in
twice.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, func, or_, select

from exchange.domain.lifecycle import Role
from exchange.persistence.rows import (
    MunicipalityRow,
    NetworkRow,
    SignInFlowRow,
    UserRow,
    WebSessionRow,
    now,
)
from exchange.services.access import Actor, audit
from exchange.services.unit_of_work import UnitOfWork, use_case
from exchange.services.users import digest

FLOW_MINUTES = 10


@dataclass(frozen=True)
class Flow:
    """A sign-in started at the provider, as it was started."""

    network: str
    state: str
    nonce: str
    verifier: str
    next: str


@dataclass(frozen=True)
class Identity:
    """Who the provider says signed in (from a validated ID token)."""

    network: str
    subject: str
    email: str | None
    groups: tuple[str, ...] = ()


@use_case
def begin_flow(uow: UnitOfWork, flow: Flow) -> str:
    """Keep a sign-in under way; the secret the browser keeps to finish it."""
    secret = secrets.token_urlsafe(32)
    uow.session.execute(delete(SignInFlowRow).where(SignInFlowRow.expires_at < now()))
    uow.session.add(SignInFlowRow(
        digest=digest(secret), network_id=flow.network, state=flow.state, nonce=flow.nonce,
        verifier=flow.verifier, next=flow.next,
        expires_at=now() + dt.timedelta(minutes=FLOW_MINUTES)))
    return secret


@use_case
def take_flow(uow: UnitOfWork, secret: str) -> Flow | None:
    """The sign-in under way that the browser's secret names, taken once (None when there is
    none, it was taken already, or it is older than ten minutes)."""
    row = uow.session.scalars(select(SignInFlowRow).where(
        SignInFlowRow.digest == digest(secret))).first()
    if row is None:
        return None
    uow.session.delete(row)
    uow.session.flush()
    if row.expires_at < now():
        return None
    return Flow(row.network_id, row.state, row.nonce, row.verifier, row.next)


@use_case
def refuse_sign_in(uow: UnitOfWork, network: str | None, reason: str) -> None:
    """Audit a sign-in through the provider that let nobody in, and why (a word)."""
    audit(uow, None, "sign_in", "identity", outcome=reason[:20], network=network)


@use_case
def open_identity_session(uow: UnitOfWork, identity: Identity, group_roles: dict[str, str],
                          hours: float) -> tuple[str, Actor] | None:
    """Sign a registered person in to the pages: a new session's cookie secret and who she is;
    None (audited as `unregistered` or `removed`) for an identity the network does not know, or
    whose access its coordinator ended."""
    user = _registered(uow, identity) or _by_group(uow, identity, group_roles)
    if user is None or user.removed_at is not None:  # removed: not let in, nor by her groups
        refuse_sign_in(uow, identity.network, "unregistered" if user is None else "removed")
        return None
    if user.subject is None:  # from now on she is known by the provider's subject too
        user.subject = identity.subject
    actor = Actor(user.id, Role(user.role), user.municipality_code, identity.network)
    secret = secrets.token_urlsafe(32)
    uow.session.add(WebSessionRow(digest=digest(secret), user_id=user.id,
                                  provider=identity.network, csrf=secrets.token_urlsafe(32),
                                  expires_at=now() + dt.timedelta(hours=hours)))
    audit(uow, actor, "sign_in", "identity")
    return secret, actor


def _registered(uow: UnitOfWork, identity: Identity) -> UserRow | None:
    """The network's person with this subject, or else, if she has no subject yet, with this
    e-mail (any case): once known by a subject, a person is known by it alone."""
    match = UserRow.subject == identity.subject
    if identity.email:
        match = or_(match, UserRow.subject.is_(None)
                    & (func.lower(UserRow.email) == identity.email.lower()))
    found = uow.session.scalars(
        select(UserRow).join(MunicipalityRow, MunicipalityRow.code == UserRow.municipality_code)
        .where(MunicipalityRow.network_id == identity.network, match)
        .order_by((UserRow.subject == identity.subject).desc())).first()
    return found


def _by_group(uow: UnitOfWork, identity: Identity, group_roles: dict[str, str]
              ) -> UserRow | None:
    """A person registered now because she is in exactly one group the network maps to a role
    of one of its members."""
    mapped = {group_roles[g] for g in identity.groups if g in group_roles}
    if len(mapped) != 1:
        return None
    role, _, municipality = mapped.pop().partition("@")
    member = uow.session.get(MunicipalityRow, municipality)
    if role not in set(Role) or member is None or member.network_id != identity.network:
        return None
    user = UserRow(name=(identity.email or identity.subject)[:200], role=Role(role),
                   municipality_code=municipality, email=identity.email,
                   subject=identity.subject)
    uow.session.add(user)
    uow.session.flush()
    audit(uow, None, "register_by_group", "user", str(user.id), network=identity.network)
    return user


def network_name(uow: UnitOfWork, network: str) -> str | None:
    """The network's name, for its button on the sign-in page."""
    row = uow.session.get(NetworkRow, network)
    return row.name if row else None
