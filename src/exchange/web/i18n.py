"""Every word the pages show comes from a message catalogue: Swedish first, English available.

Catalogues are flat JSON files in `messages/`, one per language, keyed by message id; a value
may hold `{name}` placeholders. A test keeps the catalogues complete and in step with the
templates.
"""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files

LANGUAGES = ("sv", "en")
DEFAULT = "sv"


@cache
def catalogue(lang: str) -> dict[str, str]:
    """The messages of one language."""
    return json.loads((files("exchange.web") / "messages" / f"{lang}.json").read_text("utf-8"))


class Translator:
    """`t("key", name=value)` in templates and pages; a missing key shows as itself."""

    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in LANGUAGES else DEFAULT

    def __call__(self, key: str, **values: object) -> str:
        text = catalogue(self.lang).get(key, key)
        return text.format(**values) if values else text

    def has(self, key: str) -> bool:
        return key in catalogue(self.lang)

    def number(self, value: float, digits: int = 0) -> str:
        """A number as the reader writes it: '11 880' and '1,19' in Swedish, '11,880' and
        '1.19' in English."""
        text = f"{value:,.{digits}f}"
        if self.lang == "sv":
            text = text.replace(",", "\u00a0").replace(".", ",")
        return text
