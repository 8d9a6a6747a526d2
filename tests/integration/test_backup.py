"""Export and import of a whole network: the rows come back equal, sealed fields stay sealed,
and a file that does not fit is refused whole."""

from __future__ import annotations

import copy
import json
import re

import pytest
from sqlalchemy import func, select

from exchange.persistence.database import UnitOfWork, make_engine
from exchange.persistence.rows import AuditRow, NetworkRow
from exchange.persistence.sealing import key_line, new_key
from exchange.services.access import audit
from exchange.services.backup import (
    LEFT_OUT,
    RENUMBERED,
    export_network,
    import_network,
    tables,
)
from exchange.services.backup_rows import BadExport
from exchange.services.errors import Conflict
from exchange.services.sealed import Unreadable
from exchange.services.trail import verify_trail
from tests.integration.lived import live_a_round, marked_in, post_marked_case
from tests.integration.service import TEST_KEYS, Service, other_network, small_network


@pytest.fixture
def lived(database_url):
    """A network that has run a round, and another network beside it."""
    with Service(database_url, small_network(), other_network()) as running:
        post_marked_case(running)
        live_a_round(running)
        yield running


@pytest.fixture
def target(another_database_url):
    with Service(another_database_url) as empty:
        yield empty


def exported(service, network: str = "sodertorn") -> dict:
    with UnitOfWork(service.app.state.database.sessions) as uow:
        document = export_network(uow, network)
        uow.commit()
    return json.loads(json.dumps(document))  # as it is read back from the file


def restore(service, document) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with UnitOfWork(service.app.state.database.sessions) as uow:
        counts = import_network(uow, document)
        uow.commit()
    return counts


def _stored(table: str, row) -> dict:
    """A row as it must come back; audit entries are renumbered on import (`RENUMBERED`)."""
    return {k: v for k, v in row.items() if not (table in RENUMBERED and k == "id")}


def table_rows(database_url: str, network: str) -> dict[str, list[dict]]:
    from exchange.services.backup import scopes

    engine = make_engine(database_url)
    try:
        where = scopes(network)
        with engine.connect() as connection:
            return {t.name: [_stored(t.name, r._mapping) for r in connection.execute(
                select(t).where(where[t.name]).order_by(*t.primary_key.columns))]
                for t in tables()}
    finally:
        engine.dispose()


def test_every_table_is_exported_or_left_out_on_purpose():
    from exchange.persistence.rows import Base
    from exchange.services.backup import scopes

    assert {t.name for t in tables()} == set(scopes("x"))
    assert {t.name for t in Base.metadata.sorted_tables} - set(scopes("x")) <= LEFT_OUT


def test_a_network_that_ran_a_round_comes_back_row_for_row(lived, target, database_url,
                                                          another_database_url):
    document = exported(lived)
    text = json.dumps(document)
    assert marked_in(text) == [] and "seal:1:" in text
    assert all(document["tables"][name] for name in ("rounds", "solves", "proposals",
                                                     "ledger_entries", "audit", "tokens"))
    counts = restore(target, document)
    assert counts == {name: len(rows) for name, rows in document["tables"].items()}
    before, after = table_rows(database_url, "sodertorn"), table_rows(another_database_url,
                                                                      "sodertorn")
    imported = after["audit"].pop()  # the import is audited in the network's own trail
    assert (imported["action"], imported["object_id"]) == ("import", "sodertorn")
    assert before == after
    assert table_rows(another_database_url, "skane") == {t.name: [] for t in tables()}
    token = lived.tokens[("0127", "case_worker")]  # people keep signing in after a restore
    cases = target.client.get("/cases", headers={"Authorization": f"Bearer {token}"})
    assert cases.status_code == 200 and cases.json()["total"] > 0
    mine = target.client.get(f"/cases/{cases.json()['items'][0]['id']}",
                             headers={"Authorization": f"Bearer {token}"})
    assert mine.status_code == 200 and "safety" in mine.json()  # sealed, and opens here
    with UnitOfWork(target.app.state.database.sessions) as uow:
        audit(uow, None, "probe", "test", network="sodertorn")
        uow.commit()  # new ids continue after the imported ones (PostgreSQL's sequences)


def test_an_import_over_the_same_network_is_refused_and_changes_nothing(lived, database_url):
    document = exported(lived)
    before = table_rows(database_url, "sodertorn")
    with pytest.raises(Conflict, match="already in this database"):
        restore(lived, document)
    assert table_rows(database_url, "sodertorn") == before


def test_networks_of_one_database_restore_side_by_side(lived, target, database_url,
                                                      another_database_url):
    restore(target, exported(lived, "skane"))
    restore(target, exported(lived))
    for network in ("skane", "sodertorn"):
        restored = table_rows(another_database_url, network)
        assert restored["audit"].pop()["action"] == "import"
        assert restored == table_rows(database_url, network)


