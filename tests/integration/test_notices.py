"""E-mail notices through a real SMTP server (aiosmtpd): written with the event that causes them,
delivered by the sender, delayed and never lost while the server is down, never sent twice after
a restart, and never carrying a household's data."""

from __future__ import annotations

import copy
import datetime as dt
import re
import threading
import time
from collections import Counter
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select, update

from exchange.domain.working_days import add_working_days
from exchange.persistence.database import UnitOfWork
from exchange.persistence.rows import NoticeRow, ProposalRow, now
from exchange.services.outbox import Mailer, claim_due, deliver_due, sender_pass
from tests.integration.lived import live_a_round, marked_in, post_marked_case
from tests.integration.mail import MailServer, conforms, text_of
from tests.integration.service import Service, small_network

BASE = "https://exchange.example.se"


@pytest.fixture
def mail():
    server = MailServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def service(database_url):
    with Service(database_url, small_network()) as running:
        yield running


def mailer(server: MailServer) -> Mailer:
    return Mailer(server.url, "bostadsbyte@sodertorn.example", BASE, timeout=5)


def notices(service: Service) -> list[SimpleNamespace]:
    """The outbox as it is now."""
    with UnitOfWork(service.app.state.database.sessions) as uow:
        return [SimpleNamespace(**{c.key: getattr(r, c.key) for c in NoticeRow.__table__.c})
                for r in uow.session.scalars(select(NoticeRow).order_by(NoticeRow.id))]


def time_passes(service: Service) -> None:
    """Every waiting notice's next attempt and every claim are due now (as if the minutes of
    backoff, or a claim's lease, had gone by)."""
    with UnitOfWork(service.app.state.database.sessions) as uow:
        uow.session.execute(update(NoticeRow).where(NoticeRow.sent_at.is_(None)).values(
            next_attempt_at=now() - dt.timedelta(seconds=1),
            claimed_until=now() - dt.timedelta(seconds=1)))
        uow.commit()


def test_a_round_sends_counts_and_links_and_never_a_households_data(service, mail) -> None:
    post_marked_case(service, "0127")
    ids = live_a_round(service)
    sent = sender_pass(service.app.state.database, mailer(mail))
    messages = mail.wait_for(sent)
    assert sent == len(messages) == len(notices(service)) > 0
    kinds = Counter(n.kind for n in notices(service))
    assert {"published_case_worker", "published_housing_officer", "accepted", "confirmed",
            "closed"} <= set(kinds)
    members = service.as_("0126", "coordinator").get("/municipalities").json()
    assert kinds["accepted"] == kinds["confirmed"] == 1  # one officer, one case worker each
    assert kinds["closed"] == len(members)  # the demo has a coordinator per member
    every = "\n".join(text_of(m) for m in messages)
    assert marked_in(every) == []  # the leak markers of the lived round's marked case
    network = "Södertörnsnätverket Stadigvarande boende"
    assert all(conforms(m, network, BASE) for m in messages)  # counts, month, links: no more
    tampered = copy.deepcopy(messages[0])
    tampered.set_content(messages[0].get_content().replace("Svara", "Hushållet i Kiruna. Svara"))
    assert not conforms(tampered, network, BASE)  # the control: one word more and it fails
    coordinator = service.as_("0126", "coordinator")
    proposals = coordinator.get("/proposals", params={"limit": 200}).json()["items"]
    for word in {p["id"] for p in proposals} | {p["case"] for p in proposals} | \
            {p["unit"] for p in proposals} | {ids["housed"], ids["withdrawn"]}:
        assert word not in every
    assert re.search(r"Du har \d+ nya? bostadsförslag i Södertörn[^,]*, december 2026\. "
                     r"Svara senast", every)
    assert f"{BASE}/app/proposals" in every and "{base}" not in every
    assert len({m["Message-ID"] for m in messages}) == len(messages)


def test_each_person_gets_her_language_or_nothing_when_she_turned_notices_off(service,
                                                                               mail) -> None:
    service.as_("0127", "case_worker").put("/me/preferences", json={
        "language": "en", "notices": True})
    service.as_("0127", "housing_officer").put("/me/preferences", json={
        "language": "sv", "notices": False})
    post_marked_case(service, "0127")
    live_a_round(service)
    sender_pass(service.app.state.database, mailer(mail))
    to: dict[str, str] = {}
    for message in mail.messages:
        to[message["To"]] = to.get(message["To"], "") + text_of(message)
    english = to["case-worker.0127@sodertorn.example"]
    assert "new housing proposal" in english and "boende, December 2026" in english
    assert "Du har" not in english
    assert "housing-officer.0127@sodertorn.example" not in to
    swedish = [text for who, text in to.items() if who.startswith("case-worker.")
               and who != "case-worker.0127@sodertorn.example"]
    assert swedish and all("nya bostadsförslag" in t or "nytt bostadsförslag" in t
                           for t in swedish)


