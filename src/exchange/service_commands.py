"""The service's commands: migrate, serve, load the sample, manage users, replay a round, verify
the audit trail.

The database is the one `EXCHANGE_DATABASE_URL` names (an SQLite file `exchange.db` in the
current folder by default).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from sqlalchemy import inspect

from exchange.formats import FileProblems, load_round
from exchange.generate import generate_round
from exchange.persistence.database import UnitOfWork, make_engine, session_factory, upgrade
from exchange.persistence.keys import data_keyring
from exchange.persistence.rows import NetworkRow, Role, UserRow
from exchange.persistence.sealing import Keyring, SealProblem
from exchange.services.errors import ServiceError
from exchange.services.loading import demo_users, load_network
from exchange.services.rotation import PLAIN, key_usage
from exchange.services.rounds import replay
from exchange.services.trail import ChainReport, verify_trail
from exchange.services.users import create_user, issue_token, revoke_user_tokens
from exchange.settings import Settings

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)
db = typer.Typer(help="The database: create or migrate its schema.", no_args_is_help=True)
user = typer.Typer(help="People who use the service, and their API tokens.",
                   no_args_is_help=True)
round_ = typer.Typer(help="Stored rounds.", no_args_is_help=True)
audit = typer.Typer(help="The audit trail.", no_args_is_help=True)

#: The sample network: the same generator and seed as sample_networks/sodertorn/round-2026-12.json.
SAMPLES = {"sodertorn": ("sodertorn", 120, 100, 2026)}


def open_sessions(migrate: bool = False, keyring: Keyring | None = None,
                  keys: bool = True):  # type: ignore[no-untyped-def]
    """Sessions on the configured database, with its data keys (unless `keys` is False)."""
    settings = Settings()
    keyring = keyring or (open_keyring(settings) if keys else None)
    engine = make_engine(settings.database_url)
    if migrate:
        upgrade(engine)
    elif "rounds" not in inspect(engine).get_table_names():
        fail("the database has no schema yet; run `exchange db upgrade` first")
    return session_factory(engine, keyring)


def open_keyring(settings: Settings) -> Keyring:
    """The configured data keys, or a clear refusal saying what to set."""
    try:
        return data_keyring(settings, notice=lambda line: err.print(line, highlight=False,
                                                                    markup=False))
    except SealProblem as problem:
        fail(str(problem))


def fail(message: str) -> NoReturn:
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(2)


@db.command("upgrade")
def db_upgrade() -> None:
    """Create the schema, or bring it to the newest version (safe to run again)."""
    open_sessions(migrate=True, keys=False)
    out.print(f"Database {_shown(Settings().database_url)} is up to date.")


def serve(upgrade_db: Annotated[bool, typer.Option(
              "--upgrade-db", help="Migrate the database before serving.")] = False,
          host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
          port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None) -> None:
    """Run the service: the pages at /, the HTTP API (OpenAPI at /docs)."""
    import uvicorn

    from exchange.api.app import create_app

    settings = Settings()
    settings = settings.model_copy(update={"host": host or settings.host,
                                           "port": port or settings.port})
    keyring = open_keyring(settings)
    _warn_unreadable(open_sessions(migrate=upgrade_db, keyring=keyring), keyring)
    out.print(f"Serving the housing exchange at [bold]http://{settings.host}:{settings.port}/"
              f"[/] (sign in with a user's token; API documentation at /docs) on "
              f"{_shown(settings.database_url)}", highlight=False)
    uvicorn.run(create_app(settings, keyring), host=settings.host, port=settings.port,
                log_level="info", proxy_headers=True,
                forwarded_allow_ips=settings.forwarded_allow_ips)


def _warn_unreadable(sessions, keyring: Keyring) -> None:  # type: ignore[no-untyped-def]
    """Say at start what the keys leave unsealed or cannot open, before anyone meets it."""
    with UnitOfWork(sessions) as uow:
        usage = key_usage(uow)
    if usage[PLAIN]:
        err.print(f"warning: {usage[PLAIN]} stored values are not sealed yet; run `exchange "
                  "keys rotate` to seal them", highlight=False, markup=False)
    missing = sorted(set(usage) - set(keyring.ids) - {PLAIN})
    if missing:
        err.print(f"warning: values sealed with key(s) {', '.join(missing)} cannot be read: "
                  "add those keys to EXCHANGE_DATA_KEYS or the key file", highlight=False,
                  markup=False)


def load_sample(name: Annotated[str, typer.Argument(help="sodertorn")]) -> None:
    """Load a sample network with a demo user per role and member, and print their tokens.
    Run again, it leaves the data as it is and gives the demo users fresh tokens."""
    if name not in SAMPLES:
        fail(f"no sample network {name!r}; choose one of: {', '.join(SAMPLES)}")
    sample = generate_round(*SAMPLES[name])
    _load(sample, demo=True)


def load_network_file(round_file: Annotated[Path, typer.Argument(
        help="A round file whose network, schools, units and cases to load.")]) -> None:
    """Load a network from a round file (members, rules, ledger, schools, units, open cases)."""
    try:
        loaded = load_round(round_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        fail(f"{round_file}: cannot be read ({error.__class__.__name__})")
    except FileProblems as problems:
        fail(f"{round_file} is not a valid round file:\n" + str(problems))
    _load(loaded, demo=False)


def _load(sample, demo: bool) -> None:  # type: ignore[no-untyped-def]
    sessions = open_sessions(migrate=True)
    with UnitOfWork(sessions) as uow:
        if uow.session.get(NetworkRow, sample.network.id) is None:
            load_network(uow, sample, progress=lambda line: err.print(line, highlight=False))
            out.print(f"Loaded network {sample.network.id}: {len(sample.municipalities)} "
                      f"members, {len(sample.schools)} schools, {len(sample.units)} units, "
                      f"{len(sample.cases)} cases.", highlight=False)
        elif not demo:
            fail(f"network {sample.network.id} is already loaded")
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
    days = Settings().token_days
    with UnitOfWork(open_sessions()) as uow:
        try:
            row, token = create_user(uow, name, role, municipality, days)
        except ServiceError as error:
            fail(str(error))
        uow.commit()
    out.print(f"Created user {row.id} ({row.role}, {row.municipality_code}). Her token, valid "
              f"for {days:g} days:", highlight=False)
    print(token)


@user.command("token")
def user_token(user_id: Annotated[int, typer.Argument(help="The user's id.")]) -> None:
    """Issue a fresh token to a user (hers expire) and print it as the last line."""
    days = Settings().token_days
    with UnitOfWork(open_sessions()) as uow:
        row = uow.session.get(UserRow, user_id)
        if row is None:
            fail(f"no user {user_id}; `exchange user create` makes one")
        token = issue_token(uow, row, days)
        uow.commit()
    out.print(f"A new token for user {user_id}, valid for {days:g} days:", highlight=False)
    print(token)


@user.command("revoke")
def user_revoke(user_id: Annotated[int, typer.Argument(help="The user's id.")]) -> None:
    """Revoke every token of a user at once."""
    with UnitOfWork(open_sessions()) as uow:
        count = revoke_user_tokens(uow, user_id)
        uow.commit()
    out.print(f"Revoked {count} token(s) of user {user_id}.")


@round_.command("replay")
def round_replay(round_id: Annotated[str, typer.Argument(help="The round's id.")],
                 solve: Annotated[int | None, typer.Option(
                     help="Which solve of the round [default: the last].")] = None) -> None:
    """Solve a stored round file again and check that it gives the stored proposals."""
    with UnitOfWork(open_sessions()) as uow:
        try:
            chosen, again, same = replay(uow, round_id, solve)
        except ServiceError as error:
            fail(str(error))
    if not same:
        fail(f"solve {chosen.seq} of {round_id} gives different proposals when replayed")
    out.print(f"Solve {chosen.seq} of {round_id} replayed: the same {len(again.proposals)} "
              "proposals.", highlight=False)


@audit.command("verify")
def audit_verify(network: Annotated[str | None, typer.Option(
        help="Only this network's chain [default: every chain].")] = None) -> None:
    """Walk the audit trail's hash chains and name the first broken entry of each (exit status
    1), or say how many entries verified and each chain's head (record it to notice a trail
    later cut short at its end)."""
    with UnitOfWork(open_sessions(keys=False)) as uow:  # hashes only: no sealed value is read
        try:
            reports = verify_trail(uow, network)
        except ServiceError as error:
            fail(str(error))
    broken = [report for report in reports if report.broken]
    for report in broken:
        assert report.broken is not None
        err.print(f"[bold red]broken:[/] the audit trail of {_chain(report)} is broken at entry "
                  f"{report.broken.entry_id} (number {report.broken.seq}): "
                  f"{report.broken.kind}: {report.broken.detail}; {report.verified} "
                  "entries before it verified", highlight=False)
    if broken:
        raise typer.Exit(1)
    out.print(f"Audit trail intact: {sum(r.verified for r in reports)} entries verified in "
              f"{len(reports)} chain(s).", highlight=False)
    for report in reports:
        print(f"{_chain(report)}: {report.verified} entries, head {report.head_hash}")


def _chain(report: ChainReport) -> str:
    return f"network {report.network}" if report.network is not None else "no network"


def _shown(url: str) -> str:
    """A database URL without its password."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
