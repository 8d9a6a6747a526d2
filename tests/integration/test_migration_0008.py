"""Units stored before revision 0008 get the nearest times they remember: an available unit is
published when it was created, a let or withdrawn one let or withdrawn when it last changed; a
network's idle units are then paid for by the member that pledged them."""

from __future__ import annotations

from sqlalchemy import text

from exchange.persistence.database import make_engine, upgrade
from tests.integration.test_migration_0003 import old_database  # noqa: F401 - a fixture

NETWORK = [
    "insert into networks (id, name, rules) values ('n', 'N', '{\"reciprocity_tolerance\": 1}')",
    "insert into municipalities (code, network_id, name, lat, lon) values "
    "('0127', 'n', 'Botkyrka', 59.2, 17.8)",
]
UNIT = ("insert into units (id, municipality_code, status, spec, created_at, updated_at, version) "
        "values (:id, '0127', :status, '{}', '2026-01-05 00:00:00', '2026-03-07 00:00:00', 1)")


def test_units_stored_before_get_the_times_they_remember(old_database):  # noqa: F811
    engine = make_engine(old_database)
    try:
        upgrade(engine, "0006")
        with engine.begin() as connection:
            for statement in NETWORK:
                connection.execute(text(statement))
            for status in ("draft", "available", "let", "withdrawn"):
                connection.execute(text(UNIT), {"id": status, "status": status})
        upgrade(engine)
        with engine.connect() as connection:
            times = {row[0]: tuple(str(t)[:10] if t else None for t in row[1:])
                     for row in connection.execute(text(
                         "select id, published_at, let_at, withdrawn_at from units"))}
            rule = connection.execute(text("select idle_cost_rule from networks")).scalar()
        assert times == {"draft": (None, None, None),
                         "available": ("2026-01-05", None, None),
                         "let": ("2026-01-05", "2026-03-07", None),
                         "withdrawn": ("2026-01-05", None, "2026-03-07")}
        assert rule == "pledging_member"
    finally:
        engine.dispose()
