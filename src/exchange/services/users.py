"""People and their API tokens. A token is 256 random bits, shown once, stored only as a hash.

A token that does not let its bearer in is audited: a known one that expired or was revoked in
the trail of its owner's network, an unknown one in the service's own trail (filed under no
network), which every auditor may read, since nobody can say which network it was aimed at.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import Select, select

from exchange.domain.lifecycle import Role
from exchange.persistence.rows import MunicipalityRow, TokenRow, UserRow, WebSessionRow, now
from exchange.services.access import Actor, audit
from exchange.services.errors import Conflict, FieldProblem, Invalid, NotFound
from exchange.services.unit_of_work import UnitOfWork, use_case

TOKEN_PREFIX = "exch_"
TOKEN_DAYS = 90.0


@dataclass(frozen=True)
class Issued:
    """A token just issued to a person (shown once, never stored), and who she is."""

    user_id: int
    name: str
    role: Role
    municipality: str
    token: str


def digest(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


@use_case
def create_user(uow: UnitOfWork, name: str, role: Role, municipality: str,
                days: float = TOKEN_DAYS) -> Issued:
    """A new user of a member municipality, and her first token (to be shown once), valid for
    `days`."""
    member = uow.session.get(MunicipalityRow, municipality)
    if member is None:
        raise Invalid([FieldProblem("municipality", "is not a member of any network here; "
                                    "load the network first (exchange load-sample)")])
    if not name.strip():
        raise Invalid([FieldProblem("name", "must not be empty")])
    user = UserRow(name=name.strip()[:200], role=role, municipality_code=municipality)
    uow.session.add(user)
    uow.session.flush()
    audit(uow, None, "create", "user", str(user.id), network=member.network_id)
    return _issue(uow, user, days)


@use_case
def renew_token(uow: UnitOfWork, user_id: int, days: float = TOKEN_DAYS) -> Issued:
    """A fresh token for a user (hers expire); her earlier tokens stay valid until they do."""
    user = uow.session.get(UserRow, user_id)
    if user is None:
        raise NotFound(f"There is no user {user_id}; `exchange user create` makes one.")
    if user.removed_at is not None:
        raise Conflict(f"User {user_id}'s access was removed by the coordinator; she gets it "
                       "back when she is registered again.")
    return _issue(uow, user, days)


def _issue(uow: UnitOfWork, user: UserRow, days: float) -> Issued:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    uow.session.add(TokenRow(user_id=user.id, digest=digest(token),
                             expires_at=now() + dt.timedelta(days=days)))
    audit(uow, None, "issue_token", "user", str(user.id), network=_network(uow, user.id))
    return Issued(user.id, user.name, Role(user.role), user.municipality_code, token)


@use_case
def revoke_token(uow: UnitOfWork, token: str) -> None:
    """Revoke one token; an unknown token is refused."""
    row = uow.session.scalars(select(TokenRow).where(TokenRow.digest == digest(token))).first()
    if row is None:
        raise NotFound("No such token.")
    row.revoked_at = row.revoked_at or now()
    audit(uow, None, "revoke_token", "user", str(row.user_id),
          network=_network(uow, row.user_id))


@use_case
def revoke_user_tokens(uow: UnitOfWork, user_id: int) -> int:
    """Revoke every live token of a user; returns how many were revoked."""
    if uow.session.get(UserRow, user_id) is None:
        raise NotFound(f"There is no user {user_id}.")
    rows = uow.session.scalars(select(TokenRow).where(
        TokenRow.user_id == user_id, TokenRow.revoked_at.is_(None))).all()
    for row in rows:
        row.revoked_at = now()
    audit(uow, None, "revoke_tokens", "user", str(user_id), network=_network(uow, user_id))
    return len(rows)


def _network(uow: UnitOfWork, user_id: int) -> str | None:
    return uow.session.scalar(select(MunicipalityRow.network_id).join(
        UserRow, UserRow.municipality_code == MunicipalityRow.code).where(UserRow.id == user_id))


@use_case
def authenticate(uow: UnitOfWork, token: str) -> Actor | None:
    """The actor behind a live token, or None, audited as a refused sign-in."""
    found = _owner(uow, token)
    if found is None:
        _refused(uow, token, "authenticate", "token")
        return None
    return found[0]


@use_case
def open_session(uow: UnitOfWork, token: str, hours: float) -> tuple[str, Actor] | None:
    """Sign in to the pages with a token: a new session's cookie secret, or None (audited)."""
    found = _owner(uow, token)
    if found is None:
        _refused(uow, token, "sign_in", "session")
        return None
    actor, token_id = found
    secret = secrets.token_urlsafe(32)
    uow.session.add(WebSessionRow(digest=digest(secret), token_id=token_id,
                                  csrf=secrets.token_urlsafe(32),
                                  expires_at=now() + dt.timedelta(hours=hours)))
    audit(uow, actor, "sign_in", "session")
    return secret, actor


