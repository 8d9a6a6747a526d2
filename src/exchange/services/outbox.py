"""Delivering the notice outbox through SMTP, with retries and backoff.

Each pass claims the notices that are due, one conditional UPDATE each, and commits the claim
*before* sending: a claim is a random word of the pass's own and lasts `LEASE` seconds. Right
before each message, the sender renews its claim, again by a conditional UPDATE that names its
word, and sends only if the claim is still its own: so two senders (two processes, or a sender and
`exchange notices send`) never send the same notice, even when a slow server outlasts a lease.
After the SMTP server accepted a message, the notice is marked sent. A refusal or a server that
does not answer puts the notice back with a later attempt (30 s, 1, 2, 4 ... minutes, at most an
hour apart): mail is delayed, never lost.

What a crash can still do: a process killed after the SMTP server accepted a message and before
its `sent_at` was committed (a window of one small transaction) leaves the claim to expire, and
the notice is sent again. The second copy carries the same Message-ID (made from the notice's
unique `message_id` when it was written), so mail clients that collapse duplicates show one.
Nothing else can send a notice twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from urllib.parse import unquote, urlsplit

from sqlalchemy import or_, select, update

from exchange.persistence.rows import NoticeRow, now
from exchange.services.consent import end_lapsed_consents
from exchange.services.database import Database
from exchange.services.notices import remind_deadlines, remind_overdue_tasks
from exchange.services.records import changed
from exchange.services.unit_of_work import UnitOfWork, use_case
from exchange.settings import Settings

log = logging.getLogger(__name__)
LEASE = 300.0
BATCH = 50


@dataclass(frozen=True)
class Outgoing:
    """A claimed notice, ready to send."""

    id: int
    message_id: str
    recipient: str
    subject: str
    body: str
    claim: str = ""


def backoff(attempts: int) -> float:
    """Seconds before the next attempt after `attempts` failed ones."""
    return min(3600.0, 30.0 * 2 ** max(0, attempts - 1))


@use_case
def claim_due(uow: UnitOfWork, lease: float = LEASE, batch: int = BATCH) -> list[Outgoing]:
    """Claim the notices due now (committed before any is sent)."""
    moment, claim = now(), secrets.token_hex(16)
    due = list(uow.session.scalars(select(NoticeRow.id).where(
        NoticeRow.sent_at.is_(None), NoticeRow.next_attempt_at <= moment,
        or_(NoticeRow.claimed_until.is_(None), NoticeRow.claimed_until < moment))
        .order_by(NoticeRow.id).limit(batch)))
    claimed = []
    for notice_id in due:
        won = uow.session.execute(update(NoticeRow).where(
            NoticeRow.id == notice_id, NoticeRow.sent_at.is_(None),
            or_(NoticeRow.claimed_until.is_(None), NoticeRow.claimed_until < moment))
            .values(claimed_until=moment + dt.timedelta(seconds=lease), claim=claim,
                    attempts=NoticeRow.attempts + 1)
            .execution_options(synchronize_session=False))
        if changed(won):
            claimed.append(notice_id)
    rows = uow.session.scalars(select(NoticeRow).where(NoticeRow.id.in_(claimed))
                               .order_by(NoticeRow.id))
    return [Outgoing(r.id, r.message_id, r.recipient, r.subject, r.body, claim) for r in rows]


@use_case
def still_mine(uow: UnitOfWork, notice: Outgoing, lease: float = LEASE) -> bool:
    """Renew the claim on a notice right before sending it; False when another sender took it
    over (or it was sent) meanwhile."""
    return bool(changed(uow.session.execute(update(NoticeRow).where(
        NoticeRow.id == notice.id, NoticeRow.claim == notice.claim,
        NoticeRow.sent_at.is_(None)).values(
        claimed_until=now() + dt.timedelta(seconds=lease)))))


@use_case
def mark_sent(uow: UnitOfWork, notice_id: int) -> None:
    uow.session.execute(update(NoticeRow).where(NoticeRow.id == notice_id).values(
        sent_at=now(), claimed_until=None, claim=None, last_error=None))


@use_case
def mark_failed(uow: UnitOfWork, notice_id: int, claim: str, error: str) -> None:
    """Put a notice back for a later attempt, if the claim is still this sender's; `error` is
    the kind of failure, never content."""
    row = uow.session.get_one(NoticeRow, notice_id)
    if row.claim == claim and row.sent_at is None:
        row.claimed_until, row.claim, row.last_error = None, None, error[:100]
        row.next_attempt_at = now() + dt.timedelta(seconds=backoff(row.attempts))


@use_case
def outbox_counts(uow: UnitOfWork) -> dict[str, int]:
    """How many notices are sent and waiting."""
    rows = list(uow.session.scalars(select(NoticeRow.sent_at)))
    return {"sent": sum(r is not None for r in rows), "waiting": sum(r is None for r in rows)}


class Mailer:
    """SMTP as `EXCHANGE_SMTP_URL` names it: smtp:// with STARTTLS (required), smtps:// with
    implicit TLS, smtp+plain:// without TLS (a catcher on this machine only)."""

    def __init__(self, url: str, sender: str, base: str, timeout: float = 30.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps", "smtp+plain"):
            raise ValueError("EXCHANGE_SMTP_URL must start with smtp://, smtps:// or "
                             "smtp+plain://")
        self.scheme, self.host = parts.scheme, parts.hostname or "localhost"
        self.port = parts.port or {"smtp": 587, "smtps": 465}.get(parts.scheme, 25)
        self.user = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.sender, self.base, self.timeout = sender, base.rstrip("/"), timeout

    def message(self, notice: Outgoing) -> EmailMessage:
        message = EmailMessage()
        domain = self.sender.rpartition("@")[2] or "localhost"
        message["Message-ID"] = f"<{notice.message_id}@{domain}>"
        message["From"], message["To"] = self.sender, notice.recipient
        message["Subject"], message["Date"] = notice.subject, formatdate(localtime=False)
        message.set_content(notice.body.replace("{base}", self.base))
        return message

    def send(self, notices: list[Outgoing], delivered: Callable[[Outgoing], None],
             mine: Callable[[Outgoing], bool] = lambda _: True) -> None:
        """Send each notice over one connection, if `mine(notice)` right before;
        `delivered(notice)` after each acceptance."""
        context = ssl.create_default_context()
        smtp: smtplib.SMTP = (smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                               context=context)
                              if self.scheme == "smtps" else
                              smtplib.SMTP(self.host, self.port, timeout=self.timeout))
        with smtp:
            if self.scheme == "smtp":
                smtp.starttls(context=context)
            if self.user:
                smtp.login(self.user, self.password or "")
            for notice in notices:
                if mine(notice):
                    smtp.send_message(self.message(notice))
                    delivered(notice)


