"""The commands that keep the stored data safe: data keys and their rotation, retention, and
export and import of a whole network."""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path
from typing import Annotated, Any

import typer

from exchange.cli.console import err, fail, say, shown
from exchange.cli.files import read_text
from exchange.cli.service import database
from exchange.services.backup import export_network, import_network
from exchange.services.errors import ServiceError
from exchange.services.retention import purge_older_than
from exchange.services.rotation import PLAIN, check_all, key_usage, new_data_key, reseal
from exchange.settings import Settings

keys = typer.Typer(help="The data keys that seal sensitive fields.", no_args_is_help=True)


@keys.command("new")
def keys_new(print_only: Annotated[bool, typer.Option(
        "--print", help="Only print a new key line; change no file.")] = False) -> None:
    """Make a new data key. Kept in a key file, it becomes the current key there (older keys
    stay, to open what they sealed); otherwise its line is printed for EXCHANGE_DATA_KEYS."""
    try:
        made = new_data_key(Settings(), print_only)
    except OSError as error:
        fail(f"the key file cannot be written ({type(error).__name__}); check its folder and "
             "mode")
    if made.line is not None:
        say("Put this line first in EXCHANGE_DATA_KEYS (comma-separated, keep the older keys "
            "after it), then run `exchange keys rotate`:", console=err)
        print(made.line)
        return
    say(f"Key {made.kid} is now the current key in {shown(made.file)}; run `exchange keys "
        "rotate` to re-seal what older keys sealed.")


@keys.command("status")
def keys_status() -> None:
    """How many stored values each key seals, and which keys are configured."""
    opened = database()
    with opened.unit_of_work() as uow:
        usage = key_usage(uow)
    configured = opened.keyring.ids if opened.keyring else []
    say(f"Configured keys (current first): {', '.join(configured)}")
    for kid, count in sorted(usage.items()):
        note = "" if kid in configured or kid == PLAIN else " (not configured: unreadable)"
        say(f"  {shown(kid)}: {count} value(s){note}")


@keys.command("check")
def keys_check() -> None:
    """Open every sealed value with the configured keys: proof that they are the right ones."""
    with database().unit_of_work() as uow:
        opened = check_all(uow)
    say(f"All {opened} sealed values open with the configured keys.")


@keys.command("rotate")
def keys_rotate() -> None:
    """Re-seal every stored value with the current key (and seal values stored before sealing
    existed). Restart the service after `keys new` first: it reads its keys when it starts."""
    opened = database()
    moved: Counter[str] = Counter()
    while True:
        with opened.unit_of_work() as uow:
            try:
                batch = reseal(uow)
            except ServiceError as error:
                fail(f"{error} Nothing after the last batch was changed.")
        if not batch:
            break
        moved.update(batch)
    current = opened.keyring.current if opened.keyring else "?"
    done = ", ".join(f"{n} from {kid}" for kid, n in sorted(moved.items())) or "none needed"
    say(f"Re-sealed with key {current}: {done}. No stored value needs another key now; keys "
        f"other than {current} may be removed once the service has been restarted with these "
        "keys and no backup you may restore needs them.")


def purge_command(dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Only count what would be erased.")] = False) -> None:
    """Erase the sensitive fields of cases housed or withdrawn longer ago than
    EXCHANGE_RETENTION_MONTHS, and the stored round files and results of rounds closed as long
    ago. The ledger and the audit trail stay whole."""
    months = Settings().retention_months
    with database(keys=False).unit_of_work() as uow:
        found, cutoff = purge_older_than(uow, months, dry_run)
    verb = "Would erase" if dry_run else "Erased"
    say(f"{verb} the details of {found.case_count} case(s) and {found.solves} stored solve(s) "
        f"of {sum(map(len, found.rounds.values()))} round(s), closed before "
        f"{cutoff:%Y-%m-%d} ({months} months).")


def export_command(network: Annotated[str, typer.Argument(help="The network's id.")],
                   file: Annotated[Path, typer.Argument(help="The file to write (JSON).")]
                   ) -> None:
    """Write a whole network to one JSON file, its sensitive fields still sealed; the file is
    readable by its owner only. Keep it as carefully as the database."""
    if file.exists():
        fail(f"{file} exists already; give a new file name, so that no backup is overwritten")
    with database().unit_of_work() as uow:
        document = export_network(uow, network)
    try:
        descriptor = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(document, handle, ensure_ascii=False)
    except OSError as error:
        fail(f"{file}: cannot be written ({type(error).__name__}); check the folder")
    say(f"Exported network {shown(network)} to {shown(file)}: " + _counts(document["tables"]))


def import_command(file: Annotated[Path, typer.Argument(help="A file `exchange export` wrote.")]
                   ) -> None:
    """Restore a network from an export into this database, which must not hold it; all of it
    or nothing."""
    document = _export_document(file)
    with database(migrate=True).unit_of_work() as uow:
        try:
            counts = import_network(uow, document)
        except ServiceError as error:
            fail(f"{file}: {error} Nothing was imported.")
    say(f"Imported network {shown(document['network'])} from {shown(file)}: " + ", ".join(
        f"{n} {name}" for name, n in counts.items()) + ".")


def _export_document(file: Path) -> Any:
    text = read_text(file, "export")
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        fail(f"{file} is not an export: not JSON (line {error.lineno}, column {error.colno}); "
             "use an untouched copy")
    except RecursionError:
        fail(f"{file} is not an export: its JSON is nested too deeply; use an untouched copy")


def _counts(tables: dict[str, list[Any]]) -> str:
    return ", ".join(f"{len(rows)} {name}" for name, rows in tables.items()) + "."
