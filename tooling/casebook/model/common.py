"""Field types shared by the procedure, people and case models."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    WithJsonSchema,
)

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class Strict(BaseModel):
    """Base for every record model: unknown keys are errors, values are not silently coerced."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


def _slug(value: str) -> str:
    if not _SLUG.match(value):
        raise ValueError(
            f"{value!r} is not a valid id: use lower-case letters, digits and single hyphens"
        )
    return value


def _only_date(value: Any) -> Any:
    # pydantic's lax mode would turn 20260302 (an int) into a Unix timestamp; refuse it.
    if isinstance(value, datetime):
        raise ValueError("expected a date (YYYY-MM-DD), not a date and time")
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _ISO_DATE.match(value.strip()):
        return value.strip()
    raise ValueError(f"expected a date written YYYY-MM-DD, got {value!r}")


def _hhmm(value: str) -> str:
    if not _HHMM.match(value):
        raise ValueError(f"expected a 24-hour time written HH:MM (quote it), got {value!r}")
    return value


def _text(value: Any) -> Any:
    # Numbers, booleans and dates in a text field are almost always a YAML surprise.
    if not isinstance(value, str):
        raise ValueError(
            f"expected text, got {type(value).__name__} {value!r}; put the value in quotes"
        )
    return value


# WithJsonSchema: the pattern is for editors (casebook schema); the validators give the messages.
Slug = Annotated[
    str, AfterValidator(_slug), WithJsonSchema({"type": "string", "pattern": _SLUG.pattern})
]
Text = Annotated[str, BeforeValidator(_text), Field(min_length=1)]
Day = Annotated[date, BeforeValidator(_only_date)]
ClockTime = Annotated[
    str,
    BeforeValidator(_text),
    AfterValidator(_hhmm),
    WithJsonSchema({"type": "string", "pattern": _HHMM.pattern}),
]
Flag = StrictBool
Count = Annotated[int, Field(strict=True, ge=1)]
NonNegative = Annotated[int, Field(strict=True, ge=0)]
PersonId = Slug

COUNCIL_SETTING = "council-setting:"


def _citation(value: Any) -> Any:
    value = _text(value)
    if not value.strip():
        raise ValueError("a source citation must not be empty")
    return value


# A verbatim quote from the procedure's published text (checked by a test), or, where the
# published text is silent, "council-setting: <why this value was chosen>".
Source = Annotated[str, BeforeValidator(_citation)]
