"""Turning pydantic validation errors into findings a governance officer can act on."""

from __future__ import annotations

import difflib
import re
import types
import typing
from datetime import date
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from casebook.model.case import CASE_ID_PATTERN
from casebook.model.common import EARLIEST, HHMM_PATTERN, LATEST, SLUG_PATTERN
from casebook.model.findings import Finding, Loc

_UNION_TYPES = (typing.Union, types.UnionType)

_OFFSET = re.compile(r"(?:[Zz]|[+-][0-9]{2}:?[0-9]{2})$")
PATTERN_MESSAGES = {
    SLUG_PATTERN: "{value!r} is not a valid id: use lower-case letters, digits and single hyphens",
    HHMM_PATTERN: '{value!r} is not a time: write a 24-hour time HH:MM in quotes, e.g. "14:30"',
    CASE_ID_PATTERN: "{value!r} is not a case id: use PREFIX-YYYY-NNNN, e.g. MC-2026-0007",
}


def findings_from(
    exc: ValidationError, model: type[BaseModel], raw: Any, rule: str = "schema"
) -> list[Finding]:
    """One finding per error, with ``loc`` pointing into the YAML document (not pydantic's path)."""
    out: list[Finding] = []
    for err in exc.errors(include_url=False):
        loc = data_loc(raw, err["loc"])
        out.append(Finding("error", rule, _message(err, model, loc, raw), loc=loc))
    return out


def data_loc(raw: Any, loc: tuple[int | str, ...]) -> Loc:
    """Drop the parts of a pydantic error path that are not in the data (union tags, validators)."""
    out: list[int | str] = []
    cur = raw
    for i, part in enumerate(loc):
        last = i == len(loc) - 1
        if isinstance(cur, list) and isinstance(part, int):
            out.append(part)
            cur = cur[part] if 0 <= part < len(cur) else None
        elif isinstance(cur, dict) and not last and part == cur.get("type"):
            continue  # the tag of a tagged union (a letter event also has a `letter` field)
        elif isinstance(cur, dict) and part in cur:
            out.append(part)
            cur = cur[part]
        elif last and isinstance(cur, dict) and isinstance(part, str) and part != cur.get("type"):
            # A missing or unknown key: name it. (A model-level error on a member of a tagged
            # union ends with the tag, e.g. "spoc": that is not a key, so it is dropped.)
            out.append(part)
        # otherwise: a union tag or validator name; not part of the document
    return tuple(out)


def _message(err: ErrorDetails, model: type[BaseModel], loc: Loc, raw: Any) -> str:
    kind = err["type"]
    field = loc[-1] if loc else None
    if kind == "extra_forbidden":
        valid = sorted(fields_at(model, loc[:-1], raw))
        hint = difflib.get_close_matches(str(field), valid, n=1, cutoff=0.6)
        msg = f"unknown field {field!r}"
        if hint:
            msg += f"; did you mean {hint[0]!r}?"
        elif valid:
            msg += f"; valid fields here: {', '.join(valid)}"
        return msg
    if kind == "missing":
        return f"required field {field!r} is missing"
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        ctx = err.get("ctx") or {}
        expected = ctx.get("expected_tags", "")
        tag = ctx.get("tag")
        if kind == "union_tag_not_found":
            return f"'type' is missing; expected one of {expected}"
        return f"unknown type {tag!r}; expected one of {expected}"
    if kind == "string_pattern_mismatch":
        pattern = (err.get("ctx") or {}).get("pattern", "")
        value = err.get("input")
        if pattern == HHMM_PATTERN and isinstance(value, str) and _OFFSET.search(value):
            # Refused, not converted: a record is read by people, who read its times as local.
            return (
                f"{value!r} has a UTC offset; times in a record are the council's local time "
                '(timezone in policy/settings.yaml): write the local time, e.g. "10:30"'
            )
        return PATTERN_MESSAGES.get(pattern, "{value!r} is not in the expected form").format(
            value=value
        )
    if kind in ("date_type", "date_parsing", "date_from_datetime_parsing"):
        return f"expected a date written YYYY-MM-DD without quotes (got {_show(err.get('input'))})"
    if kind == "string_too_short":
        return "must not be empty"
    if kind in ("less_than_equal", "greater_than_equal") and isinstance(err.get("input"), date):
        return (
            f"{err.get('input')} is outside the dates casebook accepts "
            f"({EARLIEST} to {LATEST}); check the year"
        )
    msg = err["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    if kind == "string_type":
        return f"expected text, got {_show(err.get('input'))}; put the value in quotes"
    if kind in ("int_type", "bool_type", "dict_type", "list_type", "model_type"):
        msg += f" (got {_show(err.get('input'))})"
    return msg


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def fields_at(model: type[BaseModel], loc: Loc, raw: Any) -> set[str]:
    """Field names (aliases where set) valid at ``loc`` inside ``model``."""
    ann: Any = model
    cur = raw
    for part in loc:
        ann = _unwrap(ann, cur)
        if isinstance(part, int):
            args = typing.get_args(ann)
            ann = args[0] if args else Any
            cur = cur[part] if isinstance(cur, list) and 0 <= part < len(cur) else None
            continue
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            ann = _field_annotation(ann, part)
        elif typing.get_origin(ann) is dict:
            ann = typing.get_args(ann)[1]
        else:
            return set()
        cur = cur.get(part) if isinstance(cur, dict) else None
    ann = _unwrap(ann, cur)
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return {f.alias or name for name, f in ann.model_fields.items()}
    return set()


def _field_annotation(model: type[BaseModel], key: str) -> Any:
    for name, f in model.model_fields.items():
        if key in (name, f.alias):
            return f.annotation
    return Any


def _unwrap(ann: Any, data: Any) -> Any:
    """Strip Annotated/Optional; pick the member of a tagged union that matches ``data``."""
    while True:
        origin = typing.get_origin(ann)
        if origin is typing.Annotated:
            ann = typing.get_args(ann)[0]
            continue
        if origin in _UNION_TYPES:
            members = [a for a in typing.get_args(ann) if a is not type(None)]
            if len(members) == 1:
                ann = members[0]
                continue
            tag = data.get("type") if isinstance(data, dict) else None
            for m in members:
                if isinstance(m, type) and issubclass(m, BaseModel):
                    t = m.model_fields.get("type")
                    if t is not None and tag in typing.get_args(t.annotation):
                        return m
            return ann
        return ann
