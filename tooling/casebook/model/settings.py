"""Council-wide settings: ``policy/settings.yaml`` (optional; every field has a default)."""

from __future__ import annotations

from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator

from casebook.model.common import NonNegative, Strict, Text


class Settings(Strict):
    council: Text = "Example Council"
    # Whose bank holidays working-day clocks skip (a procedure may set its own ``nation``).
    nation: Literal["england", "wales", "scotland", "northern-ireland"] = "england"
    # The council's time zone (IANA name): times written with a UTC offset (`Z`, `+01:00`) in
    # an import or a record are converted to it, since every restriction is in local time.
    timezone: Text = "Europe/London"
    # Obligations due within this many days are reported by `casebook check` as warnings.
    warning_days: NonNegative = 14
    # Days after a decision by which a letter it requires must be recorded, where the
    # procedure's letter does not say (`letters.<id>.due_within`).
    letter_due_days: NonNegative = 10
    # How often a retention exception that suspends deletion (``effect: suspend``) is
    # reviewed: months after the flag was last recorded (re-recording it is the review).
    retention_flag_review_months: Annotated[int, Field(strict=True, ge=1, le=120)] = 12
    # Where the deletion log of purged cases lives (tombstones without personal data).
    deletion_log: Text = "policy/deletion-log.yaml"
    # Where each review of a procedure's central log is recorded (`log_review` in a procedure).
    log_reviews: Text = "policy/log-reviews.yaml"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r}; write an IANA name such as Europe/London"
            ) from None
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)
