"""The service's commands: migrate, serve, load the sample, manage users, replay a round.

The database is the one `EXCHANGE_DATABASE_URL` names (an SQLite file `exchange.db` in the
current folder by default).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy import inspect

from exchange.formats import FileProblems, load_round
from exchange.generate import generate_round
from exchange.persistence.database import UnitOfWork, make_engine, session_factory, upgrade
from exchange.persistence.rows import NetworkRow, Role
from exchange.services.errors import ServiceError
from exchange.services.loading import demo_users, load_network
from exchange.services.rounds import replay
from exchange.services.users import create_user, revoke_user_tokens
from exchange.settings import Settings

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)
db = typer.Typer(help="The database: create or migrate its schema.", no_args_is_help=True)
user = typer.Typer(help="People who use the service, and their API tokens.",
                   no_args_is_help=True)
round_ = typer.Typer(help="Stored rounds.", no_args_is_help=True)

#: The sample network: the same generator and seed as sample_networks/sodertorn/round-2026-12.json.
SAMPLES = {"sodertorn": ("sodertorn", 120, 100, 2026)}


def _sessions(migrate: bool = False):  # type: ignore[no-untyped-def]
    settings = Settings()
    engine = make_engine(settings.database_url)
    if migrate:
        upgrade(engine)
    elif "rounds" not in inspect(engine).get_table_names():
        _fail("the database has no schema yet; run `exchange db upgrade` first")
    return session_factory(engine)


def _fail(message: str) -> None:
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(2)


@db.command("upgrade")
def db_upgrade() -> None:
    """Create the schema, or bring it to the newest version (safe to run again)."""
    _sessions(migrate=True)
    out.print(f"Database {_shown(Settings().database_url)} is up to date.")


def serve(upgrade_db: Annotated[bool, typer.Option(
              "--upgrade-db", help="Migrate the database before serving.")] = False,
          host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
          port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None) -> None:
    """Run the service (HTTP API, OpenAPI at /docs)."""
    import uvicorn

    from exchange.api.app import create_app

    settings = Settings()
    settings = settings.model_copy(update={"host": host or settings.host,
                                           "port": port or settings.port})
    _sessions(migrate=upgrade_db)
    out.print(f"Serving the housing exchange at [bold]http://{settings.host}:{settings.port}/"
              f"[/] (API documentation at /docs) on {_shown(settings.database_url)}",
              highlight=False)
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port,
                log_level="info")


def load_sample(name: Annotated[str, typer.Argument(help="sodertorn")]) -> None:
    """Load a sample network with a demo user per role and member, and print their tokens.
    Run again, it leaves the data as it is and gives the demo users fresh tokens."""
    if name not in SAMPLES:
        _fail(f"no sample network {name!r}; choose one of: {', '.join(SAMPLES)}")
    sample = generate_round(*SAMPLES[name])
    _load(sample, demo=True)


def load_network_file(round_file: Annotated[Path, typer.Argument(
        help="A round file whose network, schools, units and cases to load.")]) -> None:
    """Load a network from a round file (members, rules, ledger, schools, units, open cases)."""
    try:
        loaded = load_round(round_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        _fail(f"{round_file}: cannot be read ({error.__class__.__name__})")
    except FileProblems as problems:
        _fail(f"{round_file} is not a valid round file:\n" + str(problems))
    _load(loaded, demo=False)


def _load(sample, demo: bool) -> None:  # type: ignore[no-untyped-def]
    sessions = _sessions(migrate=True)
    with UnitOfWork(sessions) as uow:
        if uow.session.get(NetworkRow, sample.network.id) is None:
            load_network(uow, sample, progress=lambda line: err.print(line, highlight=False))
            out.print(f"Loaded network {sample.network.id}: {len(sample.municipalities)} "
                      f"members, {len(sample.schools)} schools, {len(sample.units)} units, "
                      f"{len(sample.cases)} cases.", highlight=False)
        elif not demo:
            _fail(f"network {sample.network.id} is already loaded")
        else:
            out.print(f"Network {sample.network.id} is already loaded; new demo tokens follow "
                      "(the earlier ones no longer work).", highlight=False)
        issued = demo_users(uow, sample.network.id) if demo else []
        uow.commit()
    if issued:  # plain lines, never a table that a narrow terminal would cut short
        out.print("Demo users: municipality, role and API token (shown only this once):")
        for row, token in issued:
            print(f"{row.municipality_code}  {row.role:<16} {token}")


@user.command("create")
def user_create(
    name: Annotated[str, typer.Option(help="The person's name.")],
    role: Annotated[Role, typer.Option(help="What she does in the network.")],
    municipality: Annotated[str, typer.Option(help="Her municipality's four-digit code.")],
) -> None:
    """Create a user and print her API token as the last line (it is shown only once)."""
    with UnitOfWork(_sessions()) as uow:
        try:
            row, token = create_user(uow, name, role, municipality)
        except ServiceError as error:
            _fail(str(error))
        uow.commit()
    out.print(f"Created user {row.id} ({row.role}, {row.municipality_code}). Her token:",
              highlight=False)
    print(token)


@user.command("revoke")
def user_revoke(user_id: Annotated[int, typer.Argument(help="The user's id.")]) -> None:
    """Revoke every token of a user at once."""
    with UnitOfWork(_sessions()) as uow:
        count = revoke_user_tokens(uow, user_id)
        uow.commit()
    out.print(f"Revoked {count} token(s) of user {user_id}.")


@round_.command("replay")
def round_replay(round_id: Annotated[str, typer.Argument(help="The round's id.")],
                 solve: Annotated[int | None, typer.Option(
                     help="Which solve of the round [default: the last].")] = None) -> None:
    """Solve a stored round file again and check that it gives the stored proposals."""
    with UnitOfWork(_sessions()) as uow:
        try:
            chosen, again, same = replay(uow, round_id, solve)
        except ServiceError as error:
            _fail(str(error))
    if not same:
        _fail(f"solve {chosen.seq} of {round_id} gives different proposals when replayed")
    out.print(f"Solve {chosen.seq} of {round_id} replayed: the same {len(again.proposals)} "
              "proposals.", highlight=False)


def _shown(url: str) -> str:
    """A database URL without its password."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
