"""Rows of an export as JSON values, and the shape of an export document, checked before any
row is written. Problems name the place in the document (`tables.cases[3].spec`), never a
value: the document holds a network's data."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Integer,
    LargeBinary,
    String,
    Table,
)

from exchange.services.errors import ServiceError


class BadExport(ServiceError):
    """An export document that cannot be imported as it is; the message says where."""

    status = 422
    title = "Not a usable export"
    code = "invalid"


def encode_row(table: Table, row: Mapping[Any, Any]) -> dict[str, Any]:
    """A row as JSON values: times and dates in ISO 8601, bytes in base64."""
    return {column.name: _encode(row[column.name]) for column in table.columns}


def decode_row(table: Table, row: dict[str, Any], index: int) -> dict[str, Any]:
    """A row of the document as the table's Python values."""
    decoded = {}
    for name, value in row.items():
        try:
            decoded[name] = _decode(table.columns[name], value)
        except (TypeError, ValueError, binascii.Error):
            raise BadExport(f"tables.{table.name}[{index}].{name}: the value does not have its "
                            "column's type; the file was altered or damaged. Use an untouched "
                            "copy.") from None
    return decoded


def validated(document: Any, format_: str, known: dict[str, Table]
              ) -> tuple[str, dict[str, list[dict[str, Any]]]]:
    """The network id and the rows by table of an export document, once its shape is right."""
    if not isinstance(document, dict) or document.get("format") != format_:
        raise BadExport(f"format: not an export of this service (expected {format_!r}); "
                        "give a file written by `exchange export`.")
    network, tables = document.get("network"), document.get("tables")
    if not isinstance(network, str) or not network:
        raise BadExport("network: missing; the file was altered or damaged.")
    if not isinstance(tables, dict):
        raise BadExport("tables: missing; the file was altered or damaged.")
    for name, rows in tables.items():
        _check_table(name, rows, known, document.get("schema"))
    return network, tables


def _check_table(name: str, rows: Any, known: dict[str, Table], schema: Any) -> None:
    if name not in known:
        raise BadExport(f"tables.{name}: no such table here; the file comes from another "
                        f"version of the service (schema {schema}); upgrade this one "
                        "(`exchange db upgrade`) or export again.")
    if not isinstance(rows, list):
        raise BadExport(f"tables.{name}: expected a list of rows.")
    columns = known[name].columns
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            raise BadExport(f"tables.{name}[{i}]: expected a row (an object).")
        unknown = sorted(set(row) - set(columns.keys()))
        if unknown:
            raise BadExport(f"tables.{name}[{i}].{unknown[0]}: no such column here; the file "
                            f"comes from another version of the service (schema {schema}); "
                            "upgrade this one (`exchange db upgrade`) or export again.")


def _encode(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return value


def _decode(column: Column[Any], value: Any) -> Any:
    """A JSON value as the column's Python value; a value of another type is a TypeError."""
    if value is None or isinstance(column.type, JSON):
        return value
    if isinstance(column.type, DateTime | Date | LargeBinary | String):
        if not isinstance(value, str):
            raise TypeError(column.name)
        if isinstance(column.type, DateTime):
            return dt.datetime.fromisoformat(value)
        if isinstance(column.type, Date):
            return dt.date.fromisoformat(value)
        if isinstance(column.type, LargeBinary):
            return base64.b64decode(value, validate=True)
        return value
    expected = {Boolean: (bool,), Integer: (int,), Float: (int, float)}
    for kind, types in expected.items():
        wrong = isinstance(value, bool) is not (kind is Boolean) or not isinstance(value, types)
        if isinstance(column.type, kind) and wrong:
            raise TypeError(column.name)
    return value


def check_references(tables: list[Table], rows: dict[str, list[dict[str, Any]]],
                     network: str) -> None:
    """The file holds one network and nothing else: every row that names a network names this
    one, and every reference (a case, a unit, a solve, a member, a token's owner) is to a row of
    the file itself, never to one of another network already in the database."""
    named = [(t.name, i) for t in tables for i, r in enumerate(rows.get(t.name, []))
             if "network_id" in t.columns and r.get("network_id") != network]
    if named:
        raise BadExport(f"tables.{named[0][0]}[{named[0][1]}].network_id: names another network "
                        f"than {network}; the file was altered. Use an untouched copy.")
    if [r.get("id") for r in rows.get("networks", [])] != [network]:
        raise BadExport(f"tables.networks: must hold network {network} and no other; the file "
                        "was altered. Use an untouched copy.")
    held: dict[tuple[str, str], set[Any]] = {}
    for table in tables:
        for foreign in table.foreign_keys:
            target = (foreign.column.table.name, foreign.column.name)
            if target not in held:
                held[target] = {r.get(target[1]) for r in rows.get(target[0], [])}
            for i, row in enumerate(rows.get(table.name, [])):
                value = row.get(foreign.parent.name)
                if value is not None and value not in held[target]:
                    raise BadExport(
                        f"tables.{table.name}[{i}].{foreign.parent.name}: refers to a row of "
                        f"{target[0]} that the file does not hold (another network's, or none); "
                        "an import brings in one whole network and nothing else. Use an "
                        "untouched export.")
