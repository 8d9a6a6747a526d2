"""The configured database, opened once per process: where every unit of work comes from.

The service and the commands open it through here, so that nothing above the services needs to
know how it is stored: the engine, the migrations and the data keys stay in
`exchange.persistence`.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from exchange.persistence.database import (
    UnitOfWork,
    behind,
    make_engine,
    session_factory,
    upgrade,
)
from exchange.persistence.keys import data_keyring
from exchange.persistence.sealing import Keyring, SealProblem
from exchange.services.errors import ServiceError
from exchange.settings import Settings

Notice = Callable[[str], None]


class NotReady(ServiceError):
    """The database cannot be used as it is: no schema yet, or no data keys to open it."""

    status = 503
    title = "Database not ready"
    code = "not_ready"


class Database:
    """One database with its data keys (none where only hashes and counts are read)."""

    def __init__(self, settings: Settings, keyring: Keyring | None) -> None:
        self.url = settings.database_url
        self.keyring = keyring
        self.engine = make_engine(settings.database_url)
        self.sessions = session_factory(self.engine, keyring)

    def unit_of_work(self) -> UnitOfWork:
        """A new transaction; see `exchange.services.unit_of_work`."""
        return UnitOfWork(self.sessions)

    def upgrade(self) -> None:
        """Create the schema, or migrate it to the newest version."""
        upgrade(self.engine)

    def has_schema(self) -> bool:
        return "rounds" in inspect(self.engine).get_table_names()

    def answers(self) -> bool:
        """Whether the database answers a trivial query (for health checks)."""
        try:
            with self.engine.connect() as connection:
                connection.execute(text("select 1"))
        except Exception:  # any failure of the database means: not ready
            return False
        return True

    def shown_url(self) -> str:
        """The database's URL without its password, to show people."""
        return make_url(self.url).render_as_string(hide_password=True)

    def dispose(self) -> None:
        self.engine.dispose()


def keys_of(settings: Settings, notice: Notice) -> Keyring:
    """The configured data keys, or `NotReady` saying what to set."""
    try:
        return data_keyring(settings, notice=notice)
    except SealProblem as problem:
        raise NotReady(str(problem)) from None


def open_database(settings: Settings, *, migrate: bool = False, keys: bool = True,
                  keyring: Keyring | None = None,
                  notice: Notice = lambda _: None) -> Database:
    """The database `settings` name, with its data keys unless `keys` is False; migrated first
    when `migrate` is set, otherwise refused (`NotReady`) while it has no schema."""
    if keys and keyring is None:
        keyring = keys_of(settings, notice)
    database = Database(settings, keyring)
    try:
        if migrate:
            database.upgrade()
        elif not database.has_schema():
            raise NotReady("the database has no schema yet; run `exchange db upgrade` first")
        elif gap := behind(database.engine):
            raise NotReady(f"the database's schema is at revision {gap[0]}, and this version "
                           f"of the exchange needs {gap[1]}; back the database up, then run "
                           "`exchange db upgrade`")
    except OperationalError as error:
        database.dispose()
        raise NotReady(f"the database at {database.shown_url()} does not answer "
                       f"({type(error.orig or error).__name__}); check EXCHANGE_DATABASE_URL "
                       "and that its server runs") from None
    except NotReady:
        database.dispose()
        raise
    return database
