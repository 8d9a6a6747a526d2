"""The service's commands: migrate, serve, load the sample or a network, manage users, replay a
round, verify the audit trail.

The database is the one `EXCHANGE_DATABASE_URL` names (an SQLite file `exchange.db` in the
current folder by default).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from exchange.cli.console import err, fail, say, shown
from exchange.cli.files import read_round, read_text
from exchange.domain.lifecycle import Role
from exchange.domain.model import Round
from exchange.formats import FileProblems
from exchange.generate import generate_round
from exchange.history import History, generate_history, load_history
from exchange.services.database import Database, open_database
from exchange.services.errors import FieldProblem, Invalid
from exchange.services.loading import load
from exchange.services.people import PersonCreate, register_person
from exchange.services.rotation import PLAIN, key_usage
from exchange.services.rounds import replay
from exchange.services.trail import ChainReport, verify_trail
from exchange.services.users import create_user, renew_token, revoke_user_tokens
from exchange.settings import Settings

db = typer.Typer(help="The database: create or migrate its schema.", no_args_is_help=True)
user = typer.Typer(help="People who use the service, and their API tokens.",
                   no_args_is_help=True)
round_ = typer.Typer(help="Stored rounds.", no_args_is_help=True)
audit = typer.Typer(help="The audit trail.", no_args_is_help=True)

#: The sample network: the same generator and seed as sample_networks/sodertorn/round-2026-12.json.
SAMPLES = {"sodertorn": ("sodertorn", 120, 100, 2026)}
#: Months of closed rounds the sample network has lived before its round, and their seed.
SAMPLE_HISTORY = (24, 2026)


def database(migrate: bool = False, keys: bool = True) -> Database:
    """The configured database, its data keys opened (notices on standard error)."""
    return open_database(Settings(), migrate=migrate, keys=keys,
                         notice=lambda line: say(shown(line), console=err))


@db.command("upgrade")
def db_upgrade() -> None:
    """Create the schema, or bring it to the newest version (safe to run again)."""
    opened = database(migrate=True, keys=False)
    say(f"Database {shown(opened.shown_url())} is up to date.")


def serve(upgrade_db: Annotated[bool, typer.Option(
              "--upgrade-db", help="Migrate the database before serving.")] = False,
          host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
          port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None) -> None:
    """Run the service: the pages at /, the HTTP API (OpenAPI at /docs)."""
    import uvicorn

    from exchange.app import create_app

    settings = Settings()
    settings = settings.model_copy(update={"host": host or settings.host,
                                           "port": port or settings.port})
    opened = database(migrate=upgrade_db)
    _warn_unreadable(opened)
    say("Serving the housing exchange at ",
        (f"http://{settings.host}:{settings.port}/", "bold"),
        f" (sign in with a user's token; API documentation at /docs) on "
        f"{shown(opened.shown_url())}")
    uvicorn.run(create_app(settings, opened), host=settings.host, port=settings.port,
                # the sign-in limit reads X-Forwarded-For itself, from the configured proxies only
                log_level="info", proxy_headers=False)


def _warn_unreadable(opened: Database) -> None:
    """Say at start what the keys leave unsealed or cannot open, before anyone meets it."""
    with opened.unit_of_work() as uow:
        usage = key_usage(uow)
    if usage[PLAIN]:
        say(f"warning: {usage[PLAIN]} stored values are not sealed yet; run `exchange keys "
            "rotate` to seal them", console=err)
    missing = sorted(set(usage) - set(opened.keyring.ids if opened.keyring else ()) - {PLAIN})
    if missing:
        say(f"warning: values sealed with key(s) {', '.join(missing)} cannot be read: add those "
            "keys to EXCHANGE_DATA_KEYS or the key file", console=err)


def load_sample(name: Annotated[str, typer.Argument(help="sodertorn")]) -> None:
    """Load a sample network with a demo user per role and member, and print their tokens.
    Run again, it leaves the data as it is and gives the demo users fresh tokens."""
    if name not in SAMPLES:
        fail(f"no sample network {name!r}; choose one of: {', '.join(SAMPLES)}")
    sample = generate_round(*SAMPLES[name])
    _load(sample, demo=True, history=lambda: generate_history(sample, *SAMPLE_HISTORY))


def load_network_file(round_file: Annotated[Path, typer.Argument(
        help="A round file whose network, schools, units and cases to load.")],
        history: Annotated[Path | None, typer.Option(
            help="A history file of the network's closed rounds (`exchange generate --months`)."
        )] = None) -> None:
    """Load a network from a round file (members, rules, ledger, schools, units, open cases),
    and its past rounds from a history file."""
    round_ = read_round(round_file)
    past = read_history(history) if history is not None else None
    _load(round_, demo=False, history=(lambda: past) if past else None)


def read_history(path: Path) -> History:
    """A valid history file, or a refusal listing every problem in it."""
    try:
        return load_history(read_text(path, "history"))
    except FileProblems as problems:
        fail(f"{path} is not a valid history file:", [str(p) for p in problems.problems])


def _load(sample: Round, demo: bool, history: Callable[[], History | None] | None) -> None:
    with database(migrate=True).unit_of_work() as uow:
        loaded = load(uow, sample, demo, progress=lambda line: say(line, console=err),
                      history=history)
    network = shown(loaded.network)
    if loaded.new:
        say(f"Loaded network {network}: {len(sample.municipalities)} members, "
            f"{len(sample.schools)} schools, {len(sample.units)} units, {len(sample.cases)} "
            "cases" + (f"; {loaded.past} closed past rounds." if loaded.past else "."))
    else:
        say(f"Network {network} is already loaded; new demo tokens follow (the earlier ones "
            "no longer work).")
    if loaded.issued:  # plain lines, never a table that a narrow terminal would cut short
        say("Demo users: municipality, role and API token (shown only this once):")
        for issued in loaded.issued:
            print(f"{issued.municipality}  {issued.role:<16} {issued.token}")


@user.command("create")
def user_create(
    name: Annotated[str, typer.Option(help="The person's name.")],
    role: Annotated[Role, typer.Option(help="What she does in the network.")],
    municipality: Annotated[str, typer.Option(help="Her municipality's four-digit code.")],
    email: Annotated[str | None, typer.Option(
        help="Her e-mail: she signs in through the network's identity provider with it, and "
        "gets notices there.")] = None,
    subject: Annotated[str | None, typer.Option(
        help="With --email: her subject (sub) at the identity provider, where the e-mail may "
        "change; she is then known by it alone.")
    ] = None,
    language: Annotated[str, typer.Option(help="sv or en: the language of her notices.")] = "sv",
) -> None:
    """Register a person. With --email (and --subject where the provider's e-mail may change)
    she signs in through the network's identity provider; without, she gets an API token,
    printed as the last line (shown only once)."""
    days = Settings().token_days
    if subject is not None and email is None:
        raise Invalid([FieldProblem("subject", "needs --email beside it")])
    with database().unit_of_work() as uow:
        if email is None:
            issued = create_user(uow, name, role, municipality, days)
        else:
            person = register_person(uow, None, _person(name, role, municipality, email,
                                                        subject, language))
    if email is None:
        say(f"Created user {issued.user_id} ({issued.role}, {issued.municipality}). Her "
            f"token, valid for {days:g} days:")
        print(issued.token)
        return
    say(f"Registered user {person.id} ({person.role}, {person.municipality}); she signs in "
        "through the network's identity provider.")


def _person(name: str, role: Role, municipality: str, email: str | None, subject: str | None,
            language: str) -> PersonCreate:
    try:
        return PersonCreate.model_validate({
            "name": name, "role": role, "municipality": municipality, "email": email,
            "subject": subject, "language": language})
    except ValidationError as error:
        raise Invalid([FieldProblem(".".join(map(str, e["loc"])) or "person", e["msg"])
                       for e in error.errors()]) from None


@user.command("token")
def user_token(user_id: Annotated[int, typer.Argument(help="The user's id.")]) -> None:
    """Issue a fresh token to a user (hers expire) and print it as the last line."""
    days = Settings().token_days
    with database().unit_of_work() as uow:
        issued = renew_token(uow, user_id, days)
    say(f"A new token for user {user_id}, valid for {days:g} days:")
    print(issued.token)


@user.command("revoke")
def user_revoke(user_id: Annotated[int, typer.Argument(help="The user's id.")]) -> None:
    """Revoke every token of a user at once."""
    with database().unit_of_work() as uow:
        count = revoke_user_tokens(uow, user_id)
    say(f"Revoked {count} token(s) of user {user_id}.")


@round_.command("replay")
def round_replay(round_id: Annotated[str, typer.Argument(help="The round's id.")],
                 solve: Annotated[int | None, typer.Option(
                     help="Which solve of the round [default: the last].")] = None) -> None:
    """Solve a stored round file again, with the parameters it was solved with, and check that
    it gives the stored proposals."""
    with database().unit_of_work() as uow:
        replayed = replay(uow, round_id, solve)
    if not replayed.same:
        fail(f"solve {replayed.seq} of {round_id} gives different proposals when replayed")
    say(f"Solve {replayed.seq} of {shown(round_id)} replayed: the same {replayed.proposals} "
        "proposals.")


@audit.command("verify")
def audit_verify(network: Annotated[str | None, typer.Option(
        help="Only this network's chain [default: every chain].")] = None) -> None:
    """Walk the audit trail's hash chains and name the first broken entry of each (exit status
    1), or say how many entries verified and each chain's head (record it to notice a trail
    later cut short at its end)."""
    with database(keys=False).unit_of_work() as uow:  # hashes only: no sealed value is read
        reports = verify_trail(uow, network)
    broken = [report for report in reports if report.broken]
    for report in broken:
        assert report.broken is not None
        say(("broken:", "bold red"), f" the audit trail of {_chain(report)} is broken at entry "
            f"{report.broken.entry_id} (number {report.broken.seq}): {report.broken.kind}: "
            f"{report.broken.detail}; {report.verified} entries before it verified",
            console=err)
    if broken:
        raise typer.Exit(1)
    say(f"Audit trail intact: {sum(r.verified for r in reports)} entries verified in "
        f"{len(reports)} chain(s).")
    for report in reports:
        print(f"{_chain(report)}: {report.verified} entries, head {report.head_hash}")


def _chain(report: ChainReport) -> str:
    return f"network {shown(report.network)}" if report.network is not None else "no network"
