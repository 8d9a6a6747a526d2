"""The `exchange` command: round files (validate, solve, check, generate), the service (serve,
load, users, rounds, the audit trail) and the stored data (keys, purge, export, import).

Every refusal, of a file or of a service, is one `error:` line with exit status 2 (see
`exchange.cli.console`); `main` also turns anything unexpected into a line without a traceback,
which could hold a household's data.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import typer

from exchange.cli import data, files, health, notices, service
from exchange.cli.console import err, fail, say
from exchange.formats import FileProblems
from exchange.services.errors import ServiceError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Housing exchange: safe homes in other municipalities.")


def refusing(command: Callable[..., Any]) -> Callable[..., Any]:
    """A command whose refusals (a service's, a file's) end it with an `error:` line."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except ServiceError as error:
            fail(str(error))
        except FileProblems as problems:
            fail("the file is not valid:", [str(p) for p in problems.problems])
        except RecursionError:  # nothing of ours nests deeper than a few levels
            fail("the input is nested too deeply to be read; give a file this service wrote, "
                 "or one in its format")

    return run


def _add(group: typer.Typer, name: str, command: Callable[..., Any]) -> None:
    group.command(name)(refusing(command))


for _name, _command in (("validate", files.validate), ("solve", files.solve_command),
                        ("check", files.check), ("schema", files.schema),
                        ("generate", files.generate), ("serve", service.serve),
                        ("load-sample", service.load_sample),
                        ("load-network", service.load_network_file),
                        ("purge", data.purge_command), ("export", data.export_command),
                        ("import", data.import_command), ("plan", health.plan_command),
                        ("report", health.report_command)):
    _add(app, _name, _command)
for _group, _name in ((service.db, "db"), (service.user, "user"), (service.round_, "round"),
                      (service.audit, "audit"), (data.keys, "keys"),
                      (notices.notices, "notices"), (notices.network, "network")):
    for _info in _group.registered_commands:
        _info.callback = refusing(_info.callback) if _info.callback else None
    app.add_typer(_group, name=_name)


def main() -> None:
    """Run the command; anything unexpected ends with one line and exit status 1, never a
    traceback."""
    try:
        app(prog_name="exchange")
    except Exception as error:  # a traceback could hold personal data
        say(("error:", "bold red"), f" unexpected {type(error).__name__}; nothing more is "
            "shown, since it could hold personal data. Report the command you ran.",
            console=err)
        raise SystemExit(1) from None
