"""A case: ``cases/<CASE-ID>.yaml``, a history of facts from which state is derived.

The record never stores its own state: the state is what the decisions in ``events`` lead to
under the case's procedure (``casebook.engine``). Events are append-only and in date order.
"""

from __future__ import annotations

import functools
import re
from typing import Annotated, Literal

from pydantic import BaseModel, EmailStr, Field, model_validator

from casebook.model.common import (
    ClockTime,
    Count,
    Day,
    Minutes,
    PersonId,
    Slug,
    Strict,
    Text,
)
from casebook.model.restrictions import Restriction

CASE_ID_PATTERN = r"^[A-Z]{2,6}-[0-9]{4}-[0-9]{4}$"
CASE_ID = re.compile(CASE_ID_PATTERN)
CaseId = Annotated[str, Field(strict=True, pattern=CASE_ID_PATTERN)]


class Contact(Strict):
    """How to reach the person (used for letters; kept off the staff site)."""

    email: EmailStr | None = None
    phone: Text | None = None
    address: Text | None = None


class Representative(Strict):
    """An advocate, support worker, solicitor or family member acting for the person."""

    name: Text
    role: Literal["advocate", "support-worker", "social-worker", "solicitor", "family", "other"]
    contact: Contact | None = None
    organisation: Text | None = None


class Adjustment(Strict):
    """A reasonable adjustment (Equality Act 2010) the council has agreed to make."""

    type: Literal[
        "large-print", "easy-read", "braille", "audio", "interpreter", "email-only", "other"
    ]
    details: Text | None = None


class Person(Strict):
    name: Text
    known_as: list[Text] = Field(default_factory=list)
    contact: Contact = Field(default_factory=Contact)
    # What staff need to recognise the person (e.g. "usually calls from a withheld number").
    identifiers: list[Text] = Field(default_factory=list)
    adjustments: list[Adjustment] = Field(default_factory=list)
    representatives: list[Representative] = Field(default_factory=list)


class ContactCount(Strict):
    channel: Slug
    count: Count
    period: Text | None = None  # "14 days", "since January"


class Departure(Strict):
    """Why this event departs from a rule the procedure says applies "normally" or "usually"
    (``rule`` is the rule id ``casebook check`` reports, e.g. ``prior-step``)."""

    rule: Slug
    reason: Text


class Referral(Strict):
    date: Day
    by: PersonId
    # The member of staff who raised the concern, where someone else (their line manager)
    # records the referral: a capacity with ``by_line_manager`` needs it.
    reported_by: PersonId | None = None
    capacity: Slug  # one of the procedure's referral capacities
    behaviours: list[Slug] = Field(min_length=1)
    account: Text
    contacts: list[ContactCount] = Field(default_factory=list)
    # Who the case is about and what it is about, where a procedure excludes some
    # (``exclusions`` in the procedure): e.g. subject "councillor", request "foi".
    subject: Slug | None = None
    request: Slug | None = None
    # Why ``by`` is not who the capacity usually refers (a "normally" rule: ``referral-by``).
    departure: Departure | None = None


class FlagLifted(Strict):
    """When and why a retention exception stopped applying (the normal rule applies again)."""

    date: Day
    by: PersonId
    reason: Text


class RetentionFlag(Strict):
    """A published exception to normal deletion, with the reason it applies.

    ``lifted`` is added to the flag when the exception no longer applies; it is the only
    change to a recorded flag that `casebook approvals` accepts."""

    exception: Slug
    reason: Text
    recorded: Day
    by: PersonId
    lifted: FlagLifted | None = None


class _Event(Strict):
    date: Day
    # The index in ``events`` of an earlier event this one corrects. The record is
    # append-only: a wrong entry stays, and a new event (a note, or the right contact, letter
    # or review) says what it puts right. `casebook approvals` refuses a pull request that
    # rewrites or deletes a past event unless the procedure sets ``corrections``.
    corrects: Annotated[int, Field(strict=True, ge=0)] | None = None
    departure: Departure | None = None


class LetterWaiver(Strict):
    """A letter this decision deliberately does not send, and why (only where the procedure
    marks the letter ``waivable`` on the transition; the decision's approval approves it)."""

    letter: Slug
    reason: Text


class Decision(_Event):
    """A decision moving the case to a state (invoke, warn, sanction, extend, close)."""

    type: Literal["decision"]
    to: Slug
    decided_by: list[PersonId] = Field(min_length=1)
    consulted: list[PersonId] = Field(default_factory=list)
    reasons: Text
    # The complete set of restrictions in force from this decision on.
    restrictions: list[Restriction] = Field(default_factory=list)
    # End of the period this decision starts, where it differs from the procedure's default.
    until: Day | None = None
    approved_in: Text | None = None  # the pull request that approved it, e.g. "#42"
    # Why a step the procedure normally expects first (a prior warning) was not taken, e.g.
    # "conduct threatened staff safety: no prior warning (paragraph on extreme behaviour)".
    # (Language 1; the same as ``departure: {rule: prior-step, reason: ...}``.)
    prior_step_waived: Text | None = None
    # Why the circumstances are exceptional or extreme, where the procedure allows this step
    # only then ("in extreme circumstances ask the person not to contact the Council").
    exceptional: Text | None = None
    # Letters this decision waives ("without notice"), each with its reason.
    waived: list[LetterWaiver] = Field(default_factory=list)
    # The council's final position on the issues the person raises, in words for the letter
    # (letter item ``final-position``: "Wherever possible, the customer will be informed of the
    # Council's final position on the issue/s they are raising"); where no position can be
    # given yet, why not and when it will be.
    final_position: Text | None = None

    def waives(self, letter_id: str) -> bool:
        return any(w.letter == letter_id for w in self.waived)


