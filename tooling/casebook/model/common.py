"""Field types shared by the procedure, people and case models."""

from __future__ import annotations

import functools
from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from casebook import EARLIEST as EARLIEST  # re-exported
from casebook import LATEST as LATEST  # re-exported


class Strict(BaseModel):
    """Base for every record model: unknown keys are errors, values are not silently coerced."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    def field(self, name: str) -> Any:
        """The value of field ``name``, or None when this model has no such field (an event or
        restriction kind without it). ``getattr(model, name, None)`` means the same, but a
        missing attribute costs pydantic an exception: rules ask it of every event of every
        case (issue 14)."""
        return getattr(self, name) if name in _field_names(type(self)) else None


@functools.cache
def _field_names(cls: type[BaseModel]) -> frozenset[str]:
    return frozenset(cls.model_fields)


# Native (pydantic-core) constraints only on the hot path: a Python validator per field costs
# more than parsing the YAML. Friendly messages for these errors are in casebook.validation.
SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
HHMM_PATTERN = r"^(?:[01][0-9]|2[0-3]):[0-5][0-9]$"

Slug = Annotated[str, Field(strict=True, pattern=SLUG_PATTERN)]
Text = Annotated[str, Field(strict=True, min_length=1)]
# Unquoted YYYY-MM-DD in YAML is a date; a quoted date or a number is refused, not guessed at.
Day = Annotated[date, Field(strict=True, ge=EARLIEST, le=LATEST)]
ClockTime = Annotated[str, Field(strict=True, pattern=HHMM_PATTERN)]
Flag = StrictBool
# Integers are bounded too (a count, a quota, a number of days): what a record can mean,
# with room to spare; the tighter bounds of a field (minutes, months) are on the field.
MAX_COUNT = 100_000
Count = Annotated[int, Field(strict=True, ge=1, le=MAX_COUNT)]
NonNegative = Annotated[int, Field(strict=True, ge=0, le=MAX_COUNT)]
# Length of a call: at most a day.
Minutes = Annotated[int, Field(strict=True, ge=1, le=24 * 60)]
PersonId = Slug

COUNCIL_SETTING = "council-setting:"


# A verbatim quote from the procedure's published text (checked by a test), or, where the
# published text is silent, "council-setting: <why this value was chosen>".
Source = Annotated[str, Field(strict=True, min_length=3)]
