"""A fresh, migrated database per test, on SQLite and (when a URL is given) on PostgreSQL.

PostgreSQL runs when `EXCHANGE_TEST_POSTGRES_URL` names a server (CI gives it); each test gets a
schema of its own, dropped afterwards. Without the URL those tests are reported as skipped, with
the reason; with it, a server that does not answer fails the run.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from exchange.persistence.database import make_engine, upgrade

POSTGRES = os.environ.get("EXCHANGE_TEST_POSTGRES_URL")


@pytest.fixture(scope="session")
def postgres_server() -> str:
    if not POSTGRES:
        pytest.skip("PostgreSQL tests skipped: set EXCHANGE_TEST_POSTGRES_URL to run them "
                    "(e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)")
    engine = create_engine(POSTGRES)
    try:
        with engine.connect() as connection:
            connection.execute(text("select 1"))
    except Exception as error:  # a given server that does not answer must fail the run
        pytest.fail(f"PostgreSQL at EXCHANGE_TEST_POSTGRES_URL does not answer: {error}")
    finally:
        engine.dispose()
    return POSTGRES


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """The URL of an empty database, without a schema yet."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'exchange.db'}"
        return
    yield from _postgres_schema(request.getfixturevalue("postgres_server"))


@pytest.fixture
def another_database_url(database_url: str, tmp_path) -> Iterator[str]:
    """A second empty, migrated database of the same kind (to restore a backup into)."""
    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'another.db'}"
        migrate(url)
        yield url
        return
    for url in _postgres_schema(POSTGRES or ""):  # the loop runs the schema's clean-up
        migrate(url)
        yield url


def _postgres_schema(server: str) -> Iterator[str]:
    schema = f"t_{secrets.token_hex(6)}"
    admin = create_engine(server)
    with admin.begin() as connection:
        connection.execute(text(f"create schema {schema}"))
    url = make_url(server).update_query_dict({"options": f"-csearch_path={schema}"})
    yield url.render_as_string(hide_password=False)
    with admin.begin() as connection:
        connection.execute(text(f"drop schema {schema} cascade"))
    admin.dispose()


@pytest.fixture
def database_url(empty_database_url: str) -> str:
    """The URL of an empty, migrated database."""
    migrate(empty_database_url)
    return empty_database_url


def migrate(url: str, revision: str = "head") -> None:
    """Bring the database at `url` to `revision`."""
    engine = make_engine(url)
    upgrade(engine, revision)
    engine.dispose()