class LetterSent(_Event):
    type: Literal["letter"]
    letter: Slug
    by: PersonId
    via: Literal["post", "email", "hand", "post-and-email"]
    to: Text | None = None  # a representative, when not sent to the person


class ContactLogged(_Event):
    """A contact from (or to) the person."""

    type: Literal["contact"]
    time: ClockTime | None = None
    channel: Slug
    to: Text  # a person id or a team ("planning-duty")
    direction: Literal["in", "out"] = "in"
    summary: Text
    topic: Text | None = None
    minutes: Minutes | None = None


class Meeting(_Event):
    type: Literal["meeting"]
    attendees: list[PersonId] = Field(min_length=1)
    summary: Text


class ReviewHeld(_Event):
    type: Literal["review"]
    by: list[PersonId] = Field(min_length=1)
    # Who the reviewers consulted, where the state's ``review.consult`` asks for it (002: "in
    # consultation with the relevant senior managers/Directors").
    consulted: list[PersonId] = Field(default_factory=list)
    outcome: Literal["continue", "change", "close"]
    notes: Text
    next_review: Day | None = None


class Notification(_Event):
    type: Literal["notification"]
    list_id: Slug = Field(alias="list")
    by: PersonId
    about: Text


class Representation(_Event):
    """Representations or a challenge made by the person (or for them)."""

    type: Literal["representation"]
    summary: Text
    considered_by: PersonId | None = None
    outcome: Text | None = None


class Note(_Event):
    type: Literal["note"]
    by: PersonId
    text: Text
    # What the note records, where a procedure's ``triggers`` ask for it (``police-report``,
    # ``safeguarding-concern``, ``adult-social-care``, ``legal-advice``: the procedure's words).
    kind: Slug | None = None


class Appeal(_Event):
    """An appeal received (``date`` is the day it was received) against the decision at
    ``events[against]``, made by ``by`` (the person, or who acted for them)."""

    type: Literal["appeal"]
    against: Annotated[int, Field(strict=True, ge=0)]
    by: Text
    grounds: Text
    channel: Slug | None = None


class AppealOutcomeEvent(_Event):
    """The outcome of the appeal at ``events[appeal]``, decided by ``heard_by``.

    ``upheld``: the decision stands. ``varied``: ``restrictions`` (the complete new set) replace
    the decision's from this date, and ``until`` may set another end of its period. ``lifted``:
    the case returns to the state it was in before the decision under appeal, from this date.
    Approved like a decision, by the people in ``heard_by`` (``approved_in``)."""

    type: Literal["appeal-outcome"]
    appeal: Annotated[int, Field(strict=True, ge=0)]
    outcome: Literal["upheld", "varied", "lifted"]
    heard_by: list[PersonId] = Field(min_length=1)
    reasons: Text
    restrictions: list[Restriction] = Field(default_factory=list)
    until: Day | None = None
    approved_in: Text | None = None

    @model_validator(mode="after")
    def _varied_only(self) -> AppealOutcomeEvent:
        if self.outcome != "varied" and (self.restrictions or self.until is not None):
            raise ValueError("restrictions and until belong only to a varied outcome")
        return self


Event = Annotated[
    Decision
    | LetterSent
    | ContactLogged
    | Meeting
    | ReviewHeld
    | Notification
    | Representation
    | Note
    | Appeal
    | AppealOutcomeEvent,
    Field(discriminator="type"),
]


@functools.cache
def _refs(cls: type[BaseModel]) -> tuple[str, ...]:
    """Which of ``against`` / ``appeal`` (an earlier event's index) an event class has.

    Asked once per class: a missing attribute on a pydantic model costs an exception inside
    ``__getattr__``, and ``model_fields`` on the class is a property (together about a fifth
    of a second per 1,000 cases)."""
    return tuple(name for name in ("against", "appeal") if name in cls.model_fields)


class Case(Strict):
    id: CaseId
    procedure: Slug
    service: Text
    person: Person
    referral: Referral
    # Officers involved with the person or the issue before the case (for independence).
    officers: list[PersonId] = Field(default_factory=list)
    retention_flags: list[RetentionFlag] = Field(default_factory=list)
    events: list[Event] = Field(default_factory=list)

    @model_validator(mode="after")
    def _corrects_earlier(self) -> Case:
        for i, event in enumerate(self.events):
            for name in _refs(type(event)):
                ref = getattr(event, name)
                if isinstance(ref, int) and ref >= i:
                    raise ValueError(f"events[{i}].{name} is {ref}: it must name an earlier event")
            if event.corrects is not None and event.corrects >= i:
                raise ValueError(
                    f"events[{i}].corrects is {event.corrects}: an event can only correct an "
                    f"earlier event (events[0] to events[{i - 1}])"
                    if i
                    else "events[0].corrects: the first event has nothing earlier to correct"
                )
        return self

    def decisions(self) -> list[tuple[int, Decision]]:
        return [(i, e) for i, e in enumerate(self.events) if isinstance(e, Decision)]
