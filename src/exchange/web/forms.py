"""Forms in the round file's shape: each field is named by its path (`household.adults`,
`safety.danger_zones.0.radius_km`), so a validation error names the field it belongs to.

Blank fields are left out, so optional values take their defaults, and a row of a list left
wholly blank disappears; a name starting with `_` is a control (the CSRF token), not data.
Messages never repeat what was typed.
"""

from __future__ import annotations

import re
import types
from enum import StrEnum
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException

from exchange.services.errors import FieldProblem, Invalid
from exchange.web.i18n import Translator
from exchange.web.places import resolve

#: Pydantic's error kinds, in the words of the message catalogues.
_KINDS = {"missing": "missing", "int_parsing": "integer", "int_from_float": "integer",
          "float_parsing": "number", "bool_parsing": "choice", "enum": "choice",
          "literal_error": "choice", "date_parsing": "date", "date_from_datetime_parsing": "date",
          "greater_than_equal": "min", "greater_than": "above", "less_than_equal": "max",
          "less_than": "below", "string_too_long": "too_long", "string_pattern_mismatch": "format",
          "too_long": "too_many", "extra_forbidden": "unknown"}


_INTEGER = re.compile(r"-?[0-9]+")
_DECIMAL = re.compile(r"-?[0-9]+(?:[.,][0-9]+)?")
_DEPTH = 6  # no field of ours is deeper; a deeper name is an unknown field


def _digits(text: str) -> bool:
    """Whether `text` is ASCII digits only (never the digits of other scripts)."""
    return text.isascii() and text.isdigit()


def nested(form: FormData, multi: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The form's fields as nested values; names in `multi` may repeat (checkbox lists)."""
    tree: dict[str, Any] = {}
    for name, raw in form.multi_items():
        value = raw.strip() if isinstance(raw, str) else ""
        if not value or name.startswith("_"):  # controls such as the CSRF token, not data
            continue
        *parents, last = name.split(".") if name.count(".") < _DEPTH else [name[:60]]
        node = tree
        for part in parents:  # a hand-made form may clash a value with a group: last one wins
            node = node[part] if isinstance(node.get(part), dict) else node.setdefault(part, {})
            if not isinstance(node, dict):
                node = {}
        if name in multi:
            earlier = node.get(last)
            node[last] = [*(earlier if isinstance(earlier, list) else []), value]
        else:
            node[last] = value
    return _lists(tree)


def _lists(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    if node and all(_digits(key) for key in node):
        return [_lists(node[key]) for key in sorted(node, key=int)]
    return {key: _lists(value) for key, value in node.items()}


def numbers(data: Any, model: Any) -> Any:
    """Numbers as people type them, by the field's type: '11 880' is 11880, '59,2' is 59.2;
    an integer field refuses '12.000' rather than read it as 12."""
    kind = _base(model)
    if isinstance(data, list):
        return [numbers(item, kind) for item in data]
    if isinstance(data, dict) and isinstance(kind, type) and issubclass(kind, BaseModel):
        fields = kind.model_fields
        return {key: numbers(value, fields[key].annotation) if key in fields else value
                for key, value in data.items()}
    if isinstance(data, str) and kind in (int, float):
        typed = data.replace(" ", "").replace("\u00a0", "")
        pattern = _INTEGER if kind is int else _DECIMAL
        return typed.replace(",", ".") if pattern.fullmatch(typed) else "not a number"
    return data


def _base(annotation: Any) -> Any:
    """The type under Annotated, Optional and list."""
    while True:
        origin, args = get_origin(annotation), get_args(annotation)
        if origin is Annotated or origin is list:
            annotation = args[0]
        elif origin in (Union, types.UnionType):
            annotation = next(a for a in args if a is not type(None))
        else:
            return annotation


def validate(model: type[BaseModel], data: dict[str, Any], t: Translator) -> Any:
    """The model of `data`, or Invalid with one message per field path (never the value)."""
    try:
        return model.model_validate(data, strict=False)
    except ValidationError as error:
        raise Invalid([FieldProblem(".".join(str(p) for p in e["loc"]), _message(e, t))
                       for e in error.errors(include_input=False)]) from None


def _message(error: Any, t: Translator) -> str:
    kind = _KINDS.get(error["type"], "invalid")
    limits = {k: v for k, v in (error.get("ctx") or {}).items()
              if k in ("ge", "gt", "le", "lt", "max_length")}
    return t(f"form.{kind}", **limits)


def problems(error: Invalid, t: Translator) -> dict[str, str]:
    """Field path -> message, for the form's inline errors; a service's problem is shown in
    the reader's language when it names its kind."""
    found: dict[str, str] = {}
    for problem in error.problems:
        key = f"form.{problem.code}"
        found.setdefault(problem.path, t(key, **dict(problem.values))
                         if problem.code and t.has(key) else problem.message)
    return found


def parse(form: FormData, model: type[BaseModel], t: Translator,
          multi: frozenset[str] = frozenset(),
          schools: dict[str, tuple[float, float]] | None = None) -> Any:
    """The model the form gives; Invalid lists every problem by field path."""
    data = numbers(nested(form, multi), model)
    found = resolve(data, t, schools)
    try:
        return validate(model, data, t)
    except Invalid as error:
        found += error.problems
    raise Invalid(found)


def version_of(form: FormData) -> int:
    """The version a form was rendered from; a stale one is refused by the service."""
    raw = str(form.get("version", ""))
    return int(raw) if _digits(raw) and len(raw) < 10 else 0


def value_at(data: Any, path: str) -> Any:
    """The value at a field path of nested form data, or '' (for templates)."""
    for part in path.split("."):
        if isinstance(data, list) and _digits(part) and int(part) < len(data):
            data = data[int(part)]
        elif isinstance(data, dict) and part in data:
            data = data[part]
        else:
            return ""
    return "" if data is None else data


def label_of(t: Translator, path: str) -> str:
    """A field's label, with its row for a field of a list: 'Ålder (rad 2)'."""
    parts = path.split(".")
    key = "field." + ".".join(p for p in parts if not _digits(p))
    text = t(key) if t.has(key) else t("field.other")
    rows = [int(p) + 1 for p in parts if _digits(p)]
    return t("form.in_row", field=text, row=rows[0]) if rows else text


W = TypeVar("W", bound=StrEnum)


def choice(kind: type[W], raw: str) -> W | None:
    """A word picked in a list's filter: None for "all" (left blank); a word the list does not
    offer is a hand-made request, refused as such."""
    if not raw:
        return None
    try:
        return kind(raw)
    except ValueError:
        raise HTTPException(400, "not a word this filter offers") from None
