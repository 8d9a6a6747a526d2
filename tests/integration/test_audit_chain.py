"""The audit trail's hash chain: it verifies, tampering is named, the database refuses changes,
concurrent appends never fork it, and `exchange audit verify` says so as an operator sees it."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import DBAPIError

from exchange.persistence.chain import GENESIS, link
from exchange.persistence.database import UnitOfWork, make_engine
from exchange.persistence.rows import AuditRow
from exchange.services.trail import verify_trail
from tests.integration.conftest import migrate
from tests.integration.service import Service, other_network, small_network


@pytest.fixture
def service(database_url):
    """Two networks whose people have read and changed a few things."""
    with Service(database_url, small_network(), other_network()) as running:
        for municipality, role, path in [("0126", "case_worker", "/cases"),
                                         ("0127", "housing_officer", "/units"),
                                         ("0126", "coordinator", "/cases"),
                                         ("1280", "case_worker", "/cases"),
                                         ("0126", "auditor", "/cases")]:  # a refusal
            running.as_(municipality, role).get(path)
        yield running


def trail(service, network="sodertorn"):
    """The ids of a network's entries, in the chain's order."""
    with UnitOfWork(service.app.state.database.sessions) as uow:
        return list(uow.session.scalars(select(AuditRow.id).where(
            AuditRow.network_id == network).order_by(AuditRow.seq)))


def verify(service, network=None):
    with UnitOfWork(service.app.state.database.sessions) as uow:
        return {report.network: report for report in verify_trail(uow, network)}


def tamper(database_url, *statements):
    """Run raw SQL as someone who owns the database would, the trail's triggers out of the way
    (PostgreSQL: replica mode, as a superuser may set; SQLite: the triggers dropped)."""
    engine = create_engine(database_url)
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("set local session_replication_role = replica"))
        else:
            connection.execute(text("drop trigger if exists audit_no_update"))
            connection.execute(text("drop trigger if exists audit_no_delete"))
        for statement in statements:
            connection.execute(text(statement))
    engine.dispose()


def test_a_trail_of_reads_changes_and_refusals_verifies_chain_by_chain(service):
    reports = verify(service)
    assert set(reports) == {"sodertorn", "skane"}
    for network, report in reports.items():
        assert report.broken is None
        assert report.verified == len(trail(service, network)) > 0
    with UnitOfWork(service.app.state.database.sessions) as uow:
        entries = [(e.seq, e.previous_hash, e.hash) for e in uow.session.scalars(select(
            AuditRow).where(AuditRow.network_id == "skane").order_by(AuditRow.seq))]
    assert [seq for seq, _, _ in entries] == list(range(1, len(entries) + 1))
    assert entries[0][1] == GENESIS
    assert all(a[2] == b[1] for a, b in zip(entries, entries[1:], strict=False))
    assert reports["skane"].head_hash == entries[-1][2]


def test_a_changed_field_is_named_and_other_networks_still_verify(service):
    ids = trail(service)
    tamper(service.app.state.settings.database_url,
           f"update audit set outcome = 'ok', object_id = 'case-0' where id = {ids[6]}")
    reports = verify(service)
    broken = reports["sodertorn"].broken
    assert (broken.entry_id, broken.seq, broken.kind) == (ids[6], 7, "changed")
    assert reports["sodertorn"].verified == 6
    assert reports["skane"].broken is None


def test_a_deleted_entry_is_named_by_the_entry_after_the_gap(service):
    ids = trail(service)
    tamper(service.app.state.settings.database_url, f"delete from audit where id = {ids[3]}")
    broken = verify(service, "sodertorn")["sodertorn"].broken
    assert (broken.entry_id, broken.kind) == (ids[4], "missing")
    assert "number 4 is missing" in broken.detail


def test_a_deleted_entry_with_the_numbers_closed_up_is_still_named(service):
    ids = trail(service)
    tamper(service.app.state.settings.database_url, f"delete from audit where id = {ids[3]}",
           "update audit set seq = -seq where network_id = 'sodertorn' and seq > 4",
           "update audit set seq = -seq - 1 where network_id = 'sodertorn' and seq < 0")
    broken = verify(service, "sodertorn")["sodertorn"].broken
    assert (broken.entry_id, broken.seq, broken.kind) == (ids[4], 4, "missing")


def test_two_swapped_entries_are_named_as_reordered(service):
    ids = trail(service)
    tamper(service.app.state.settings.database_url,
           f"update audit set seq = -1 where id = {ids[2]}",
           f"update audit set seq = 3 where id = {ids[3]}",
           f"update audit set seq = 4 where id = {ids[2]}")
    broken = verify(service, "sodertorn")["sodertorn"].broken
    assert (broken.entry_id, broken.seq, broken.kind) == (ids[3], 3, "reordered")
    assert f"sealed after entry {ids[2]}, which now stands at number 4" in broken.detail


def test_a_rewritten_entry_with_a_fresh_hash_breaks_the_next_link(service):
    """Recomputing the changed entry's own hash does not help: the next entry names it."""
    ids = trail(service)
    with UnitOfWork(service.app.state.database.sessions) as uow:
        entry = uow.session.get(AuditRow, ids[5])
        forged = link({**vars(entry), "outcome": "denied"}, entry.previous_hash)
    tamper(service.app.state.settings.database_url,
           f"update audit set outcome = 'denied', hash = '{forged}' where id = {ids[5]}")
    broken = verify(service, "sodertorn")["sodertorn"].broken
    assert (broken.entry_id, broken.kind) == (ids[6], "missing")