def deliver_due(database: Database, mailer: Mailer) -> int:
    """One pass of the sender: claim what is due, send it, mark each; how many were sent."""
    with database.unit_of_work() as uow:
        claimed = claim_due(uow)
    if not claimed:
        return 0
    sent: list[int] = []

    def mine(notice: Outgoing) -> bool:
        with database.unit_of_work() as uow:
            return still_mine(uow, notice)

    def delivered(notice: Outgoing) -> None:
        with database.unit_of_work() as uow:
            mark_sent(uow, notice.id)
        sent.append(notice.id)

    try:
        mailer.send(claimed, delivered, mine)
    except (OSError, smtplib.SMTPException) as error:  # down, refused, TLS: try again later
        log.warning("notices not sent (%s); %d will be tried again", type(error).__name__,
                    len(claimed) - len(sent))
        with database.unit_of_work() as uow:
            for notice in claimed:
                if notice.id not in sent:
                    mark_failed(uow, notice.id, notice.claim, type(error).__name__)
    return len(sent)


def mailer_of(settings: Settings) -> Mailer | None:
    """The configured SMTP server, or None: notices then wait in the outbox."""
    if settings.smtp_url is None:
        return None
    base = settings.public_url or f"http://{settings.host}:{settings.port}"
    return Mailer(settings.smtp_url.get_secret_value(), settings.smtp_sender, base)


def sender_pass(database: Database, mailer: Mailer | None, today: dt.date | None = None
                ) -> int:
    """What the sender does every few seconds: end the cases whose consent ran out, write the
    deadline reminders that are due (once each), then deliver what is due; how many notices
    were sent."""
    with database.unit_of_work() as uow:
        end_lapsed_consents(uow, today or now().date())
    with database.unit_of_work() as uow:
        remind_deadlines(uow, today or now().date())
        remind_overdue_tasks(uow, today or now().date())
    sent = batch = deliver_due(database, mailer) if mailer is not None else 0
    while mailer is not None and batch == BATCH:  # a full batch: more may be waiting
        batch = deliver_due(database, mailer)
        sent += batch
    return sent
