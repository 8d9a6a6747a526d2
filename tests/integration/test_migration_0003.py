"""A database from before sealing (revision 0002) upgrades with its rows intact, reads them as
they are, and has them sealed by rotation, never before."""

from __future__ import annotations

import json
import secrets

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from exchange.persistence.database import UnitOfWork, make_engine, session_factory, upgrade
from exchange.persistence.rows import CaseRow, SolveRow
from exchange.persistence.sealing import is_sealed, parse_keys
from exchange.services.rotation import PLAIN, key_usage, reseal
from exchange.services.sealed import case_spec, solve_text
from tests.integration.conftest import POSTGRES
from tests.integration.lived import MARKED
from tests.integration.service import TEST_KEYS

ROWS = [
    "insert into networks (id, name, rules) values ('n', 'N', '{\"reciprocity_tolerance\": 1}')",
    "insert into municipalities (code, network_id, name, lat, lon) values "
    "('0127', 'n', 'Botkyrka', 59.2, 17.8)",
    "insert into cases (id, municipality_code, status, urgency, waiting_since, spec, created_at,"
    " updated_at, version) values ('case-old', '0127', 'open', 'acute', '2026-09-01', :spec, "
    "'2026-10-01 00:00:00', '2026-10-01 00:00:00', 1)",
    "insert into rounds (id, network_id, period, status, progress, opened_at, version) values "
    "('n-2026-12', 'n', '2026-12', 'solved', '', '2026-12-01 00:00:00', 1)",
    "insert into solves (id, round_id, seq, round_file, result, status, placed, seconds, "
    "solved_at) values (1, 'n-2026-12', 1, :round_file, '{\"result\": 1}', 'optimal', '{}', "
    "0.1, '2026-12-01 00:00:00')",
]


@pytest.fixture(params=["sqlite", "postgresql"])
def old_database(request, tmp_path):
    """A database migrated to 0002 only."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'old.db'}"
        yield url
        return
    if not POSTGRES:
        pytest.skip("PostgreSQL tests skipped: set EXCHANGE_TEST_POSTGRES_URL to run them")
    schema, admin = f"t_{secrets.token_hex(6)}", create_engine(POSTGRES)
    with admin.begin() as connection:
        connection.execute(text(f"create schema {schema}"))
    yield make_url(POSTGRES).update_query_dict(
        {"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    with admin.begin() as connection:
        connection.execute(text(f"drop schema {schema} cascade"))
    admin.dispose()


def test_plain_rows_survive_the_upgrade_and_are_sealed_by_rotation(old_database):
    engine = make_engine(old_database)
    try:
        upgrade(engine, "0002")
        spec = json.dumps(MARKED)
        with engine.begin() as connection:
            for statement in ROWS:
                connection.execute(text(statement), {"spec": spec, "round_file": spec})
        upgrade(engine)
        sessions = session_factory(engine, parse_keys(TEST_KEYS, "test"))
        with UnitOfWork(sessions) as uow:
            assert key_usage(uow)[PLAIN] == 3  # nothing was sealed unseen
            assert case_spec(uow.session.get_one(CaseRow, "case-old"))["safety"] == \
                MARKED["safety"]
            assert sum(reseal(uow).values()) == 3
            uow.commit()
        with UnitOfWork(sessions) as uow:
            case = uow.session.get_one(CaseRow, "case-old")
            solve = uow.session.get_one(SolveRow, 1)
            assert is_sealed(case.sealed_spec or "") and "safety" not in case.spec
            assert is_sealed(solve.round_file or "") and solve_text(solve, "round_file") == spec
            assert case_spec(case)["safety"] == MARKED["safety"]
    finally:
        engine.dispose()