def test_the_database_refuses_to_change_or_remove_entries(service):
    """Through the service's own connection, as anyone who reaches the database does
    (SQLite has no TRUNCATE; its DELETE is the same refusal)."""
    engine = make_engine(service.app.state.settings.database_url)
    statements = ["update audit set outcome = 'ok'", "delete from audit"]
    if engine.dialect.name == "postgresql":
        statements += ["truncate audit", "insert into audit select * from audit limit 1 "
                       "on conflict (id) do update set outcome = 'ok'"]
    else:  # a REPLACE deletes the entry it replaces
        statements.append("insert or replace into audit select * from audit limit 1")
    for statement in statements:
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
            connection.execute(text(statement))
    engine.dispose()
    assert verify(service)["sodertorn"].verified == len(trail(service))


def test_concurrent_audited_reads_leave_chains_that_verify(service):
    """Forty reads at once, each appending to its network's chain (a page of entries each)."""
    people = [("0126", "case_worker", "/cases"), ("0127", "case_worker", "/proposals"),
              ("0128", "coordinator", "/cases"), ("1280", "case_worker", "/cases"),
              ("0136", "housing_officer", "/proposals"), ("0138", "auditor", "/audit")]
    barrier, answers = threading.Barrier(40), []

    def read(municipality, role, path):
        client = service.as_(municipality, role)
        barrier.wait()
        answers.append(client.get(path).status_code)

    threads = [threading.Thread(target=read, args=people[i % len(people)]) for i in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert answers == [200] * 40
    reports = verify(service)
    assert all(report.broken is None for report in reports.values())
    assert reports["sodertorn"].verified == len(trail(service))


def test_entries_written_before_the_chain_are_chained_by_the_migration(empty_database_url):
    migrate(empty_database_url, "0003")
    engine = create_engine(empty_database_url)
    with engine.begin() as connection:
        for i, network in enumerate(["b", "a", None, "b", "a", "b"]):
            connection.execute(text(
                "insert into audit (at, user_id, role, network_id, action, object_type, "
                "object_id, outcome) values (:at, :i, 'coordinator', :network, 'read', 'case', "
                ":object, 'ok')"), {"at": f"2026-12-0{i + 1} 10:00:00.12345{i}", "i": i,
                                   "network": network, "object": f"case-{i}"})
    migrate(empty_database_url)
    with engine.connect() as connection:
        numbered = connection.execute(text(
            "select network_id, seq from audit order by id")).all()
    engine.dispose()
    assert numbered == [("b", 1), ("a", 1), (None, 1), ("b", 2), ("a", 2), ("b", 3)]
    with Service(empty_database_url) as fresh, UnitOfWork(fresh.app.state.database.sessions) as uow:
        reports = verify_trail(uow)
    assert [(r.network, r.verified, r.broken) for r in reports] == [
        ("a", 2, None), ("b", 3, None), (None, 1, None)]


def exchange(database_url, *args):
    return subprocess.run([sys.executable, "-m", "exchange", *args], capture_output=True,
                          text=True, timeout=120, check=False,
                          env={**os.environ, "EXCHANGE_DATABASE_URL": database_url})


def test_exchange_audit_verify_reports_an_intact_trail_and_then_the_broken_entry(service):
    url = service.app.state.settings.database_url
    intact = exchange(url, "audit", "verify")
    assert intact.returncode == 0, intact.stderr
    total = len(trail(service)) + len(trail(service, "skane"))
    assert f"Audit trail intact: {total} entries verified in 2 chain(s)." in intact.stdout
    ids = trail(service)
    tamper(url, f"update audit set action = 'update' where id = {ids[1]}")
    broken = exchange(url, "audit", "verify", "--network", "sodertorn")
    assert broken.returncode == 1
    assert (f"the audit trail of network sodertorn is broken at entry {ids[1]} (number 2): "
            "changed") in broken.stderr
    unknown = exchange(url, "audit", "verify", "--network", "nowhere")
    assert unknown.returncode == 2 and "no network 'nowhere'" in unknown.stderr
    for answer in (intact, broken, unknown):
        assert "Traceback" not in answer.stdout + answer.stderr


def test_the_auditor_reads_each_entry_with_its_number_and_hashes_newest_first(service):
    """An export through the API carries the chain: each entry links to the next older one."""
    page = service.as_("0126", "auditor").get("/audit", params={"limit": 200}).json()
    items, total = page["items"], page["total"]
    assert [e["seq"] for e in items] == list(range(total, total - len(items), -1))
    assert all(newer["previous_hash"] == older["hash"]
               for newer, older in zip(items, items[1:], strict=False))
    assert items[-1]["previous_hash"] == GENESIS or len(items) < total
