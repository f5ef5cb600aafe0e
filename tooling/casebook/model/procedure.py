"""A council's procedure, as data: ``policy/procedures/<id>.yaml``.

Nothing procedure-specific lives in Python. A procedure file says which states a case can be in,
which decisions move it between them and who must take them, how long each state lasts and how
often it is reviewed, which restrictions are allowed where, which letters each decision requires
and what they must contain, who must be told, and how long records are kept. Every number and
role carries ``source``: a verbatim quote from the published text (``policy/published/``), or
``council-setting: <reason>`` where the text is silent. ``docs/procedures.md`` is the guide.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from casebook.model.common import Count, Flag, Slug, Source, Strict, Text

CasePrefix = Annotated[str, Field(pattern=r"^[A-Z]{2,6}$")]

# What a state means to the engine (restrictions in force? retention clock running?). The
# state ids themselves are the procedure's own words.
StateKind = Literal[
    "referral",  # referred, being considered; nothing in force yet
    "warning",  # warned; behaviour watched, no formal restriction
    "monitoring",  # contact monitored through a single point of contact
    "restricted",  # restrictions or sanctions in force
    "no-contact",  # no contact for a period
    "closed",  # ended; retention clock may run
    "dormant",  # ended and kept for a period in case behaviour recommences
]
ACTIVE_KINDS: frozenset[str] = frozenset({"warning", "monitoring", "restricted", "no-contact"})
ENDED_KINDS: frozenset[str] = frozenset({"closed", "dormant"})


class Period(Strict):
    """How long something lasts, in calendar months and/or days."""

    # At most 100 years either way, so that a period added to any bounded date stays a date.
    months: Annotated[int, Field(strict=True, ge=0, le=1200)] = 0
    days: Annotated[int, Field(strict=True, ge=0, le=36_600)] = 0
    # "three months, or less if deemed appropriate": a decision may set an earlier end.
    may_be_shorter: Flag = False
    # "the Council reserves the right to extend this": a decision may set a later end.
    may_be_extended: Flag = False
    source: Source

    @model_validator(mode="after")
    def _not_empty(self) -> Period:
        if self.months == 0 and self.days == 0:
            raise ValueError("a period needs months or days greater than zero")
        return self


class Review(Strict):
    """How often the arrangements in a state are reviewed."""

    every: Period  # the usual cadence ("quarterly")
    latest: Period | None = None  # the hard limit ("no later than every six months")
    by_roles: list[Slug] = Field(default_factory=list)
    source: Source


class RetentionException(Strict):
    """A published ground on which the normal deletion date does not apply."""

    id: Slug
    label: Text
    source: Source


class Retention(Strict):
    """How long a case in this state is kept before it must be deleted."""

    delete_after: Period
    exceptions: list[RetentionException] = Field(default_factory=list)
    source: Source


class State(Strict):
    label: Text
    kind: StateKind
    description: Text | None = None
    # How long the state lasts before a decision is due (monitoring period, no-contact period).
    period: Period | None = None
    review: Review | None = None
    retention: Retention | None = None
    # Restriction types (see casebook.model.restrictions) a decision may impose in this state.
    restrictions: list[Slug] = Field(default_factory=list)
    source: Source


class Requirement(Strict):
    """One part of an approval: ``count`` people holding any of ``roles``."""

    roles: list[Slug] = Field(min_length=1)
    count: Count = 1
    # "with no prior knowledge of the customer/issue": whoever fills this part must not appear
    # in the case's referral, officers or earlier events.
    independent: Flag = False
    label: Text | None = None
    source: Source


class Approval(Strict):
    """Who decides a transition. Every requirement must be met, each by different people.

    ``requires: []`` means any member of staff named in ``decided_by`` may take the step (a polite
    warning by the officer dealing with the contact).
    """

    requires: list[Requirement] = Field(default_factory=list)
    consult: list[Requirement] = Field(default_factory=list)
    source: Source


class Notify(Strict):
    """Who must be told when a transition happens, and by whom."""

    list_id: Slug = Field(alias="list")  # a distribution list of this procedure
    by_roles: list[Slug] = Field(default_factory=list)
    within: Period | None = None
    source: Source


class Transition(Strict):
    from_: list[Slug] = Field(alias="from", min_length=1)
    to: Slug
    label: Text
    when: Text | None = None  # the condition in the text ("conduct is extreme")
    approval: Approval
    letters: list[Slug] = Field(default_factory=list)
    notify: list[Notify] = Field(default_factory=list)
    # The text expects a prior warning before this step ("will normally follow a prior warning").
    expects_prior: list[Slug] = Field(default_factory=list)
    source: Source

    @property
    def id(self) -> str:
        return f"{'|'.join(self.from_)}->{self.to}"


class LetterItem(Strict):
    """Something a letter must contain (see casebook.letter_items for the vocabulary)."""

    item: Slug
    label: Text
    source: Source


class Letter(Strict):
    title: Text
    # Path under policy/letters/; default <procedure-id>/<letter-id>.md.j2
    template: Text | None = None
    sender_roles: list[Slug] = Field(default_factory=list)
    # Days after the decision by which the letter must be sent.
    due_within: Period | None = None
    required: list[LetterItem] = Field(default_factory=list)
    source: Source


class DistributionList(Strict):
    """People to be told: everyone holding one of ``roles``, plus named mailing lists."""

    label: Text
    roles: list[Slug] = Field(default_factory=list)
    mailing_lists: list[Slug] = Field(default_factory=list)
    source: Source

    @model_validator(mode="after")
    def _someone(self) -> DistributionList:
        if not self.roles and not self.mailing_lists:
            raise ValueError("a distribution list needs roles or mailing_lists")
        return self


class Capacity(Strict):
    """In what capacity someone may refer a case (councillor, staff via line manager ...)."""

    id: Slug
    label: Text
    to_roles: list[Slug] = Field(default_factory=list)  # who receives the referral
    source: Source


class Channel(Strict):
    id: Slug
    label: Text


class LogReview(Strict):
    """A periodic review of the procedure's whole register ("reviewed annually")."""

    every: Period
    by_roles: list[Slug] = Field(min_length=1)
    source: Source


