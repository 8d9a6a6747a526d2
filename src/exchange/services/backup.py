"""Export and import of a whole network, as one JSON document, with sealed fields still sealed.

Rows are taken generically from the tables' columns, so a column added to a table is carried
without a change here; `SCOPES` says which rows of each table belong to a network. Ids are kept
as they are (the audit trail names users and objects by id, and a restored network must be the
same network), but for the audit entries' own storage ids (`RENUMBERED`). An import takes in one
network and nothing else: a row that refers to anything outside the file, or a trail that does
not verify, refuses the whole file before anything is written, and the import is audited in the
network's own trail. Browser sign-ins (`web_sessions`), sign-ins under way at an identity provider
and the sign-in limit's counts are left out: they end with the old database. The notice outbox
comes along (unsent notices are sent after a restore, under their own message ids).
Tokens are carried as their SHA-256 digests only (the tokens themselves are never stored), so
that people keep signing in after a restore.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Table, func, insert, select, text
from sqlalchemy.exc import SQLAlchemyError

from exchange.persistence import chain
from exchange.persistence.rows import (
    AuditRow,
    Base,
    CaseRow,
    LedgerEntryRow,
    MoveTaskRow,
    MunicipalityRow,
    NetworkRow,
    NoticeRow,
    ProposalRow,
    RoundRow,
    SchoolRow,
    SolveRow,
    TokenRow,
    UnitRow,
    UserRow,
    now,
)
from exchange.persistence.sealing import key_id
from exchange.services.access import audit
from exchange.services.backup_rows import (
    BadExport,
    check_references,
    decode_row,
    encode_row,
    validated,
)
from exchange.services.errors import Conflict, NotFound
from exchange.services.records import chunks
from exchange.services.sealed import SEALED_COLUMNS, case_spec, decline_comment, solve_text
from exchange.services.trail import walk
from exchange.services.unit_of_work import UnitOfWork, use_case

FORMAT = "exchange-export/1"
LEFT_OUT = {"web_sessions", "sign_in_flows", "sign_in_failures", "alembic_version"}
#: Tables whose rows get new ids on import: an audit entry's id only says where it is stored
#: (its network and number place it in its chain), and this database's own entries, such as
#: the import's, take ids that another network's entries may hold.
RENUMBERED = {"audit"}
#: What every audit entry holds, so that its chain can be walked.
_ENTRY = ("id", "seq", "previous_hash", "hash", "at", "action", "object_type", "outcome")


def scopes(network: str) -> dict[str, ColumnElement[bool]]:
    """Which rows of each table belong to `network`."""
    members = select(MunicipalityRow.code).where(MunicipalityRow.network_id == network)
    rounds = select(RoundRow.id).where(RoundRow.network_id == network)
    return {
        "networks": NetworkRow.id == network,
        "municipalities": MunicipalityRow.network_id == network,
        "users": UserRow.municipality_code.in_(members),
        "tokens": TokenRow.user_id.in_(select(UserRow.id).where(
            UserRow.municipality_code.in_(members))),
        "schools": SchoolRow.municipality_code.in_(members),
        "units": UnitRow.municipality_code.in_(members),
        "cases": CaseRow.municipality_code.in_(members),
        "rounds": RoundRow.network_id == network,
        "solves": SolveRow.round_id.in_(rounds),
        "proposals": ProposalRow.round_id.in_(rounds),
        "move_tasks": MoveTaskRow.proposal_id.in_(
            select(ProposalRow.id).where(ProposalRow.round_id.in_(rounds))),
        "ledger_entries": LedgerEntryRow.network_id == network,
        "audit": AuditRow.network_id == network,
        "notices": NoticeRow.network_id == network,
    }


def tables() -> list[Table]:
    """The exported tables, parents before children."""
    return [t for t in Base.metadata.sorted_tables if t.name not in LEFT_OUT]


@use_case
def export_network(uow: UnitOfWork, network: str) -> dict[str, Any]:
    """The whole network as a JSON-ready document; the export itself is audited in it."""
    if uow.session.get(NetworkRow, network) is None:
        raise NotFound(f"There is no network {network!r} in this database; "
                       "`exchange load-network` or `exchange import` brings one in.")
    _refuse_unsealed(uow, network)
    audit(uow, None, "export", "network", network, network=network)
    chain.append_pending(uow.session)  # the export's own entry is in the export
    where = scopes(network)
    rows = {table.name: [encode_row(table, row._mapping) for row in uow.session.execute(
        select(table).where(where[table.name]).order_by(*table.primary_key.columns))]
        for table in tables()}
    keys = sorted({_key_of(v) for name, values in _sealed_values(rows) for v in values})
    return {"format": FORMAT, "network": network, "exported_at": now().isoformat(),
            "schema": _revision(uow), "keys": keys, "tables": rows}


@use_case
def import_network(uow: UnitOfWork, document: Any) -> dict[str, int]:
    """Restore an exported network into this database, which must hold none of its rows;
    how many rows each table received. Nothing is kept unless all of it is (the caller
    commits)."""
    network, found = validated(document, FORMAT, {t.name: t for t in tables()})
    rows = {t.name: [decode_row(t, row, i) for i, row in enumerate(found.get(t.name, []))]
            for t in tables()}
    check_references(tables(), rows, network)
    _check_trail(uow, network, rows["audit"])
    if uow.session.get(NetworkRow, network) is not None:
        raise Conflict(f"Network {network} is already in this database; an import never "
                       "overwrites. Import into a database without it.")
    _refuse_missing_keys(uow, rows)
    for table in tables():
        if table.name not in RENUMBERED:
            _refuse_taken_ids(uow, table, rows[table.name])
    for table in tables():
        _insert(uow, table, _renumbered(table, rows[table.name]))
    _refuse_foreign_rows(uow, network, rows)
    _check_sealed_open(uow, network)
    _advance_sequences(uow)
    audit(uow, None, "import", "network", network, network=network)
    return {name: len(found.get(name, [])) for name in found}


def _refuse_unsealed(uow: UnitOfWork, network: str) -> None:
    where = scopes(network)
    plain = (uow.session.scalar(select(func.count()).select_from(CaseRow).where(
        where["cases"], CaseRow.erased_at.is_(None), CaseRow.sealed_spec.is_(None))) or 0)
    plain += uow.session.scalar(select(func.count()).select_from(SolveRow).where(
        where["solves"], ~SolveRow.round_file.startswith("seal:"))) or 0
    if plain:
        raise Conflict(f"{plain} stored values of network {network} are not sealed yet; run "
                       "`exchange keys rotate` first, so that the export holds them sealed.")


def _sealed_values(rows: dict[str, list[dict[str, Any]]]) -> list[tuple[str, list[str]]]:
    return [(f"{name}.{column}", [r[column] for r in rows.get(name, [])
                                  if r.get(column) is not None])
            for name, columns in SEALED_COLUMNS.items() for column in columns]


def _key_of(value: str) -> str:
    return key_id(value) or ""


def _refuse_missing_keys(uow: UnitOfWork, rows: dict[str, list[dict[str, Any]]]) -> None:
    needed: set[str] = set()
    for where, values in _sealed_values(rows):
        if any(not isinstance(v, str) or not _key_of(v) for v in values):
            raise BadExport(f"{where} holds a value that is not sealed; an export never does, "
                            "so the file was altered. Use an untouched copy.")
        needed |= {_key_of(v) for v in values}
    missing = sorted(needed - set(uow.keyring.ids))
    if missing:
        raise Conflict(f"The file's sealed values need key(s) {', '.join(missing)}, which this "
                       "database's keys lack; add them to EXCHANGE_DATA_KEYS or the key file "
                       "after the current key, then import again.")


def _refuse_taken_ids(uow: UnitOfWork, table: Table, found: list[dict[str, Any]]) -> None:
    (key,) = table.primary_key.columns
    ids = [row[key.name] for row in found if key.name in row]
    taken = sum(uow.session.scalar(select(func.count()).select_from(table).where(
        key.in_(chunk))) or 0 for chunk in chunks(ids))
    if taken:
        raise Conflict(f"{taken} row(s) of table {table.name} have ids this database already "
                       "uses; an import keeps every id, so restore into a database that holds "
                       "none of them (a new one: `exchange db upgrade` on another "
                       "EXCHANGE_DATABASE_URL).")


def _renumbered(table: Table, found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows as inserted: those of a renumbered table get this database's next ids."""
    if table.name not in RENUMBERED:
        return found
    return [{k: v for k, v in row.items() if k != "id"}
            for row in sorted(found, key=lambda row: row["seq"])]


