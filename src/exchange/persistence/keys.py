"""Where a deployment's data keys come from: the environment, a key file, or (for the embedded
SQLite database only) a key file made beside the database on first use.

A server database (PostgreSQL) never gets a key made for it: a key written next to a server
would be lost with the container or copied with it, so the operator must say where it is.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.engine import make_url

from exchange.persistence.sealing import Keyring, SealProblem, key_line, new_key, parse_keys
from exchange.settings import Settings

Notice = Callable[[str], None]

_SET_A_KEY = ("set EXCHANGE_DATA_KEYS to KEY_ID:BASE64 (make one with `exchange keys new`) or "
              "EXCHANGE_DATA_KEY_FILE to a file holding such a line")


def _stderr(line: str) -> None:
    print(line, file=sys.stderr)


def data_keyring(settings: Settings, notice: Notice = _stderr) -> Keyring:
    """The keyring `settings` name; raises SealProblem, in words, when there is none to use."""
    if settings.data_keys is not None:
        return parse_keys(settings.data_keys.get_secret_value(), "EXCHANGE_DATA_KEYS")
    if settings.data_key_file is not None:
        return read_key_file(settings.data_key_file, "EXCHANGE_DATA_KEY_FILE", notice)
    url = make_url(settings.database_url)
    if url.get_backend_name() != "sqlite":
        raise SealProblem(f"no data key for the {url.get_backend_name()} database: {_SET_A_KEY}")
    if url.database in (None, "", ":memory:"):
        return _ephemeral()
    return _beside(Path(url.database), notice)


def key_file_of(settings: Settings) -> Path | None:
    """The key file the keys are read from, if they come from one."""
    if settings.data_keys is not None:
        return None
    if settings.data_key_file is not None:
        return settings.data_key_file
    url = make_url(settings.database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return default_key_file(Path(url.database))


def default_key_file(database: Path) -> Path:
    """The key file made beside an SQLite database: `exchange.db` gets `exchange.keys`."""
    return database.with_suffix(".keys")


def read_key_file(path: Path, source: str, notice: Notice = _stderr) -> Keyring:
    """The keys of a key file; a file others may read is named in a notice."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SealProblem(f"{source}: no key file at {path}; {_SET_A_KEY}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise SealProblem(f"{source}: the key file {path} cannot be read "
                          f"({type(error).__name__}); check its owner and mode") from None
    if os.name == "posix" and path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        notice(f"warning: the key file {path} may be read by others; run `chmod 600 {path}`")
    if (tree := work_tree_of(path)) is not None:
        notice(f"warning: the key file {path} lies inside the git work tree {tree}: never commit "
               "it (one `git add .` away). A deployment keeps its keys outside any work tree "
               "and names them with EXCHANGE_DATA_KEY_FILE or EXCHANGE_DATA_KEYS (see the "
               "README).")
    return parse_keys(text, f"{source} {path}")


def work_tree_of(path: Path) -> Path | None:
    """The git work tree holding `path` (a folder with `.git` above it), if any."""
    for folder in path.resolve().parents:
        if (folder / ".git").exists():
            return folder
    return None


def prepend_key(path: Path) -> str:
    """Make a new key the current one of a key file (the older keys stay, to open what they
    sealed); returns its id."""
    kid, key = new_key()
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    _write_private(path, key_line(kid, key) + "\n" + old, replace=True)
    return kid


def _beside(database: Path, notice: Notice) -> Keyring:
    path = default_key_file(database)
    if not path.exists():
        kid, key = new_key()
        try:
            _write_private(path, key_line(kid, key) + "\n", replace=False)
            notice(f"Made a data key {kid} in {path} (mode 0600) to seal the database's "
                   "sensitive fields. Keep it, and back it up apart from the database: without "
                   "it the sealed fields cannot be read.")
        except FileExistsError:  # another process made it at the same moment
            pass
    return read_key_file(path, "the key file beside the database", notice)


def _write_private(path: Path, text: str, replace: bool) -> None:
    """Write a file only its owner may read, never through a moment of looser mode."""
    target = path.with_name(path.name + ".new") if replace else path
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    descriptor = os.open(target, flags, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)
    if replace:
        os.replace(target, path)


def _ephemeral() -> Keyring:
    """A key for an in-memory database, which dies with the process anyway."""
    kid, key = new_key()
    return Keyring({kid: key}, kid)
