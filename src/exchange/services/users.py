"""People and their API tokens. A token is 256 random bits, shown once, stored only as a hash."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select

from exchange.persistence.database import UnitOfWork
from exchange.persistence.rows import MunicipalityRow, Role, TokenRow, UserRow, now
from exchange.services.access import Actor, audit
from exchange.services.errors import FieldProblem, Invalid, NotFound

TOKEN_PREFIX = "exch_"


def digest(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_user(uow: UnitOfWork, name: str, role: Role, municipality: str) -> tuple[UserRow, str]:
    """A new user of a member municipality, and her first token (to be shown once)."""
    member = uow.session.get(MunicipalityRow, municipality)
    if member is None:
        raise Invalid([FieldProblem("municipality", "is not a member of any network here; "
                                    "load the network first (exchange load-sample)")])
    if not name.strip():
        raise Invalid([FieldProblem("name", "must not be empty")])
    user = UserRow(name=name.strip(), role=role, municipality_code=municipality)
    uow.session.add(user)
    uow.session.flush()
    audit(uow, None, "create", "user", str(user.id), network=member.network_id)
    return user, issue_token(uow, user)


def issue_token(uow: UnitOfWork, user: UserRow) -> str:
    """A fresh token for `user`; only its hash is kept."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    uow.session.add(TokenRow(user_id=user.id, digest=digest(token)))
    audit(uow, None, "issue_token", "user", str(user.id), network=_network(uow, user.id))
    return token


def revoke_token(uow: UnitOfWork, token: str) -> None:
    """Revoke one token (signing out); an unknown token is refused."""
    row = uow.session.scalars(select(TokenRow).where(TokenRow.digest == digest(token))).first()
    if row is None:
        raise NotFound("No such token.")
    row.revoked_at = row.revoked_at or now()
    audit(uow, None, "revoke_token", "user", str(row.user_id),
          network=_network(uow, row.user_id))


def revoke_user_tokens(uow: UnitOfWork, user_id: int) -> int:
    """Revoke every live token of a user; returns how many were revoked."""
    rows = uow.session.scalars(select(TokenRow).where(
        TokenRow.user_id == user_id, TokenRow.revoked_at.is_(None))).all()
    for row in rows:
        row.revoked_at = now()
    audit(uow, None, "revoke_tokens", "user", str(user_id), network=_network(uow, user_id))
    return len(rows)


def _network(uow: UnitOfWork, user_id: int) -> str | None:
    return uow.session.scalar(select(MunicipalityRow.network_id).join(
        UserRow, UserRow.municipality_code == MunicipalityRow.code).where(UserRow.id == user_id))


def authenticate(uow: UnitOfWork, token: str) -> Actor | None:
    """The actor behind a live token, or None."""
    found = uow.session.execute(
        select(UserRow, MunicipalityRow.network_id)
        .join(TokenRow, TokenRow.user_id == UserRow.id)
        .join(MunicipalityRow, MunicipalityRow.code == UserRow.municipality_code)
        .where(TokenRow.digest == digest(token), TokenRow.revoked_at.is_(None))).first()
    if found is None:
        return None
    user, network = found
    return Actor(user.id, Role(user.role), user.municipality_code, network)