def _check_trail(uow: UnitOfWork, network: str, entries: list[dict[str, Any]]) -> None:
    """The file's audit trail must verify as a chain, as `exchange audit verify` would."""
    for i, entry in enumerate(entries):
        lacking = [c for c in _ENTRY if entry.get(c) is None]
        if lacking:
            raise BadExport(f"tables.audit[{i}].{lacking[0]}: missing; the file was altered or "
                            "damaged. Use an untouched copy.")
    report = walk(uow, network, sorted(entries, key=lambda e: (e["seq"], e["id"])))
    if report.broken is not None:
        raise BadExport(f"tables.audit: the audit trail does not verify at its entry "
                        f"{report.broken.entry_id} ({report.broken.kind}); the file was "
                        "altered. Use an untouched copy.")


def _insert(uow: UnitOfWork, table: Table, decoded: list[dict[str, Any]]) -> None:
    try:
        for chunk in chunks(decoded):
            uow.session.execute(insert(table), chunk)
    except SQLAlchemyError as error:
        cause = type(getattr(error, "orig", None) or error).__name__
        raise BadExport(f"tables.{table.name}: its rows do not fit this database ({cause}): a "
                        "row is missing a required value or refers to a row the file lacks. "
                        "Use an untouched export made by this version.") from None


def _refuse_foreign_rows(uow: UnitOfWork, network: str, rows: dict[str, list]) -> None:
    """Every row of the file must belong to its network, as an export would choose it."""
    where = scopes(network)
    for table in tables():
        inside = uow.session.scalar(select(func.count()).select_from(table).where(
            where[table.name])) or 0
        if inside != len(rows.get(table.name, [])):
            raise BadExport(f"tables.{table.name}: {len(rows.get(table.name, [])) - inside} "
                            f"row(s) do not belong to network {network}; the file was altered. "
                            "Use an untouched copy.")


