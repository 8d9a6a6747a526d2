"""The mailer's reading of EXCHANGE_SMTP_URL, the messages it makes, and the backoff."""

from __future__ import annotations

import pytest

from exchange.services.outbox import Mailer, Outgoing, backoff


def test_each_scheme_names_its_tls_and_port() -> None:
    assert (Mailer("smtp://u:p%40ss@mail.example:2525", "a@b.se", "x").port,
            Mailer("smtp://mail.example", "a@b.se", "x").port,
            Mailer("smtps://mail.example", "a@b.se", "x").port) == (2525, 587, 465)
    assert Mailer("smtp://u:p%40ss@mail.example", "a@b.se", "x").password == "p@ss"
    with pytest.raises(ValueError, match="smtp://, smtps:// or smtp\\+plain://"):
        Mailer("http://mail.example", "a@b.se", "x")


def test_a_message_carries_the_notices_own_message_id_and_full_links() -> None:
    notice = Outgoing(1, "abc123", "anna@example.se", "Nya bostadsförslag",
                      "Öppna tjänsten: {base}/app/proposals")
    message = Mailer("smtp://mail.example", "bostadsbyte@kommun.se",
                     "https://bostadsbyte.example.se/").message(notice)
    assert message["Message-ID"] == "<abc123@kommun.se>"
    assert message.get_content().strip() == \
        "Öppna tjänsten: https://bostadsbyte.example.se/app/proposals"


def test_backoff_doubles_from_half_a_minute_up_to_an_hour() -> None:
    assert [backoff(n) for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert backoff(20) == 3600
