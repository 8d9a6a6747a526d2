"""The commands that keep the stored data safe: data keys and their rotation, retention, and
export and import of a whole network."""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer

from exchange.persistence.database import UnitOfWork
from exchange.persistence.keys import key_file_of, prepend_key
from exchange.persistence.rows import now
from exchange.persistence.sealing import key_line, new_key
from exchange.service_commands import err, fail, open_keyring, open_sessions, out
from exchange.services.backup import export_network, import_network
from exchange.services.errors import ServiceError
from exchange.services.retention import expired, months_before, purge
from exchange.services.rotation import PLAIN, check_all, key_usage, reseal
from exchange.settings import Settings

keys = typer.Typer(help="The data keys that seal sensitive fields.", no_args_is_help=True)


@keys.command("new")
def keys_new(print_only: Annotated[bool, typer.Option(
        "--print", help="Only print a new key line; change no file.")] = False) -> None:
    """Make a new data key. Kept in a key file, it becomes the current key there (older keys
    stay, to open what they sealed); otherwise its line is printed for EXCHANGE_DATA_KEYS."""
    settings = Settings()
    path = None if print_only else key_file_of(settings)
    if path is None:
        kid, key = new_key()
        err.print("Put this line first in EXCHANGE_DATA_KEYS (comma-separated, keep the older "
                  "keys after it), then run `exchange keys rotate`:", highlight=False)
        print(key_line(kid, key))
        return
    try:
        kid = prepend_key(path)
    except OSError as error:
        fail(f"{path}: cannot be written ({type(error).__name__}); check its folder and mode")
    out.print(f"Key {kid} is now the current key in {path}; run `exchange keys rotate` to "
              "re-seal what older keys sealed.", highlight=False)


@keys.command("status")
def keys_status() -> None:
    """How many stored values each key seals, and which keys are configured."""
    keyring = open_keyring(Settings())
    with UnitOfWork(open_sessions(keyring=keyring)) as uow:
        usage = key_usage(uow)
    out.print(f"Configured keys (current first): {', '.join(keyring.ids)}", highlight=False)
    for kid, count in sorted(usage.items()):
        note = "" if kid in keyring.ids or kid == PLAIN else " (not configured: unreadable)"
        out.print(f"  {kid}: {count} value(s){note}", highlight=False, markup=False)


@keys.command("check")
def keys_check() -> None:
    """Open every sealed value with the configured keys: proof that they are the right ones."""
    with UnitOfWork(open_sessions()) as uow:
        try:
            opened = check_all(uow)
        except ServiceError as error:
            fail(str(error))
    out.print(f"All {opened} sealed values open with the configured keys.", highlight=False)


@keys.command("rotate")
def keys_rotate() -> None:
    """Re-seal every stored value with the current key (and seal values stored before sealing
    existed). Restart the service after `keys new` first: it reads its keys when it starts."""
    keyring = open_keyring(Settings())
    sessions = open_sessions(keyring=keyring)
    moved: Counter[str] = Counter()
    while True:
        with UnitOfWork(sessions) as uow:
            try:
                batch = reseal(uow)
            except ServiceError as error:
                fail(f"{error} Nothing after the last batch was changed.")
            uow.commit()
        if not batch:
            break
        moved.update(batch)
    done = ", ".join(f"{n} from {kid}" for kid, n in sorted(moved.items())) or "none needed"
    out.print(f"Re-sealed with key {keyring.current}: {done}. No stored value needs another "
              f"key now; keys other than {keyring.current} may be removed once the service has "
              "been restarted with these keys and no backup you may restore needs them.",
              highlight=False)


def purge_command(dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Only count what would be erased.")] = False) -> None:
    """Erase the sensitive fields of cases housed or withdrawn longer ago than
    EXCHANGE_RETENTION_MONTHS, and the stored round files and results of rounds closed as long
    ago. The ledger and the audit trail stay whole."""
    settings = Settings()
    cutoff = months_before(now(), settings.retention_months)
    with UnitOfWork(open_sessions(keys=False)) as uow:
        found = expired(uow, cutoff) if dry_run else purge(uow, cutoff)
        uow.commit()
    verb = "Would erase" if dry_run else "Erased"
    out.print(f"{verb} the details of {found.case_count} case(s) and {found.solves} stored "
              f"solve(s) of {sum(map(len, found.rounds.values()))} round(s), closed before "
              f"{cutoff:%Y-%m-%d} ({settings.retention_months} months).", highlight=False)


def export_command(network: Annotated[str, typer.Argument(help="The network's id.")],
                   file: Annotated[Path, typer.Argument(help="The file to write (JSON).")]
                   ) -> None:
    """Write a whole network to one JSON file, its sensitive fields still sealed; the file is
    readable by its owner only. Keep it as carefully as the database."""
    if file.exists():
        fail(f"{file} exists already; give a new file name, so that no backup is overwritten")
    with UnitOfWork(open_sessions()) as uow:
        try:
            document = export_network(uow, network)
        except ServiceError as error:
            fail(str(error))
        uow.commit()
    try:
        descriptor = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(document, handle, ensure_ascii=False)
    except OSError as error:
        fail(f"{file}: cannot be written ({type(error).__name__}); check the folder")
    counts = {name: len(rows) for name, rows in document["tables"].items()}
    out.print(f"Exported network {network} to {file}: " + ", ".join(
        f"{n} {name}" for name, n in counts.items()) + ".", highlight=False)


def import_command(file: Annotated[Path, typer.Argument(help="A file `exchange export` wrote.")]
                   ) -> None:
    """Restore a network from an export into this database, which must not hold it; all of it
    or nothing."""
    try:
        document = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        fail(f"{file}: no such file; give the path of a file `exchange export` wrote")
    except (OSError, UnicodeDecodeError) as error:
        fail(f"{file}: cannot be read ({type(error).__name__})")
    except json.JSONDecodeError as error:
        fail(f"{file} is not an export: not JSON (line {error.lineno}, column {error.colno}); "
             "use an untouched copy")
    with UnitOfWork(open_sessions(migrate=True)) as uow:
        try:
            counts = import_network(uow, document)
        except ServiceError as error:
            fail(f"{file}: {error} Nothing was imported.")
        uow.commit()
    out.print(f"Imported network {document['network']} from {file}: " + ", ".join(
        f"{n} {name}" for name, n in counts.items()) + ".", highlight=False)