def _check_sealed_open(uow: UnitOfWork, network: str) -> None:
    """Open every sealed value once: the keys are the right ones and nothing was moved."""
    where = scopes(network)
    for case in uow.session.scalars(select(CaseRow).where(where["cases"])):
        case_spec(case)
    for solve in uow.session.scalars(select(SolveRow).where(
            where["solves"], SolveRow.erased_at.is_(None))):
        solve_text(solve, "round_file"), solve_text(solve, "result")
    for proposal in uow.session.scalars(select(ProposalRow).where(
            where["proposals"], ProposalRow.decline_comment.is_not(None))):
        decline_comment(proposal)


def _advance_sequences(uow: UnitOfWork) -> None:
    """PostgreSQL hands out ids from sequences, which rows inserted with their ids do not
    move: each is set past the largest id now stored."""
    if uow.session.get_bind().dialect.name != "postgresql":
        return
    for table in tables():
        (key,) = table.primary_key.columns
        if key.autoincrement is True or (key.autoincrement == "auto" and
                                         key.type.python_type is int):
            uow.session.execute(text(
                f"select setval(pg_get_serial_sequence('{table.name}', '{key.name}'), "
                f"greatest((select coalesce(max({key.name}), 0) from {table.name}), "
                f"nextval(pg_get_serial_sequence('{table.name}', '{key.name}'))))"))


def _revision(uow: UnitOfWork) -> str | None:
    return uow.session.scalar(text("select version_num from alembic_version"))

