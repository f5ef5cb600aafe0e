"""The vocabulary of restrictions ("special measures", "sanctions") a decision can impose.

This vocabulary is generic: it is what the published procedures have in common. Which types a
procedure allows, and at which state, is data (``states.<id>.restrictions`` in a procedure file).
Each restriction may carry its own ``start`` and ``end``; by default it starts on the date of the
decision that imposes it and lasts until the next decision.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Discriminator, Field, Tag, model_validator

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


_BUILT_IN = (
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
_BUILT_IN_TAGS = frozenset(
    cls.model_fields["type"].annotation.__args__[0]  # type: ignore[union-attr]
    for cls in _BUILT_IN
)


class Declared(_Base):
    """A measure the procedure declares itself (``measures:`` in the procedure file), with no
    parameters of its own beyond a ``summary`` and free-text ``details`` its wording may use:
    Text 002 "may include other special measures". `check` refuses a type that the case's
    procedure does not declare."""

    # Any slug but a built-in type's (so that an editor's schema matches one member only).
    type: Annotated[Slug, Field(json_schema_extra={"not": {"enum": sorted(_BUILT_IN_TAGS)}})]
    summary: Text | None = None
    details: dict[Slug, Text] = Field(default_factory=dict)


def _tag(value: Any) -> str:
    """The union member for a restriction: its built-in type, else ``declared``."""
    kind = value.get("type") if isinstance(value, dict) else getattr(value, "type", None)
    return kind if isinstance(kind, str) and kind in _BUILT_IN_TAGS else "declared"


Restriction = Annotated[
    Annotated[Spoc, Tag("spoc")]
    | Annotated[Channels, Tag("channels")]
    | Annotated[Volume, Tag("volume")]
    | Annotated[TimeSlot, Tag("time-slot")]
    | Annotated[CallLength, Tag("call-length")]
    | Annotated[CallScript, Tag("call-script")]
    | Annotated[NoContact, Tag("no-contact")]
    | Annotated[ClosedTopic, Tag("closed-topic")]
    | Annotated[EmailDiverted, Tag("email-diverted")]
    | Annotated[EmailBlocked, Tag("email-blocked")]
    | Annotated[ResponseSchedule, Tag("response-schedule")]
    | Annotated[AdvocateOnly, Tag("advocate-only")]
    | Annotated[ThirdPartyPresent, Tag("third-party-present")]
    | Annotated[DesignatedPremises, Tag("designated-premises")]
    | Annotated[ServiceException, Tag("service-exception")]
    | Annotated[Agreement, Tag("agreement")]
    | Annotated[CouncillorArrangement, Tag("councillor-arrangement")]
    | Annotated[Declared, Tag("declared")],
    Discriminator(_tag),
]

# The built-in types: each has parameters of its own and the one generic breach check that
# can judge them (``BREACH_CHECKS``). Any other type is a ``Declared`` measure.
RESTRICTION_TYPES: dict[str, type[_Base]] = {
    cls.model_fields["type"].annotation.__args__[0]: cls  # type: ignore[union-attr]
    for cls in _BUILT_IN
}
assert set(RESTRICTION_TYPES) == _BUILT_IN_TAGS

# The engine's generic breach checks (casebook.engine.breaches) and which built-in type each
# one can judge from its parameters; a declared measure may use the checks that need none.
BreachCheck = Literal[
    "channel",
    "recipient",
    "quota",
    "time-slot",
    "no-contact",
    "closed-matter",
    "call-length",
    "none",
]
BREACH_CHECKS: dict[str, str] = {
    "spoc": "recipient",
    "service-exception": "recipient",
    "email-diverted": "recipient",
    "channels": "channel",
    "email-blocked": "channel",
    "volume": "quota",
    "time-slot": "time-slot",
    "no-contact": "no-contact",
    "closed-topic": "closed-matter",
    "call-length": "call-length",
}
# Checks a Declared measure can use: they need no parameter beyond the contact itself.
DECLARED_CHECKS: frozenset[str] = frozenset({"no-contact", "none"})
