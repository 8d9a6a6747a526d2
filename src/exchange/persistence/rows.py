"""The tables, as typed SQLAlchemy rows. Roles and statuses are the domain's
(`exchange.domain.lifecycle`), stored as their words.

Case and unit details live in one JSON `spec` column each, shaped exactly like the case and the
unit of the round file (`exchange.domain.model`), so that their fields are defined once. A case's
whole spec is sealed (`exchange.persistence.sealing`) in `sealed_spec`; its plain `spec` keeps only
the household's profile, which people other than its case worker may see. A solve's round file and
result are sealed in place. Rows that people change carry a `version`: a write based on a stale
read is refused, never lost.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from exchange.domain.lifecycle import CaseStatus, ProposalStatus, Role, RoundStatus, UnitStatus


def now() -> dt.datetime:
    """The current time in UTC, as stored everywhere."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _word(kind: type[StrEnum]) -> Enum:
    """A role or status column: stored as its word (VARCHAR(20), no database enum type), read
    back as the domain's enum; a word the domain does not know is refused."""
    return Enum(kind, native_enum=False, create_constraint=False, length=20,
                values_callable=lambda members: [m.value for m in members],
                validate_strings=True)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class _Versioned:
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's own protocol


class NetworkRow(Base):
    __tablename__ = "networks"
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    rules: Mapped[dict[str, Any]]
    #: Who carries the rent of a pledged unit standing empty (`exchange.health.figures`).
    idle_cost_rule: Mapped[str] = mapped_column(String(20), default="pledging_member",
                                                server_default="pledging_member")
    answer_days: Mapped[int] = mapped_column(default=5)  # Swedish working days to answer
    #: The move checklist's template (`exchange.domain.move`); None: the Swedish default.
    checklist: Mapped[list[Any] | None]


