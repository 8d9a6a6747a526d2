"""The message catalogues: complete in both languages and in step with the pages."""

from __future__ import annotations

import re
import string
from importlib.resources import files
from pathlib import Path

import pytest

from exchange.domain.lifecycle import CaseStatus, ProposalStatus, Role, RoundStatus, UnitStatus
from exchange.domain.model import Contract, Reason, Stage, Urgency
from exchange.services.health.facts import COST_RULES
from exchange.services.schemas import DeclineReason
from exchange.web.forms import _KINDS
from exchange.web.i18n import LANGUAGES, Translator, catalogue

WEB = Path(str(files("exchange.web")))
LITERAL = re.compile(r"""\bt\(\s*["']([a-z0-9_.]+)["']\s*[,)]""")

#: Keys built from a word at run time: every word must have its message.
DYNAMIC = {
    "role.{}": list(Role), "urgency.{}": list(Urgency), "round.status.{}": list(RoundStatus),
    "round.help.{}": list(RoundStatus), "proposal.status.{}": list(ProposalStatus),
    "decline.{}": list(DeclineReason), "contract.{}": list(Contract),
    "unit.status.{}": list(UnitStatus), "case.status.{}": list(CaseStatus),
    "stage.{}": list(Stage), "proposals.title.{}": list(Role),
    "reason.{}.short": list(Reason), "reason.{}.text": list(Reason),
    "reason.{}.change": list(Reason),
    "error.{}.title": ["400", "403", "404", "409", "422", "429", "500", "stale", "csrf",
                       "sign_in_down", "sign_in_refused", "sign_in_state", "unregistered"],
    "error.{}.text": ["400", "403", "404", "409", "422", "429", "500", "stale", "csrf",
                      "sign_in_down", "sign_in_refused", "sign_in_state", "unregistered"],
    "form.{}": [*set(_KINDS.values()), "invalid"],
    "health.rule.{}": list(COST_RULES),
    "health.{}": ["posted", "placed", "moved", "sent", "received", "units_pledged",
                  "units_available", "idle_units", "idle_days", "idle_days_per_unit",
                  "idle_cost_sek", "cost_carried_sek", "proposal_n", "proposal_median",
                  "proposal_p90", "move_n", "move_median", "move_p90"],
}


def used_keys() -> set[str]:
    sources = [*WEB.glob("templates/*.html"), WEB / "forms.py", WEB / "render.py",
               *WEB.glob("pages/*.py")]
    return {key for path in sources for key in LITERAL.findall(path.read_text("utf-8"))}


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_both_languages_have_the_same_messages_with_the_same_placeholders() -> None:
    swedish, english = catalogue("sv"), catalogue("en")
    assert swedish.keys() == english.keys()
    for key in swedish:
        assert swedish[key].strip() and english[key].strip(), key
        assert placeholders(swedish[key]) == placeholders(english[key]), key


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_message_the_pages_ask_for_exists(lang: str) -> None:
    keys = used_keys()
    assert len(keys) > 150  # the scan finds the pages' words at all
    wanted = keys | {pattern.format(getattr(word, "value", word))
                     for pattern, words in DYNAMIC.items() for word in words}
    assert sorted(wanted - catalogue(lang).keys()) == []


def test_no_text_is_written_into_a_template() -> None:
    """Words live in the catalogues: between tags a template holds only expressions."""
    for path in WEB.glob("templates/*.html"):
        text = re.sub(r"{[{%#].*?[}%#]}", "", path.read_text("utf-8"), flags=re.S)
        text = re.sub(r"<(script|style|svg)\b.*?</\1>", "", text, flags=re.S)
        words = [w for w in re.findall(r">([^<]+)<", text) if re.search(r"[A-Za-zÅÄÖåäö]{3}", w)]
        assert words in ([], ["English"], ["Svenska"], ["English", "Svenska"]), (path.name, words)


def test_numbers_are_written_as_each_language_writes_them() -> None:
    assert Translator("sv").number(11880) == "11\u00a0880"
    assert Translator("sv").number(1.194, 2) == "1,19"
    assert Translator("en").number(11880) == "11,880"
    assert Translator("en").number(1.194, 2) == "1.19"


def test_an_unknown_language_falls_back_to_swedish() -> None:
    assert Translator("xx")("sign_in.title") == "Logga in"
