"""What the commands print, and how they fail.

Nothing read from a file or the database is printed as markup: the consoles take no Rich markup
and no emoji codes, and `shown` writes every control character of such a value as an escape,
so an id or a file name can neither steer the terminal nor hide a hyperlink. A refusal is one
`error:` line (and the problems under it) with exit status 2, never a traceback.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import NoReturn

import typer
from rich.console import Console
from rich.text import Text

out = Console(soft_wrap=True, markup=False, highlight=False, emoji=False)
err = Console(stderr=True, soft_wrap=True, markup=False, highlight=False, emoji=False)

#: The exit status of a refusal: bad input, or a state that does not allow the command.
INVALID = 2
_CONTROLS = ("Cc", "Cf", "Zl", "Zp")


def shown(value: object) -> str:
    """A value from a file or the database, safe to print: control characters (escape
    sequences, bidirectional overrides, line breaks) written as Python escapes."""
    return "".join(c.encode("unicode_escape").decode("ascii")
                   if unicodedata.category(c) in _CONTROLS else c for c in str(value))


def say(*parts: str | tuple[str, str], console: Console = out) -> None:
    """Print a line of parts: plain text, or (text, style) for emphasis; never markup."""
    console.print(Text.assemble(*parts))


def fail(message: str, problems: Iterable[str] = ()) -> NoReturn:
    """Refuse: the message (and each problem) on standard error, exit status 2."""
    say(("error:", "bold red"), " ", shown(message), console=err)
    for problem in problems:
        say("  ", shown(problem), console=err)
    raise typer.Exit(INVALID)
