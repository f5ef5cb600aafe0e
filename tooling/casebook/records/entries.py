"""The entries record commands append, built as plain data in the model's key order.

Values are checked by the model and the case rules afterwards (``records``); here they are only
put in shape. ``parse_restriction`` reads the command-line form of a restriction.
"""

from __future__ import annotations

import shlex
import typing
from datetime import date
from typing import Any

from pydantic import BaseModel

from casebook.errors import UsageError
from casebook.model import RESTRICTION_TYPES
from casebook.model.case import ContactLogged, Decision, LetterSent, Notification, ReviewHeld
from casebook.store import yamlio

# C0 and C1 control characters (NUL, escape, backspace ...; tab and line breaks are text) and the
# bidirectional overrides that make text display in another order than it is stored. A NUL
# stored in a record breaks the tools that read it (docs/limits.md).
CONTROL = yamlio.CONTROL  # the same set the strict reader refuses in a file


def refuse_control(where: str, value: Any) -> None:
    """UsageError when text in ``value`` (a string, or strings in lists) has a control char."""
    if isinstance(value, str):
        bad = CONTROL.search(value)
        if bad:
            raise UsageError(
                f"{where}: contains the control character U+{ord(bad.group()):04X}; remove it"
            )
    elif isinstance(value, list | tuple):
        for v in value:
            refuse_control(where, v)


def ordered(model: type[BaseModel], values: dict[str, Any]) -> dict[str, Any]:
    """``values`` (YAML keys) in the model's field order, without empty values.

    UsageError when a text value holds a control character (``CONTROL``).
    """
    for key, value in values.items():
        refuse_control(key, value)
    keys = [f.alias or name for name, f in model.model_fields.items()]
    out = {k: values[k] for k in keys if k in values}
    out |= {k: v for k, v in values.items() if k not in out}  # unknown keys: the model says so
    return {k: v for k, v in out.items() if v is not None and v != [] and v != ()}


def contact(
    *,
    on: date,
    channel: str,
    to: str,
    summary: str,
    time: str | None = None,
    direction: str | None = None,
    topic: str | None = None,
    minutes: int | None = None,
) -> dict[str, Any]:
    return ordered(
        ContactLogged,
        {
            "date": on,
            "type": "contact",
            "time": time,
            "channel": channel,
            "to": to,
            "direction": None if direction in (None, "in") else direction,
            "summary": summary,
            "topic": topic,
            "minutes": minutes,
        },
    )


def letter(*, on: date, letter_id: str, by: str, via: str, to: str | None = None) -> dict[str, Any]:
    return ordered(
        LetterSent,
        {"date": on, "type": "letter", "letter": letter_id, "by": by, "via": via, "to": to},
    )


def notification(*, on: date, list_id: str, by: str, about: str) -> dict[str, Any]:
    """A notification sent to a procedure's distribution list (``list`` in YAML)."""
    return ordered(
        Notification,
        {"date": on, "type": "notification", "list": list_id, "by": by, "about": about},
    )


def decision(
    *,
    on: date,
    to: str,
    decided_by: list[str],
    reasons: str,
    consulted: list[str] | None = None,
    restrictions: list[dict[str, Any]] | None = None,
    until: date | None = None,
    approved_in: str | None = None,
    final_position: str | None = None,
) -> dict[str, Any]:
    return ordered(
        Decision,
        {
            "date": on,
            "type": "decision",
            "to": to,
            "decided_by": list(decided_by),
            "consulted": list(consulted or []),
            "reasons": reasons,
            "restrictions": list(restrictions or []),
            "until": until,
            "approved_in": approved_in,
            "final_position": final_position,
        },
    )


def review(
    *,
    on: date,
    by: list[str],
    outcome: str,
    notes: str,
    next_review: date | None = None,
    consulted: list[str] | None = None,
) -> dict[str, Any]:
    return ordered(
        ReviewHeld,
        {
            "date": on,
            "type": "review",
            "by": list(by),
            "consulted": list(consulted or []),
            "outcome": outcome,
            "notes": notes,
            "next_review": next_review,
        },
    )


def parse_restriction(spec: str) -> dict[str, Any]:
    """``"volume max=2 per=week"`` -> ``{"type": "volume", "max": 2, "per": "week"}``.

    The first word is the restriction type; then ``key=value`` pairs (quote values with
    spaces). Lists are comma-separated (``allowed=email,letter``); whole numbers become numbers.
    """
    try:
        words = shlex.split(spec)
    except ValueError as exc:
        raise UsageError(f"--restriction {spec!r}: {exc}") from None
    if not words:
        raise UsageError("--restriction needs a type, e.g. --restriction 'spoc officer=ID'")
    kind, *pairs = words
    model = RESTRICTION_TYPES.get(kind)
    if model is None:
        raise UsageError(
            f"--restriction: unknown restriction type {kind!r}; known types: "
            + ", ".join(sorted(RESTRICTION_TYPES))
        )
    fields = {(f.alias or name): f.annotation for name, f in model.model_fields.items()}
    out: dict[str, Any] = {"type": kind}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UsageError(
                f"--restriction {spec!r}: {pair!r} is not key=value; fields of {kind}: "
                + ", ".join(k for k in fields if k != "type")
            )
        if key not in fields or key == "type":
            raise UsageError(
                f"--restriction {spec!r}: {kind} has no field {key!r}; its fields: "
                + ", ".join(k for k in fields if k != "type")
            )
        out[key] = _coerce(fields[key], value)
    return out


def _coerce(annotation: Any, value: str) -> Any:
    text = str(annotation)
    if typing.get_origin(annotation) is list or text.startswith("list["):
        return [v.strip() for v in value.split(",") if v.strip()]
    # ASCII digits only ("²".isdigit() is true but int() refuses it), and few of them: the
    # model bounds the value and names the field.
    if "int" in text and value.isascii() and value.isdigit() and len(value) <= 9:
        return int(value)
    if "date" in text:
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value  # the model reports it with the field's name
    return value
