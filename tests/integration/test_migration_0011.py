"""Cases stored before revision 0011 keep no consent (they stay out of rounds until their case
worker records one), carry no protected mark, and get the times their proposals remember."""

from __future__ import annotations

from sqlalchemy import text

from exchange.persistence.database import make_engine, upgrade
from tests.integration.test_migration_0003 import old_database  # noqa: F401 - a fixture

ROWS = [
    "insert into networks (id, name, rules) values ('n', 'N', '{\"reciprocity_tolerance\": 1}')",
    "insert into municipalities (code, network_id, name, lat, lon) values "
    "('0127', 'n', 'Botkyrka', 59.2, 17.8)",
    "insert into units (id, municipality_code, status, spec, created_at, updated_at, version) "
    "values ('u', '0127', 'let', '{}', '2026-01-05 00:00:00', '2026-03-07 00:00:00', 1)",
    "insert into rounds (id, network_id, period, status, progress, opened_at, published_at, "
    "version) values ('n-2026-03', 'n', '2026-03', 'published', '', '2026-03-01 00:00:00', "
    "'2026-03-02 00:00:00', 1)",
    "insert into solves (id, round_id, seq, status, placed, seconds, solved_at) values "
    "(1, 'n-2026-03', 1, 'optimal', '{}', 0.1, '2026-03-01 00:00:00')",
]
CASE = ("insert into cases (id, municipality_code, status, urgency, waiting_since, spec, "
        "created_at, updated_at, version) values (:id, '0127', :status, 'acute', '2026-01-01', "
        "'{}', '2026-01-05 00:00:00', '2026-03-07 00:00:00', 1)")
PROPOSAL = ("insert into proposals (id, round_id, solve_id, case_id, unit_id, schools, status, "
            "published, answered_at, confirmed_at, version) values ('p', 'n-2026-03', 1, "
            "'housed', 'u', '[]', 'confirmed', true, '2026-03-04 00:00:00', "
            "'2026-03-09 00:00:00', 1)")


def test_cases_stored_before_keep_no_consent_and_get_their_times(old_database):  # noqa: F811
    engine = make_engine(old_database)
    try:
        upgrade(engine, "0010")
        with engine.begin() as connection:
            for statement in ROWS:
                connection.execute(text(statement))
            for case_id, status in (("open", "open"), ("housed", "housed")):
                connection.execute(text(CASE), {"id": case_id, "status": status})
            connection.execute(text(PROPOSAL))
        upgrade(engine)
        with engine.connect() as connection:
            found = {row[0]: tuple(str(v)[:10] if v is not None else None for v in row[1:])
                     for row in connection.execute(text(
                         "select id, consent_given, protected, first_proposed_at, "
                         "accepted_at, contract_at from cases"))}
            tasks = connection.execute(text("select count(*) from move_tasks")).scalar()
        not_protected = ("0", "False", "false")
        assert found["open"][0] is None and found["open"][1] in not_protected
        assert found["open"][2:] == (None, None, None)
        assert found["housed"][0] is None and found["housed"][1] in not_protected
        assert found["housed"][2:] == ("2026-03-02", "2026-03-04", "2026-03-09")
        assert tasks == 0
    finally:
        engine.dispose()