def _refused(uow: UnitOfWork, token: str, action: str, kind: str) -> None:
    """Audit a token that let nobody in: in its owner's trail when it is known (it expired or
    was revoked), in the service's trail when it is not."""
    row = uow.session.scalars(select(TokenRow).where(TokenRow.digest == digest(token))).first()
    if row is None:
        audit(uow, None, action, kind, outcome="denied")
        return
    outcome = "revoked" if row.revoked_at is not None else "expired"
    audit(uow, None, action, kind, str(row.user_id), outcome, network=_network(uow, row.user_id))


@use_case
def session_actor(uow: UnitOfWork, secret: str) -> tuple[Actor, str] | None:
    """The actor of a live session and its CSRF token, or None when it has ended (a session
    opened with a token ends with the token; one opened through the provider names its user)."""
    session = uow.session.scalars(select(WebSessionRow).where(
        WebSessionRow.digest == digest(secret), WebSessionRow.ended_at.is_(None),
        WebSessionRow.expires_at > now())).first()
    if session is None:
        return None
    statement = (_live_tokens().where(TokenRow.id == session.token_id)
                 if session.token_id is not None else
                 select(UserRow, MunicipalityRow.network_id)
                 .join(MunicipalityRow, MunicipalityRow.code == UserRow.municipality_code)
                 .where(UserRow.id == session.user_id, UserRow.removed_at.is_(None)))
    found = uow.session.execute(statement).first()
    if found is None:
        return None
    return _actor(found[0], found[1]), session.csrf


@use_case
def end_session(uow: UnitOfWork, secret: str) -> str | None:
    """Sign out: the session's cookie is worthless from now on. The network whose identity
    provider signed her in, if one did (to sign out there too)."""
    session = uow.session.scalars(select(WebSessionRow).where(
        WebSessionRow.digest == digest(secret))).first()
    if session is None or session.ended_at is not None:
        return None
    user_id = session.user_id or uow.session.scalar(
        select(TokenRow.user_id).where(TokenRow.id == session.token_id))
    user = uow.session.get_one(UserRow, user_id)
    session.ended_at = now()
    audit(uow, _actor(user, _network(uow, user.id) or ""), "sign_out", "session")
    return session.provider


def _owner(uow: UnitOfWork, token: str) -> tuple[Actor, int] | None:
    """The actor behind a live token and the token's row id."""
    found = uow.session.execute(_live_tokens().where(TokenRow.digest == digest(token))).first()
    if found is None:
        return None
    user, network, row = found
    return _actor(user, network), row.id


def _live_tokens() -> Select[UserRow, str, TokenRow]:
    return (select(UserRow, MunicipalityRow.network_id, TokenRow)
            .join(TokenRow, TokenRow.user_id == UserRow.id)
            .join(MunicipalityRow, MunicipalityRow.code == UserRow.municipality_code)
            .where(TokenRow.revoked_at.is_(None), TokenRow.expires_at > now(),
                   UserRow.removed_at.is_(None)))


def _actor(user: UserRow, network: str) -> Actor:
    return Actor(user.id, Role(user.role), user.municipality_code, network)
