"""A new SQLite database is its owner's alone to read."""

from __future__ import annotations

import stat

from exchange.persistence.database import make_engine


def test_a_new_sqlite_database_file_is_readable_by_its_owner_only(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'exchange.db'}")
    with engine.begin() as connection:
        connection.exec_driver_sql("create table t (x integer)")
    engine.dispose()
    for name in ("exchange.db", "exchange.db-wal", "exchange.db-shm"):
        path = tmp_path / name
        if path.exists():
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, name
