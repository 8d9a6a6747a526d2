"""The solver's progress, said in the reader's language: the engine reports in English, for
operators and logs; the pages recognise its lines and say them in words of their own."""

from __future__ import annotations

import re

from exchange.web.i18n import Translator

TIERS = "(acute|high|normal)"
#: A line's shape -> the message that says it; a line of no known shape is "working on it".
LINES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^queued"), "progress.queued"),
    (re.compile(r"^solving$"), "progress.started"),
    (re.compile(r"^(?P<pairs>\d+) eligible pairs of (?P<cases>\d+) cases and (?P<units>\d+) "
                r"units"), "progress.pairs"),
    (re.compile(rf"^{TIERS}: (?P<n>\d+) placed \(proven\)"), "progress.proven"),
    (re.compile(rf"^{TIERS}: (?P<n>\d+) placed"), "progress.tier"),
    (re.compile(r"^first answer"), "progress.first_answer"),
    (re.compile(r"^solved"), "progress.solved"),
    (re.compile(r"^failed: the solve needed more than its (?P<mb>\d+) MB"),
     "progress.failed_memory"),
    (re.compile(r"^failed"), "progress.failed"),
    (re.compile(r"^cancelled"), "progress.cancelled"),
    (re.compile(r"^stopped"), "progress.stopped"),
)


def progress_text(line: str, t: Translator) -> str:
    """A progress line in the reader's words, numbers written as she writes them."""
    for pattern, key in LINES:
        found = pattern.match(line)
        if found:
            values = {k: t.number(int(v)) for k, v in found.groupdict().items()}
            if found.re.groups and found.group(1) in ("acute", "high", "normal"):
                values["tier"] = t(f"urgency.{found.group(1)}")
            return t(key, **values)
    return t("progress.working")