def test_an_smtp_server_that_is_down_delays_mail_and_loses_none(service, mail) -> None:
    live_a_round(service)
    mail.stop()
    written = len(notices(service))
    assert deliver_due(service.app.state.database, mailer(mail)) == 0
    waiting = notices(service)
    assert all(n.sent_at is None and n.attempts == 1 and n.last_error for n in waiting)
    assert all(n.next_attempt_at > now() for n in waiting)  # backed off
    assert deliver_due(service.app.state.database, mailer(mail)) == 0  # not yet due
    mail.start()
    time_passes(service)
    assert deliver_due(service.app.state.database, mailer(mail)) == written
    assert len(mail.messages) == written
    assert deliver_due(service.app.state.database, mailer(mail)) == 0


def test_a_sender_that_died_after_claiming_sends_each_notice_once(service, mail) -> None:
    live_a_round(service)
    database = service.app.state.database
    with database.unit_of_work() as uow:
        claimed = claim_due(uow)  # ... and the process dies before sending
    assert claimed and deliver_due(database, mailer(mail)) == 0  # the claims still hold
    time_passes(service)  # their lease runs out
    assert deliver_due(database, mailer(mail)) == len(claimed)
    assert deliver_due(database, mailer(mail)) == 0
    ids = [m["Message-ID"] for m in mail.messages]
    assert len(ids) == len(set(ids)) == len(claimed)


def test_a_crash_between_send_and_mark_resends_under_the_same_message_id(service,
                                                                          mail) -> None:
    """The one window left: the server took the message, the mark was never committed."""
    live_a_round(service)
    database, crashing = service.app.state.database, mailer(mail)

    def die(*args, **kwargs) -> None:
        raise SystemExit  # killed right after the server said 250

    with database.unit_of_work() as uow:
        first = claim_due(uow, batch=1)
    with pytest.raises(SystemExit):
        crashing.send(first, die)
    time_passes(service)
    deliver_due(database, mailer(mail))
    copies = [m for m in mail.messages if m["Message-ID"] == mail.messages[0]["Message-ID"]]
    assert len(copies) == 2  # a duplicate, which mail clients collapse by its Message-ID
    assert len(mail.messages) == len(notices(service)) + 1


def test_the_sender_runs_with_the_service(database_url, mail) -> None:
    with Service(database_url, small_network(), smtp_url=mail.url, notice_poll_seconds=0.2,
                 public_url=BASE) as service:
        live_a_round(service)
        assert len(mail.wait_for(len(notices(service)))) == len(notices(service))


def test_a_deadline_one_working_day_away_is_reminded_once(service, mail) -> None:
    _, made = service.published()
    worker = service.as_(made[0]["sending"], "case_worker")
    read = worker.get(f"/proposals/{made[0]['id']}").json()  # read before the reminder
    today = dt.date(2026, 12, 23)  # the next working day is the 28th
    with UnitOfWork(service.app.state.database.sessions) as uow:
        uow.session.execute(update(ProposalRow).values(answer_by=add_working_days(today, 1)))
        waiting = uow.session.scalar(select(func.count()).select_from(ProposalRow))
        uow.commit()
    database = service.app.state.database
    sender_pass(database, mailer(mail), today)
    reminders = [text_of(m) for m in mail.messages if "2026-12-28" in m["Subject"]]
    assert reminders and all("nästa arbetsdag" in r for r in reminders)
    assert sum(int(re.search(r"(\d+) bostadsförslag i Södertörn", r).group(1))
               for r in reminders) >= waiting  # every municipality's case workers hear
    before = len(mail.messages)
    sender_pass(database, mailer(mail), today)
    assert len(mail.messages) == before  # once
    answered = worker.post(f"/proposals/{made[0]['id']}/accept",
                           json={"version": read["version"]})
    assert answered.status_code == 200  # a reminder never makes her answer stale


def test_notices_left_by_a_stopped_service_are_sent_once_by_the_next(database_url,
                                                                      mail) -> None:
    """The service stops while the SMTP server is down; the next start delivers each once."""
    mail.stop()
    with Service(database_url, small_network(), smtp_url=mail.url,
                 notice_poll_seconds=0.2) as first:
        live_a_round(first)
        written = len(notices(first))
        deadline = dt.datetime.now() + dt.timedelta(seconds=20)
        while any(n.attempts == 0 for n in notices(first)) and dt.datetime.now() < deadline:
            time.sleep(0.1)  # the sender tried, and failed, before the stop
    mail.start()
    with Service(database_url, smtp_url=mail.url, notice_poll_seconds=0.2) as second:
        # the first service's sender ended its pass before it stopped: no claim is left held
        assert all(n.sent_at or (n.attempts >= 1 and n.claim is None) for n in notices(second))
        time_passes(second)  # the backoff is over (also for claims a sender is sending now)
        assert len(mail.wait_for(written)) == written
        time.sleep(1)  # a few more passes of the sender: nothing more is sent
        assert len(mail.messages) == written and all(n.sent_at for n in notices(second))


def test_two_senders_at_once_send_each_notice_once(service, mail) -> None:
    live_a_round(service)
    database, written = service.app.state.database, len(notices(service))
    counts: list[int] = []
    senders = [threading.Thread(target=lambda: counts.append(
        deliver_due(database, mailer(mail)))) for _ in range(2)]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join()
    assert sum(counts) == len(mail.messages) == written
    assert len({m["Message-ID"] for m in mail.messages}) == written