class Procedure(Strict):
    id: Slug
    title: Text
    # Letters of this procedure's case ids (MC for MC-2026-0007); `casebook new` numbers new
    # cases PREFIX-YYYY-NNNN. When absent, the initials of the id (managed-contact -> MC).
    case_prefix: CasePrefix | None = None
    council: Text
    # The published text this file was made from, under policy/published/.
    text: Text
    summary: Text
    scope: Text | None = None
    excludes: list[Text] = Field(default_factory=list)
    appeal: Text | None = None  # how the person can challenge a decision, per the text
    channels: list[Channel] = Field(min_length=1)
    referral: list[Capacity] = Field(min_length=1)
    # Behaviour ids from policy/behaviours.yaml that this procedure names; empty means all.
    behaviours: list[Slug] = Field(default_factory=list)
    initial: Slug
    states: dict[Slug, State] = Field(min_length=2)
    transitions: list[Transition] = Field(min_length=1)
    letters: dict[Slug, Letter] = Field(default_factory=dict)
    distribution_lists: dict[Slug, DistributionList] = Field(default_factory=dict)
    log_review: LogReview | None = None
    # Who may approve a pull request that rewrites or deletes a past fact of a case (an event,
    # the referral). Absent (the default): nobody; the record is append-only and a mistake is
    # put right by a new event that says what it corrects (``corrects:``). See `approvals`.
    corrections: Approval | None = None

    def transition(self, from_state: str, to_state: str) -> Transition | None:
        for t in self.transitions:
            if from_state in t.from_ and t.to == to_state:
                return t
        return None

    def channel_ids(self) -> set[str]:
        return {c.id for c in self.channels}

    @property
    def prefix(self) -> str:
        """The case-id prefix: ``case_prefix``, else the initials of the id (at least two)."""
        if self.case_prefix:
            return self.case_prefix
        letters = [
            part
            for part in ("".join(c for c in w if c.isalpha()) for w in self.id.split("-"))
            if part
        ]
        initials = "".join(w[0] for w in letters).upper()
        if len(initials) < 2:
            initials = "".join(letters).upper()[:2]
        return initials.ljust(2, "X")[:6]