class MunicipalityRow(Base):
    __tablename__ = "municipalities"
    code: Mapped[str] = mapped_column(String(4), primary_key=True)
    network_id: Mapped[str] = mapped_column(ForeignKey("networks.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    lat: Mapped[float]
    lon: Mapped[float]


class UserRow(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(_word(Role))
    municipality_code: Mapped[str] = mapped_column(ForeignKey("municipalities.code"))
    created_at: Mapped[dt.datetime] = mapped_column(default=now)
    # who she is at the network's identity provider: her e-mail, or the provider's subject
    email: Mapped[str | None] = mapped_column(String(320), unique=True)
    subject: Mapped[str | None] = mapped_column(String(255), unique=True)
    language: Mapped[str] = mapped_column(String(2), default="sv")
    notices: Mapped[bool] = mapped_column(default=True)  # e-mail notices wanted
    # when the coordinator ended her access: no token, session or provider lets her in since
    removed_at: Mapped[dt.datetime | None]


class TokenRow(Base):
    """An API token: only its SHA-256 is stored; the token itself is shown once."""

    __tablename__ = "tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=now)
    expires_at: Mapped[dt.datetime]
    revoked_at: Mapped[dt.datetime | None]


class WebSessionRow(Base):
    """A signed-in browser: only the SHA-256 of its cookie is stored. It ends at sign-out, at
    `expires_at`, or when the token it was opened with is revoked. A session opened through the
    network's identity provider has no token: it names its user and `provider` (the network
    whose provider signed her in, for signing out there too)."""

    __tablename__ = "web_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    token_id: Mapped[int | None] = mapped_column(ForeignKey("tokens.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    provider: Mapped[str | None] = mapped_column(String(100))
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=now)
    expires_at: Mapped[dt.datetime]
    ended_at: Mapped[dt.datetime | None]


class UnitRow(_Versioned, Base):
    __tablename__ = "units"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    municipality_code: Mapped[str] = mapped_column(ForeignKey("municipalities.code"), index=True)
    status: Mapped[UnitStatus] = mapped_column(_word(UnitStatus), index=True)
    pledged_until: Mapped[dt.date | None]
    district: Mapped[str | None] = mapped_column(String(100))
    address: Mapped[dict[str, Any] | None]  # street, postcode, floor, landlord, object number
    spec: Mapped[dict[str, Any]]
    created_at: Mapped[dt.datetime] = mapped_column(default=now)
    updated_at: Mapped[dt.datetime] = mapped_column(default=now, onupdate=now)
    # When it entered the pool, and left it for good: what its idle days are counted between.
    published_at: Mapped[dt.datetime | None]
    let_at: Mapped[dt.datetime | None]
    withdrawn_at: Mapped[dt.datetime | None]


class CaseRow(_Versioned, Base):
    __tablename__ = "cases"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    municipality_code: Mapped[str] = mapped_column(ForeignKey("municipalities.code"), index=True)
    status: Mapped[CaseStatus] = mapped_column(_word(CaseStatus), index=True)
    urgency: Mapped[str] = mapped_column(String(10))
    waiting_since: Mapped[dt.date]
    move_in_from: Mapped[dt.date | None]
    spec: Mapped[dict[str, Any]]
    sealed_spec: Mapped[str | None] = mapped_column(Text)
    erased_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=now)
    updated_at: Mapped[dt.datetime] = mapped_column(default=now, onupdate=now)
    # The household's consent (`exchange.domain.consent`); seen by its own case workers only.
    consent_given: Mapped[dt.date | None]
    consent_until: Mapped[dt.date | None]
    consent_scope: Mapped[list[Any] | None]
    consent_recorded_by: Mapped[int | None]
    consent_recorded_at: Mapped[dt.datetime | None]
    consent_ended_at: Mapped[dt.datetime | None]  # withdrawn, or its end passed
    #: Protected personal data (skyddade personuppgifter): reads are flagged in the trail.
    protected: Mapped[bool] = mapped_column(default=False)
    # The times of the case beside `created_at` (posted), for its page and the health figures.
    first_proposed_at: Mapped[dt.datetime | None]
    accepted_at: Mapped[dt.datetime | None]
    contract_at: Mapped[dt.datetime | None]
    moved_in_on: Mapped[dt.date | None]


class SchoolRow(_Versioned, Base):
    __tablename__ = "schools"
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    municipality_code: Mapped[str] = mapped_column(ForeignKey("municipalities.code"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(200))
    lat: Mapped[float]
    lon: Mapped[float]
    free_places: Mapped[dict[str, Any]]


_UNCLOSED = text("status != 'closed'")


class RoundRow(_Versioned, Base):
    """A network's round for one month; at most one round of a network is not closed."""

    __tablename__ = "rounds"
    __table_args__ = (UniqueConstraint("network_id", "period"),
                      Index("ix_rounds_one_unclosed", "network_id", unique=True,
                            sqlite_where=_UNCLOSED, postgresql_where=_UNCLOSED))
    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    network_id: Mapped[str] = mapped_column(ForeignKey("networks.id"))
    period: Mapped[str] = mapped_column(String(7))
    status: Mapped[RoundStatus] = mapped_column(_word(RoundStatus))
    previous_status: Mapped[RoundStatus | None] = mapped_column(_word(RoundStatus))
    progress: Mapped[str] = mapped_column(String(300), default="")
    heartbeat_at: Mapped[dt.datetime | None]
    stale_after: Mapped[float | None]  # seconds its solve may stay silent before it is dead
    solve_token: Mapped[str | None] = mapped_column(String(64))
    opened_at: Mapped[dt.datetime] = mapped_column(default=now)
    published_at: Mapped[dt.datetime | None]
    closed_at: Mapped[dt.datetime | None]


class SolveRow(Base):
    """One solve of a round: the exact round file it read and the result it gave, both sealed
    (None once erased for retention)."""

    __tablename__ = "solves"
    __table_args__ = (UniqueConstraint("round_id", "seq"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[str] = mapped_column(ForeignKey("rounds.id"), index=True)
    seq: Mapped[int]
    round_file: Mapped[str | None] = mapped_column(Text)
    result: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))
    placed: Mapped[dict[str, Any]]
    seconds: Mapped[float]
    params: Mapped[dict[str, Any] | None]  # the `SolveParams` it was solved with
    solved_at: Mapped[dt.datetime] = mapped_column(default=now)
    erased_at: Mapped[dt.datetime | None]


class ProposalRow(_Versioned, Base):
    __tablename__ = "proposals"
    __table_args__ = (Index("ix_proposals_case_status", "case_id", "status"),)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    round_id: Mapped[str] = mapped_column(ForeignKey("rounds.id"), index=True)
    solve_id: Mapped[int] = mapped_column(ForeignKey("solves.id"))
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"))
    unit_id: Mapped[str] = mapped_column(ForeignKey("units.id"), index=True)
    schools: Mapped[list[Any]]
    status: Mapped[ProposalStatus] = mapped_column(_word(ProposalStatus))
    published: Mapped[bool] = mapped_column(default=False)
    decline_reason: Mapped[str | None] = mapped_column(String(40))
    decline_comment: Mapped[str | None] = mapped_column(Text)  # sealed
    answered_at: Mapped[dt.datetime | None]
    confirmed_at: Mapped[dt.datetime | None]
    answer_by: Mapped[dt.date | None]  # set when published: the last working day to answer
    reminded_at: Mapped[dt.datetime | None]  # the notice of a deadline one working day away
    moved_in_on: Mapped[dt.date | None]  # the day the household got the keys
    fell_through: Mapped[str | None] = mapped_column(String(40))  # why an accepted move failed


class MoveTaskRow(_Versioned, Base):
    """One task of an accepted proposal's move checklist, shared by both sides. Its note is
    read by both sides, so it never holds anything about the household."""

    __tablename__ = "move_tasks"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    proposal_id: Mapped[str] = mapped_column(ForeignKey("proposals.id"), index=True)
    position: Mapped[int]
    key: Mapped[str] = mapped_column(String(40))
    side: Mapped[str] = mapped_column(String(10))
    title_sv: Mapped[str] = mapped_column(String(120))
    title_en: Mapped[str] = mapped_column(String(120))
    due: Mapped[dt.date]
    status: Mapped[str] = mapped_column(String(20), default="todo")
    note: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[dt.datetime] = mapped_column(default=now, onupdate=now)
    updated_by: Mapped[int | None]
    overdue_noticed_at: Mapped[dt.datetime | None]  # its owners were told it is overdue


class LedgerEntryRow(Base):
    """Append-only: an opening balance, or one confirmed move from a sender to a receiver."""

    __tablename__ = "ledger_entries"
    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[str] = mapped_column(ForeignKey("networks.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    receiving_code: Mapped[str] = mapped_column(ForeignKey("municipalities.code"))
    sending_code: Mapped[str | None] = mapped_column(ForeignKey("municipalities.code"))
    amount: Mapped[int]
    round_id: Mapped[str | None] = mapped_column(ForeignKey("rounds.id"))
    proposal_id: Mapped[str | None] = mapped_column(ForeignKey("proposals.id"), unique=True)
    recorded_at: Mapped[dt.datetime] = mapped_column(default=now)


_UNFILED = text("network_id IS NULL")


class AuditRow(Base):
    """Append-only: who did or read what, and how it ended. Ids and words only, never content.

    Entry `seq` of its network's chain, sealed by `hash` over its fields and `previous_hash`
    (`exchange.persistence.chain`). The unique indexes keep each chain a line, never a fork.
    """

    __tablename__ = "audit"
    __table_args__ = (Index("ix_audit_chain", "network_id", "seq", unique=True),
                      Index("ix_audit_chain_unfiled", "seq", unique=True,
                            sqlite_where=_UNFILED, postgresql_where=_UNFILED))
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=now, index=True)
    user_id: Mapped[int | None]
    role: Mapped[str | None] = mapped_column(String(20))
    municipality_code: Mapped[str | None] = mapped_column(String(4))
    network_id: Mapped[str | None] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str] = mapped_column(String(20))
    object_id: Mapped[str | None] = mapped_column(String(120))
    outcome: Mapped[str] = mapped_column(String(20))
    seq: Mapped[int]
    previous_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class SignInFlowRow(Base):
    """A sign-in through an identity provider under way: the browser holds a secret whose
    SHA-256 names it; the state, nonce and PKCE verifier it was started with are used once."""

    __tablename__ = "sign_in_flows"
    id: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    network_id: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(100))
    nonce: Mapped[str] = mapped_column(String(100))
    verifier: Mapped[str] = mapped_column(String(128))
    next: Mapped[str] = mapped_column(String(500))
    expires_at: Mapped[dt.datetime]


class SignInFailureRow(Base):
    """One failed sign-in from an address, counted by the sign-in limit of every process."""

    __tablename__ = "sign_in_failures"
    __table_args__ = (Index("ix_sign_in_failures_address_at", "address", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime]


class NoticeRow(Base):
    """The outbox: an e-mail notice, written in the transaction of the event that causes it.

    It carries no household data (a count, the network, the month and a link). A sender claims
    it (`claim`, until `claimed_until`) before sending, checks the claim is still its own right
    before sending, and marks it `sent_at` after; `message_id` is unique and set when the notice
    is written, so a notice sent twice would carry one Message-ID.
    """

    __tablename__ = "notices"
    __table_args__ = (Index("ix_notices_due", "sent_at", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    network_id: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(40))
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=now)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(default=now)
    claimed_until: Mapped[dt.datetime | None]
    claim: Mapped[str | None] = mapped_column(String(32))  # whose claim it is
    sent_at: Mapped[dt.datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(100))
