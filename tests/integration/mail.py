"""A real SMTP server for the tests (aiosmtpd, on 127.0.0.1), keeping every message it takes."""

from __future__ import annotations

import email
import re
import socket
import time
from email import policy
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Keep:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


class MailServer:
    """An SMTP server that can be taken down and brought back on the same port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.keep = _Keep()
        self.controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp+plain://127.0.0.1:{self.port}"

    @property
    def messages(self) -> list[Message]:
        return self.keep.messages

    def start(self) -> None:
        self.controller = Controller(self.keep, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def wait_for(self, count: int, seconds: float = 20) -> list[Message]:
        deadline = time.monotonic() + seconds
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.1)
        return self.messages


def text_of(message: Message) -> str:
    """Everything a message says: its headers and its decoded body."""
    headers = "\n".join(f"{k}: {v}" for k, v in message.items())  # decoded by the policy
    return headers + "\n" + message.get_content()  # type: ignore[attr-defined]


def _pattern(template: str, network: str, base: str) -> str:
    """A template of the notices as a regular expression: counts, months and dates free, the
    network and the service's address fixed, nothing else allowed."""
    from exchange.services.notice_texts import MONTHS

    months = "|".join(m for names in MONTHS.values() for m in names)
    text = re.escape(template)
    for name, pattern in (("count", r"\d+"), ("network", re.escape(network)),
                          ("month", rf"(?:{months}) \d{{4}}"), ("date", r"\d{4}-\d{2}-\d{2}"),
                          ("base", re.escape(base)), ("path", r"/app/(?:proposals|rounds)"),
                          ("declined", r"\d+"), ("expired", r"\d+"), ("lapsed", r"\d+")):
        text = text.replace(re.escape("{" + name + "}"), pattern)
    return text


def conforms(message: Message, network: str, base: str) -> bool:
    """Whether a notice says exactly what one of the notice texts says, with only counts,
    months, dates, the network's name and the service's links filled in: then it can carry
    nothing else, no household's data above all."""
    from exchange.services.notice_texts import CLOSED_DETAIL, FOOTER, LINK, TEXTS

    body = message.get_content().replace("\r\n", "\n")  # type: ignore[attr-defined]
    subject = str(message["Subject"])
    for texts in TEXTS.values():
        for language, (title, one, several) in texts.items():
            if not re.fullmatch(_pattern(title, network, base), subject):
                continue
            for main in (one, several):
                whole = (_pattern(main, network, base)
                         + f"(?:{_pattern(CLOSED_DETAIL[language], network, base)})?"
                         + _pattern(LINK[language], network, base)
                         + _pattern(FOOTER[language], network, base))
                if re.fullmatch(whole, body):
                    return True
    return False