def test_ids_taken_in_the_target_refuse_the_whole_import(lived, another_database_url):
    document = exported(lived)
    with Service(another_database_url, other_network()) as busy, \
            pytest.raises(Conflict, match="ids this database already uses"):
        restore(busy, document)  # the busy database has users and audit entries of its own
    assert table_rows(another_database_url, "sodertorn") == {t.name: [] for t in tables()}


@pytest.mark.parametrize("damage, words", [
    (lambda d: d.update(format="something-else"), "format"),
    (lambda d: d["tables"].update(nonsense=[]), "tables.nonsense"),
    (lambda d: d["tables"]["cases"][0].update(colour="red"), "tables.cases[0].colour"),
    (lambda d: d["tables"]["cases"][0].update(created_at=17), "tables.cases[0]"),
    (lambda d: d["tables"]["cases"][0].update(sealed_spec='{"safety": {}}'), "not sealed"),
    (lambda d: d["tables"]["proposals"][0].update(case_id="case-none"),
     "tables.proposals[0].case_id"),
    (lambda d: d["tables"]["cases"][0].update(id={"$gt": ""}), "tables.cases[0].id"),
    (lambda d: d["tables"]["users"][0].update(id="7"), "tables.users[0].id"),
    (lambda d: d["tables"]["rounds"][0].update(network_id="skane"), "tables.rounds[0]"),
    (lambda d: d["tables"]["audit"][1].update(action="erase"), "tables.audit"),
    (lambda d: d["tables"]["cases"].__setitem__(0, {**d["tables"]["cases"][0],
                                                     "sealed_spec": d["tables"]["cases"][1]
                                                     ["sealed_spec"]}), "does not open"),
])
def test_a_damaged_export_is_refused_saying_where_and_nothing_is_imported(
        lived, target, another_database_url, damage, words):
    document = copy.deepcopy(exported(lived))
    damage(document)
    with pytest.raises((BadExport, Unreadable), match=re.escape(words)) as refused:
        restore(target, document)
    assert marked_in(str(refused.value)) == []
    with UnitOfWork(target.app.state.database.sessions) as uow:
        assert uow.session.scalar(select(func.count()).select_from(NetworkRow)) == 0


def test_an_import_without_the_key_its_values_need_is_refused_naming_it(lived,
                                                                         another_database_url):
    document = exported(lived)
    with Service(another_database_url, data_keys=key_line(*new_key())) as keyless, \
            pytest.raises(Conflict, match=document["keys"][0]):
        restore(keyless, document)
    assert document["keys"] == [TEST_KEYS.split(":")[0]]


def test_an_import_that_reaches_another_networks_rows_is_refused_whole(lived, target,
                                                                        another_database_url):
    """Probe finding: a crafted export of a new network held a proposal whose case was one of
    Södertörn's; it imported, and that case could then be confirmed as housed from the new
    network. An import now takes in one network's rows and nothing else."""
    restore(target, exported(lived))
    sodertorn = exported(lived)["tables"]
    crafted = copy.deepcopy(exported(lived, "skane"))
    tables_ = crafted["tables"]
    tables_["rounds"].append({**sodertorn["rounds"][0], "id": "skane-2026-12",
                              "network_id": "skane", "period": "2026-12"})
    tables_["solves"].append({**sodertorn["solves"][0], "id": 99_999, "round_id": "skane-2026-12",
                              "round_file": None, "result": None,
                              "erased_at": "2026-12-01T00:00:00"})
    tables_["proposals"].append({**sodertorn["proposals"][0], "id": "prop-crafted",
                                 "round_id": "skane-2026-12", "solve_id": 99_999,
                                 "unit_id": tables_["units"][0]["id"]})  # Södertörn's case
    before = table_rows(another_database_url, "sodertorn")
    with pytest.raises(BadExport, match=re.escape("tables.proposals[0].case_id")):
        restore(target, crafted)
    assert table_rows(another_database_url, "skane") == {t.name: [] for t in tables()}
    assert table_rows(another_database_url, "sodertorn") == before


def test_an_import_is_audited_in_the_imported_networks_trail(lived, target):
    restore(target, exported(lived, "skane"))
    with UnitOfWork(target.app.state.database.sessions) as uow:
        last = uow.session.scalars(select(AuditRow).where(AuditRow.network_id == "skane")
                                   .order_by(AuditRow.seq.desc())).first()
        assert last is not None
        assert (last.action, last.object_type, last.object_id) == ("import", "network", "skane")
        assert all(r.broken is None for r in verify_trail(uow, "skane"))
