"""Connecting to the database, migrating it, and the unit of work every service runs in."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from types import TracebackType
from typing import Self

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, object_session, sessionmaker

from exchange.persistence.sealing import Keyring, SealProblem

MIGRATIONS = Path(__file__).with_name("migrations")


def _private_file(url: str) -> None:
    """A new SQLite database file readable by its owner only (its -wal and -shm files follow)."""
    path = make_url(url).database
    if path and path != ":memory:" and not Path(path).exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))


def make_engine(url: str) -> Engine:
    """An engine for SQLite (the embedded default) or PostgreSQL (psycopg 3). Statements' values
    never appear in errors or logs (`hide_parameters`): they may be a household's.

    SQLite gets foreign keys and write-ahead logging, and each transaction starts with
    `BEGIN IMMEDIATE` (reads write audit entries), so writers queue instead of failing half-way.
    Within one process they queue on a lock, in order, rather than polling SQLite's busy timeout,
    which would add long waits under load; other processes still meet the busy timeout. A
    transaction must therefore never wait for another thread while it is open: the API opens
    one per request and ends it in the thread or event loop that holds it.
    """
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20,
                             hide_parameters=True)
    _private_file(url)
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False},
                           hide_parameters=True)
    writer = threading.Lock()  # not an RLock: FastAPI may commit on another thread than began

    @event.listens_for(engine, "connect")
    def _pragmas(connection, _record) -> None:  # type: ignore[no-untyped-def]
        connection.isolation_level = None  # let SQLAlchemy's BEGIN below take effect
        cursor = connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA recursive_triggers=ON")  # so INSERT OR REPLACE meets DELETE triggers
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")  # WAL stays consistent; fsync at checkpoints
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection) -> None:  # type: ignore[no-untyped-def]
        if not writer.acquire(timeout=30):
            raise TimeoutError("the database stayed busy for 30 s; try again")
        connection.info["writer"] = True
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            _end(connection)
            raise

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _end(connection) -> None:  # type: ignore[no-untyped-def]
        if connection.info.pop("writer", False):  # once per transaction, whatever follows
            writer.release()

    return engine


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision` with Alembic (the `exchange db upgrade` command)."""
    # Imported here: only migrating needs Alembic, and it would add about 0.3 s to the start of
    # every command, `exchange solve` included.
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def behind(engine: Engine) -> tuple[str | None, str] | None:
    """The schema's revision and the newest this version knows, when they differ (None when
    the schema is up to date)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    newest = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    return None if current == newest else (current, newest or "")


class UnitOfWork:
    """One transaction: everything in it is committed together or not at all.

    Use as `with UnitOfWork(sessions) as uow: ...; uow.commit()`; leaving the block without a
    commit rolls back.
    """

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        self.depth = 0  # how many use cases are running in it (`exchange.services.unit_of_work`)

    def __enter__(self) -> Self:
        self.session = self._sessions()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.session.rollback()
        self.session.close()

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        """Undo what the transaction did so far; the unit of work may go on."""
        self.session.rollback()

    @property
    def keyring(self) -> Keyring:
        """The data keys that seal and open sensitive fields (see `session_factory`)."""
        return _keyring(self.session)


def keyring_of(row: object) -> Keyring:
    """The data keys of the session a loaded row belongs to, to open what it holds sealed."""
    return _keyring(object_session(row))


def _keyring(session: Session | None) -> Keyring:
    keyring = session.info.get("keyring") if session is not None else None
    if keyring is None:
        raise SealProblem("no data keys were given to this database's sessions")
    return keyring


def session_factory(engine: Engine, keyring: Keyring | None = None) -> sessionmaker[Session]:
    """Sessions that keep loaded rows readable after a commit, carrying the data keys."""
    return sessionmaker(engine, expire_on_commit=False, info={"keyring": keyring})
