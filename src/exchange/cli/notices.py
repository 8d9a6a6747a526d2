"""The commands for answer deadlines and e-mail notices."""

from __future__ import annotations

from typing import Annotated

import typer

from exchange.cli.console import say
from exchange.cli.service import database
from exchange.services.network import set_answer_days
from exchange.services.outbox import mailer_of, outbox_counts, sender_pass
from exchange.settings import Settings

notices = typer.Typer(help="E-mail notices: the outbox and its sender.", no_args_is_help=True)
network = typer.Typer(help="A network's settings.", no_args_is_help=True)


@notices.command("send")
def notices_send() -> None:
    """One pass of the sender the service runs by itself: write the deadline reminders that
    are due, then send what waits (to EXCHANGE_SMTP_URL), and say what is left."""
    opened = database()
    sent = sender_pass(opened, mailer_of(Settings()))
    with opened.unit_of_work() as uow:
        counts = outbox_counts(uow)
    say(f"Sent {sent} notice(s) now; {counts['sent']} sent in all, {counts['waiting']} "
        "waiting" + ("" if Settings().smtp_url else " (EXCHANGE_SMTP_URL is not set)") + ".")


@network.command("answer-days")
def answer_days(
    network_id: Annotated[str, typer.Argument(help="The network's id, e.g. sodertorn.")],
    days: Annotated[int, typer.Argument(help="Swedish working days to answer a proposal.")],
) -> None:
    """Set how many working days a case worker has to answer a proposal (from the next
    publication on)."""
    with database().unit_of_work() as uow:
        set_answer_days(uow, network_id, days)
    say(f"Proposals of {network_id} published from now on are to be answered within {days} "
        "working days.")
