"""Reading round and result files: every problem at once, each with its JSON path.

A problem never echoes a value from a household's safety, school or income fields, so the
messages are safe to show and to log.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from exchange.domain.model import RESULT_FORMAT, ROUND_FORMAT, Result, Round

_SENSITIVE = {"safety", "keep_school", "monthly_income_sek", "income_support", "lat", "lon"}

_MESSAGES = {
    "missing": "missing; this field is required",
    "extra_forbidden": "unknown field; check its spelling against the format",
    "int_type": "expected a whole number",
    "int_parsing": "expected a whole number",
    "int_from_float": "expected a whole number",
    "float_type": "expected a number",
    "float_parsing": "expected a number",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "date_type": "expected a date as YYYY-MM-DD",
    "date_parsing": "expected a date as YYYY-MM-DD",
    "date_from_datetime_parsing": "expected a date as YYYY-MM-DD",
    "date_from_datetime_inexact": "expected a date as YYYY-MM-DD",
    "string_type": "expected text",
    "list_type": "expected a list",
    "dict_type": "expected an object",
    "model_type": "expected an object",
    "model_attributes_type": "expected an object",
    "string_pattern_mismatch": "expected a four-digit municipality code such as \"0127\"",
    "string_too_short": "must not be empty",
    "string_too_long": "is too long",
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file: where (a JSON path or a line) and what."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class FileProblems(ValueError):
    """A file that cannot be used, with every problem found in it."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def load_round(text: str) -> Round:
    """Parse and validate a round file; raise `FileProblems` listing everything wrong."""
    data = _parse(text, ROUND_FORMAT, "a round")
    problems: list[Problem] = []
    round_ = None
    try:
        round_ = Round.model_validate_json(text)
    except ValidationError as error:
        problems += [describe(e) for e in error.errors()]
    problems += _cross_checks(data)
    if problems or round_ is None:
        raise FileProblems(list(dict.fromkeys(problems)))
    return round_


def load_result(text: str) -> Result:
    """Parse and validate a result file; raise `FileProblems` listing everything wrong."""
    _parse(text, RESULT_FORMAT, "a result")
    try:
        return Result.model_validate_json(text)
    except ValidationError as error:
        raise FileProblems([describe(e) for e in error.errors()]) from None


def dump(model: Round | Result) -> str:
    """A round or result as indented JSON text, ending in a newline."""
    return model.model_dump_json(indent=2) + "\n"


def round_schema() -> dict[str, Any]:
    """The JSON Schema of the round file, generated from the models."""
    return Round.model_json_schema()


def result_schema() -> dict[str, Any]:
    """The JSON Schema of the result file, generated from the models."""
    return Result.model_json_schema()


def _parse(text: str, tag: str, what: str) -> dict[str, Any]:
    if not text.strip():
        raise FileProblems([Problem("file", f"is empty; expected {what} file in JSON ({tag})")])
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        where = f"line {error.lineno}, column {error.colno}"
        raise FileProblems([Problem(where, f"not valid JSON: {error.msg}")]) from None
    except RecursionError:  # no file of ours nests deeper than a few levels
        raise FileProblems([Problem("file", f"is JSON nested too deeply to be {what} file")]) \
            from None
    if not isinstance(data, dict):
        raise FileProblems([Problem("file", f"expected a JSON object ({what} file)")])
    if data.get("format") != tag:
        got = data.get("format")
        shown = f', got "{got}"' if isinstance(got, str) and len(got) < 40 else ""
        raise FileProblems([Problem("format", f'expected "{tag}"{shown}; is this {what} file?')])
    return data


def _path(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        if part == "[key]":
            continue
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "file"


def describe(error: Any, echo: bool = True) -> Problem:
    """One pydantic error as a `Problem` in plain words; a value is repeated only when `echo`
    is set and the field is not sensitive."""
    loc = tuple(error["loc"])
    kind = error["type"]
    ctx = error.get("ctx") or {}
    field = next((p for p in reversed(loc) if isinstance(p, str) and p != "[key]"), "")
    if kind in ("enum", "literal_error"):
        message = f"unknown word; expected one of {ctx.get('expected', '')}"
    elif kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        words = {"greater_than_equal": "at least", "less_than_equal": "at most",
                 "greater_than": "more than", "less_than": "less than"}
        bound = next(v for k, v in ctx.items() if k in ("ge", "le", "gt", "lt"))
        message = f"must be {words[kind]} {bound}"
    elif kind == "too_short":
        message = f"must hold at least {ctx.get('min_length', 1)} item(s)"
    elif kind == "too_long":
        message = f"holds too many items: at most {ctx.get('max_length')}"
    elif kind == "string_too_long":
        message = f"is too long: at most {ctx.get('max_length')} characters"
    elif kind == "string_pattern_mismatch" and field in ("period", "month"):
        message = "expected a month as YYYY-MM"
    elif field.endswith("_sek") and kind.startswith("int"):
        message = "expected whole SEK"
    else:
        message = _MESSAGES.get(kind, error["msg"])
    value = error.get("input")
    sensitive = kind == "extra_forbidden" or any(part in _SENSITIVE for part in loc)
    if echo and kind != "missing" and not sensitive and isinstance(value, str | int | float | bool):
        shown = json.dumps(value, ensure_ascii=False)
        if len(shown) <= 40:
            message += f", got {shown}"
    return Problem(_path(loc), message)


def _cross_checks(data: dict[str, Any]) -> list[Problem]:
    """Checks across the file: unique ids, and members named where a member is needed."""
    problems: list[Problem] = []
    members = set()
    for section, key in (("municipalities", "code"), ("schools", "id"), ("units", "id"),
                         ("cases", "id")):
        items = _items(data, section)
        ids = [item.get(key) for _, item in items]
        seen = Counter(i for i in ids if isinstance(i, str))
        for index, item in items:
            if seen[str(item.get(key))] > 1 and isinstance(item.get(key), str):
                problems.append(Problem(f"{section}[{index}].{key}",
                                        f'duplicate {key} "{item.get(key)}"'))
        if section == "municipalities":
            members = set(seen)
    for section in ("schools", "units", "cases"):
        for index, item in _items(data, section):
            code = item.get("municipality")
            if isinstance(code, str) and members and code not in members:
                problems.append(Problem(f"{section}[{index}].municipality",
                                        f'"{code}" is not a member of the network'))
    for index, case in _items(data, "cases"):
        low, high = case.get("rooms_min"), case.get("rooms_max")
        if isinstance(low, int) and isinstance(high, int) and low > high:
            problems.append(Problem(f"cases[{index}].rooms_min",
                                    f"must not exceed rooms_max ({low} > {high})"))
    return problems


def _items(data: dict[str, Any], section: str) -> list[tuple[int, dict[str, Any]]]:
    items = data.get(section)
    if not isinstance(items, list):
        return []
    return [(i, item) for i, item in enumerate(items) if isinstance(item, dict)]

