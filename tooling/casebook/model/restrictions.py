"""The vocabulary of restrictions ("special measures", "sanctions") a decision can impose.

This vocabulary is generic: it is what the published procedures have in common. Which types a
procedure allows, and at which state, is data (``states.<id>.restrictions`` in a procedure file).
Each restriction may carry its own ``start`` and ``end``; by default it starts on the date of the
decision that imposes it and lasts until the next decision.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from casebook.model.common import ClockTime, Count, Day, Minutes, PersonId, Slug, Strict, Text

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class _Base(Strict):
    start: Day | None = None
    end: Day | None = None
    notes: Text | None = None

    @model_validator(mode="after")
    def _end_after_start(self) -> _Base:
        if self.start and self.end and self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self


class Spoc(_Base):
    """Contact only through a single point of contact."""

    type: Literal["spoc"]
    officer: PersonId


class Channels(_Base):
    """Contact only by the channels listed (e.g. letters only, webform only)."""

    type: Literal["channels"]
    allowed: list[Slug] = Field(min_length=1)


class Volume(_Base):
    """At most ``max`` contacts per week or month (optionally on one channel)."""

    type: Literal["volume"]
    max: Count
    per: Literal["week", "month"]
    channel: Slug | None = None


class TimeSlot(_Base):
    """Contact (optionally on one channel) only on these days, between these times."""

    type: Literal["time-slot"]
    days: list[Weekday] = Field(min_length=1)
    start_time: ClockTime = Field(alias="from")
    end_time: ClockTime = Field(alias="to")
    channel: Slug | None = None

    @model_validator(mode="after")
    def _order(self) -> TimeSlot:
        if self.end_time <= self.start_time:
            raise ValueError(
                f"the slot ends ({self.end_time}) before it starts ({self.start_time})"
            )
        return self


class CallLength(_Base):
    """Telephone calls and personal contacts limited to this many minutes."""

    type: Literal["call-length"]
    minutes: Minutes


class CallScript(_Base):
    """Calls are ended using an agreed script and the caller redirected."""

    type: Literal["call-script"]
    redirect_to: Text | None = None


class NoContact(_Base):
    """No contact at all for the period (``end`` required)."""

    type: Literal["no-contact"]

    @model_validator(mode="after")
    def _needs_end(self) -> NoContact:
        if self.end is None:
            raise ValueError("a no-contact restriction needs an 'end' date")
        return self


class ClosedTopic(_Base):
    """Correspondence on a closed matter is read, then acknowledged or filed without reply."""

    type: Literal["closed-topic"]
    topic: Text
    handling: Literal["acknowledge", "file"] = "acknowledge"


class EmailDiverted(_Base):
    """E-mail to any council address is forwarded to one officer."""

    type: Literal["email-diverted"]
    to: PersonId


class EmailBlocked(_Base):
    """E-mail is blocked from the council's systems."""

    type: Literal["email-blocked"]


class ResponseSchedule(_Base):
    """Replies are sent only on a set time frame (e.g. fortnightly)."""

    type: Literal["response-schedule"]
    every: Literal["week", "fortnight", "month"]


class AdvocateOnly(_Base):
    """Contact only through an advocate or representative."""

    type: Literal["advocate-only"]
    advocate: Text | None = None


class ThirdPartyPresent(_Base):
    """Personal contact only in the presence of a third party."""

    type: Literal["third-party-present"]


class DesignatedPremises(_Base):
    """Personal contact only at designated council premises."""

    type: Literal["designated-premises"]
    premises: Text


class ServiceException(_Base):
    """A designated officer in a service may go on corresponding about one matter."""

    type: Literal["service-exception"]
    officer: PersonId
    matter: Text


class Agreement(_Base):
    """The person is asked to enter into an agreement about future contact."""

    type: Literal["agreement"]
    summary: Text


class CouncillorArrangement(_Base):
    """The alternative arrangement that keeps the person able to reach their councillor."""

    type: Literal["councillor-arrangement"]
    summary: Text


Restriction = Annotated[
    Spoc
    | Channels
    | Volume
    | TimeSlot
    | CallLength
    | CallScript
    | NoContact
    | ClosedTopic
    | EmailDiverted
    | EmailBlocked
    | ResponseSchedule
    | AdvocateOnly
    | ThirdPartyPresent
    | DesignatedPremises
    | ServiceException
    | Agreement
    | CouncillorArrangement,
    Field(discriminator="type"),
]

RESTRICTION_TYPES: dict[str, type[_Base]] = {
    cls.model_fields["type"].annotation.__args__[0]: cls  # type: ignore[union-attr]
    for cls in (
        Spoc,
        Channels,
        Volume,
        TimeSlot,
        CallLength,
        CallScript,
        NoContact,
        ClosedTopic,
        EmailDiverted,
        EmailBlocked,
        ResponseSchedule,
        AdvocateOnly,
        ThirdPartyPresent,
        DesignatedPremises,
        ServiceException,
        Agreement,
        CouncillorArrangement,
    )
}
