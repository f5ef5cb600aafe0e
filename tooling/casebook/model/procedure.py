"""A council's procedure, as data: ``policy/procedures/<id>.yaml``.

Nothing procedure-specific lives in Python. A procedure file says which states a case can be in,
which decisions move it between them and who must take them, how long each state lasts and how
often it is reviewed, which restrictions are allowed where, which letters each decision requires
and what they must contain, who must be told, and how long records are kept. Every number and
role carries ``source``: a verbatim quote from the published text (``policy/published/``), or
``council-setting: <reason>`` where the text is silent. ``docs/procedures.md`` is the guide.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field, PrivateAttr, model_validator

from casebook.model.common import Count, Day, Flag, Slug, Source, Strict, Text
from casebook.model.restrictions import BreachCheck

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


# How firm a rule is, in the published text's own word. "must" is an error when broken;
# "should", "normally" and "usually" are warnings that a reason recorded on the event clears
# (``departure: {rule: <rule>, reason: ...}`` on the decision or letter that departs from it).
Severity = Literal["must", "should", "normally", "usually"]
Nation = Literal["england", "wales", "scotland", "northern-ireland"]
# Events a clock can start from (the first one after the decision that starts the period).
ClockEvent = Literal["representation", "review", "contact", "meeting", "note", "notification"]


class ClockStart(Strict):
    """What starts a clock. Exactly one key; with no ``starts`` a clock runs from the decision.

    ``letter_sent``: the first letter with this id recorded after the decision (Text 000:
    monitoring "from the date of the letter", not from the meeting). ``referral``: the
    referral date. ``event``: the first event of this type after the decision (a
    representation received). ``end_of``: the end of the period of this state, as last entered.
    A clock whose start has not happened yet has not started: nothing is due from it.
    """

    letter_sent: Slug | None = None
    referral: Flag = False
    event: ClockEvent | None = None
    end_of: Slug | None = None

    @model_validator(mode="after")
    def _one(self) -> ClockStart:
        given = [self.letter_sent is not None, self.referral, self.event is not None]
        given.append(self.end_of is not None)
        if sum(given) != 1:
            raise ValueError("starts needs exactly one of letter_sent, referral, event, end_of")
        return self


# fixed: ends exactly when the length says; max: "up to" (a decision may set an earlier end);
# min: "at least" (a decision may set a later end, e.g. extend); open: the length is only the
# default, a decision may set any end.
PeriodKind = Literal["fixed", "max", "min", "open"]


class Period(Strict):
    """A clock: what starts it, how long it runs, and how firm its length is.

    Length: calendar ``months``, ``weeks`` and ``days`` (31 January + 1 month = the last day of
    February), then ``working_days``, which skip Saturdays, Sundays and the bank holidays of
    the procedure's nation (``nation`` in the procedure, else in settings; the ``holidays``
    package). ``kind`` (or the older ``may_be_shorter`` / ``may_be_extended``) says whether a
    decision may set another end with ``until``.
    """

    # Each at most 100 years, so that a period added to any bounded date stays a date.
    months: Annotated[int, Field(strict=True, ge=0, le=1200)] = 0
    weeks: Annotated[int, Field(strict=True, ge=0, le=5300)] = 0
    days: Annotated[int, Field(strict=True, ge=0, le=36_600)] = 0
    working_days: Annotated[int, Field(strict=True, ge=0, le=26_000)] = 0
    starts: ClockStart | None = None
    kind: PeriodKind | None = None
    # Language 1 spellings of kind (still read): shorter -> max, extended -> min, both -> open.
    may_be_shorter: Flag = False
    may_be_extended: Flag = False
    source: Source

    @model_validator(mode="after")
    def _not_empty(self) -> Period:
        if not (self.months or self.weeks or self.days or self.working_days):
            raise ValueError("a period needs months, weeks, days or working_days above zero")
        if self.kind is not None and (self.may_be_shorter or self.may_be_extended):
            raise ValueError("give kind or may_be_shorter/may_be_extended, not both")
        return self

    @property
    def flex(self) -> PeriodKind:
        """``kind``, with the language 1 flags read as their kind."""
        if self.kind is not None:
            return self.kind
        if self.may_be_shorter and self.may_be_extended:
            return "open"
        if self.may_be_shorter:
            return "max"
        if self.may_be_extended:
            return "min"
        return "fixed"


class Requirement(Strict):
    """One part of an approval: ``count`` people holding any of ``roles``."""

    roles: list[Slug] = Field(min_length=1)
    count: Count = 1
    # "with no prior knowledge of the customer/issue": whoever fills this part must not appear
    # in the case's referral, officers or earlier events, nor be named (by name or id) in the
    # free text of any of them (a note, the referral's account).
    independent: Flag = False
    # "the head of service for the department affected": whoever fills this part works in the
    # case's service (``service`` in policy/people.yaml equals the case's ``service``).
    same_service: Flag = False
    label: Text | None = None
    source: Source


ReviewOutcome = Literal["continue", "change", "close"]
REVIEW_OUTCOMES: tuple[ReviewOutcome, ...] = ("continue", "change", "close")


class ReviewLetter(Strict):
    """The letter telling the person the outcome of each review held in a state ("the customer
    will be advised of the outcome of a review of their conduct ... following scheduled
    reviews"), even a review that changes nothing.

    Due ``within`` after the review (default ``settings.letter_due_days``); met by this letter
    sent on or after the review, or by a decision taken by that day (that decision's own
    letters tell the outcome). Unmet after the deadline: rule ``letter``, overdue (an error).
    """

    letter: Slug
    within: Period | None = None
    # The review outcomes that owe the letter (default: every review). A review finding that
    # the arrangements must change or close is answered by the decision that follows it.
    outcomes: list[ReviewOutcome] = Field(default_factory=lambda: list(REVIEW_OUTCOMES))
    source: Source


class Review(Strict):
    """How often the arrangements in a state are reviewed."""

    every: Period  # the usual cadence ("quarterly")
    latest: Period | None = None  # the hard limit ("no later than every six months")
    # Who holds the review ("conducted by the Senior Information Governance Manager, Team
    # Manager"): at least one of the review's ``by`` must hold one of these roles. How firm
    # that is: ``by_severity`` ("must" an error; otherwise a warning that ``departure: {rule:
    # review-by, reason: ...}`` on the review clears).
    by_roles: list[Slug] = Field(default_factory=list)
    by_severity: Severity = "must"
    # Who must be consulted ("in consultation with the relevant senior managers/Directors"),
    # as an approval's ``consult``: each requirement met by a different person among the
    # review's ``consulted`` and ``by``; judged with ``by_severity`` (rule ``review-by``).
    consult: list[Requirement] = Field(default_factory=list)
    # The letter owed after each review, where the text says the person is told the outcome.
    letter: ReviewLetter | None = None
    source: Source


# What an exception recorded on a case does to its deletion date. ``extend``: kept a further
# full ``delete_after`` from the day the flag was (last) recorded, then the flag is reviewed
# (language 1's behaviour, a council's choice where the text says nothing). ``suspend``: the
# retention rule "does not apply" while the flag stands, so the record is not deleted at all
# until the flag is ``lifted``; only a review of the flag falls due, every
# ``settings.retention_flag_review_months``.
ExceptionEffect = Literal["extend", "suspend"]
# Events that count as "further activity" and restart a retention clock: a contact from the
# person (``direction: in``), a representation made by them or for them, a meeting.
RestartEvent = Literal["contact", "representation", "meeting"]


class RetentionException(Strict):
    """A published ground on which the normal deletion date does not apply."""

    id: Slug
    label: Text
    effect: ExceptionEffect = "extend"
    source: Source


class Retention(Strict):
    """How long a case in this state is kept before it must be deleted.

    ``restart_on``: the events after which the clock starts again (002: "if there is no further
    activity within that period"); empty (the default): the clock runs from the decision into
    the state, whatever happens later."""

    delete_after: Period
    restart_on: list[RestartEvent] = Field(default_factory=list)
    exceptions: list[RetentionException] = Field(default_factory=list)
    source: Source


class LetterAction(Strict):
    """What a letter's ``actions`` item ("advise them of what action we are taking") says when
    the decision into this state records no restriction: a warning that is itself the action
    ("This letter is a formal warning. We are not restricting your contact now."). Without it, a
    letter that must say what action is taken needs restrictions on the decision (002's stage 1
    letter must give "the 'special measures' that will apply")."""

    text: Text
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
    # What letters say is done when a decision into the state imposes no restriction.
    letter_action: LetterAction | None = None
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
    """Who must be told when a transition happens, and by whom.

    ``by_roles``: the notification's ``by`` must hold one of them ("the Customer and ICT
    business manager must take all reasonable steps to advise all our staff"); ``by_severity``
    says how firm that is ("must" an error; otherwise a warning that ``departure: {rule:
    notification-sender, reason: ...}`` on the notification clears)."""

    list_id: Slug = Field(alias="list")  # a distribution list of this procedure
    by_roles: list[Slug] = Field(default_factory=list)
    by_severity: Severity = "must"
    within: Period | None = None
    source: Source


class PriorStep(Strict):
    """A step the text expects first ("should normally be addressed in the first instance with
    a polite warning"). Skipping it needs a reason recorded on the decision
    (``departure: {rule: prior-step, reason: ...}``); with ``severity: must`` a skip is an error
    unless the referral names one of ``skip_when_behaviours`` and a reason is recorded."""

    states: list[Slug] = Field(min_length=1)
    severity: Severity = "normally"
    skip_when_behaviours: list[Slug] = Field(default_factory=list)
    source: Source


class MinTime(Strict):
    """How long a case must have been in the state it leaves before this decision ("If after
    three months"). ``after_period: true``: not before the end of that state's period (its
    clock, ``until`` included: "after three months or less, as detailed in the letter");
    ``length``: a minimum of its own, counted like any clock from the decision into the state."""

    after_period: Flag = False
    length: Period | None = None
    severity: Severity = "must"
    source: Source

    @model_validator(mode="after")
    def _one(self) -> MinTime:
        if self.after_period == (self.length is not None):
            raise ValueError("min_time needs exactly one of after_period: true or length")
        return self


class Exceptional(Strict):
    """A step only for exceptional or extreme circumstances: the decision must record why
    (``exceptional: <justification>``), and where ``behaviours`` is given the referral must
    name one of them."""

    behaviours: list[Slug] = Field(default_factory=list)
    severity: Severity = "must"
    source: Source


class Guards(Strict):
    """Conditions on taking a transition, each with its severity and source."""

    min_time: MinTime | None = None
    prior: PriorStep | None = None
    exceptional: Exceptional | None = None


class Waivable(Strict):
    """A letter of this transition the council may decide not to send, where the text allows
    acting without notice (002: "reserves the right to extend this without notice"). The
    decision records the waiver and its reason (``waived: [{letter, reason}]``); its approval
    is the decision's."""

    letter: Slug
    source: Source


class Transition(Strict):
    from_: list[Slug] = Field(alias="from", min_length=1)
    to: Slug
    label: Text
    when: Text | None = None  # the condition in the text ("conduct is extreme")
    approval: Approval
    letters: list[Slug] = Field(default_factory=list)
    # Letters of ``letters`` a decision may waive, with the sentence that allows it.
    waivable: list[Waivable] = Field(default_factory=list)
    notify: list[Notify] = Field(default_factory=list)
    # Language 1 spelling of ``guards.prior`` (severity normally): "will normally follow a
    # prior warning".
    expects_prior: list[Slug] = Field(default_factory=list)
    guards: Guards = Field(default_factory=Guards)
    source: Source

    @model_validator(mode="after")
    def _one_prior(self) -> Transition:
        if self.expects_prior and self.guards.prior is not None:
            raise ValueError("give guards.prior or expects_prior, not both")
        return self

    @property
    def id(self) -> str:
        return f"{'|'.join(self.from_)}->{self.to}"

    def waivable_letter(self, letter_id: str) -> Waivable | None:
        """The rule allowing ``letter_id`` to be waived on this transition, if any."""
        if letter_id not in self.letters:
            return None
        return next((w for w in self.waivable if w.letter == letter_id), None)

    @property
    def prior(self) -> PriorStep | None:
        """The prior-step guard, with language 1's ``expects_prior`` read as one."""
        if self.guards.prior is not None:
            return self.guards.prior
        if self.expects_prior:
            return PriorStep(states=self.expects_prior, source=self.source)
        return None


class LetterItem(Strict):
    """Something a letter must contain (see casebook.letter_items for the vocabulary)."""

    item: Slug
    label: Text
    source: Source


class Delivery(Strict):
    """How a letter must reach the person ("All correspondence ... will be in writing and by
    letter"): the letter event's ``via`` must be one of ``via``."""

    via: list[Literal["post", "email", "hand", "post-and-email"]] = Field(min_length=1)
    severity: Severity = "must"
    source: Source


class Letter(Strict):
    title: Text
    # Path under policy/letters/; default <procedure-id>/<letter-id>.md.j2
    template: Text | None = None
    sender_roles: list[Slug] = Field(default_factory=list)
    # How firm "sent by" is: "must be informed in writing ... by the business manager" is a
    # must; the default (language 1) only warns.
    sender_severity: Severity = "normally"
    # How soon after the decision (or the clock's ``starts``) the letter must be sent.
    due_within: Period | None = None
    required: list[LetterItem] = Field(default_factory=list)
    # How the letter must be delivered; default: the procedure's ``delivery``, else any way.
    delivery: Delivery | None = None
    source: Source


class Measure(Strict):
    """A restriction type ("special measure", "sanction") in the procedure's own words.

    The id is a built-in type (casebook.model.restrictions: its parameters and its one breach
    check) or a new one the council names (a ``Declared`` measure: ``summary`` and ``details``
    only). ``letter`` (a sentence to the person), ``staff`` (a line on the staff card),
    ``expects`` (what it asks of the person, in "You should ...") and ``staff_steps`` (what staff
    do while it is in force) replace the built-in wording; each may use ``{field}`` for the
    restriction's parameters (``{topic}``, ``{summary}``, ``{details.NAME}``) and ``{until}``
    (" until 9 June 2026" or nothing). ``breach_check`` is which of the engine's generic checks
    judges contacts against it: a built-in type's own check or ``none``; a declared measure
    ``no-contact`` or ``none``.
    """

    label: Text
    breach_check: BreachCheck | None = None
    letter: Text | None = None
    staff: Text | None = None
    expects: Text | None = None
    staff_steps: list[Text] = Field(default_factory=list)
    # Words for a parameter's values: {handling: {acknowledge: "acknowledge it", ...}} makes
    # ``{handling}`` read "acknowledge it".
    values: dict[Slug, dict[Slug, Text]] = Field(default_factory=dict)
    source: Source


Ombudsman = Literal["lgsco", "psow", "spso", "nipso", "housing-ombudsman"]


class Challenge(Strict):
    """How a person challenges a decision under this procedure, in words for letters, and
    which ombudsman they may go to afterwards (its details: ``ombudsmen:`` in the letterhead).
    Without it, letters use the letterhead's ``complaints`` and ``ombudsman``."""

    route: Text | None = None
    ombudsman: Ombudsman | None = None
    source: Source


class StaffCard(Strict):
    """What the staff handling card adds for this procedure: the emergency instruction
    ("The council reports violence and serious threats to the police" is one council's zero
    tolerance, not every council's) and steps staff always take."""

    emergency: Text | None = None
    steps: list[Text] = Field(default_factory=list)
    source: Source


class Guidance(Strict):
    """An operative sentence of the text that no rule checks, and why (the traceability table
    lists it as "guidance, not checkable")."""

    reason: Text
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
    """In what capacity someone may refer a case (councillor, staff via line manager ...).

    ``by_roles``: the referral's ``by`` must hold one of them ("provided by the councillor");
    empty: anyone in policy/people.yaml. ``by_severity``: "must" an error; otherwise a warning
    that ``departure: {rule: referral-by, reason: ...}`` on the referral clears."""

    id: Slug
    label: Text
    to_roles: list[Slug] = Field(default_factory=list)  # who receives the referral
    by_roles: list[Slug] = Field(default_factory=list)  # who may refer in this capacity
    by_severity: Severity = "must"
    # "refer ... to their line manager": the referral names who raised it (``reported_by``)
    # and its ``by`` is that person's ``line_manager`` in policy/people.yaml (rule
    # ``referral-by``, with ``by_severity``).
    by_line_manager: Flag = False
    # "the relevant Head of Service": the referral's ``by`` works in the case's service (their
    # ``service`` or ``other_services`` in policy/people.yaml), as an approval's same_service.
    by_same_service: Flag = False
    source: Source


class Holder(Strict):
    """Who may hold a part a case names someone for (the single point of contact): a person
    holding one of ``roles``. ``severity``: "must" ("This person will be the Customer & ICT
    Services Business Manager") is an error; "usually" ("This person will usually be the
    Customer Relations Officer") a warning that ``departure: {rule: <rule>, reason: ...}`` on
    the decision naming them clears."""

    roles: list[Slug] = Field(min_length=1)
    severity: Severity = "must"
    source: Source


class Channel(Strict):
    id: Slug
    label: Text


class Exclusion(Strict):
    """A case the procedure does not cover, checked at referral ("does not apply to issues or
    actions relating to County Councillors"). It applies when the referral's ``subject`` is one
    of ``subjects`` or its ``request`` one of ``requests``."""

    id: Slug
    subjects: list[Slug] = Field(default_factory=list)
    requests: list[Slug] = Field(default_factory=list)
    severity: Severity = "must"
    source: Source

    @model_validator(mode="after")
    def _something(self) -> Exclusion:
        if not self.subjects and not self.requests:
            raise ValueError("an exclusion needs subjects or requests")
        return self


class TriggerOn(Strict):
    """What sets a trigger off: the referral naming one of ``behaviours``, or a ``note`` of
    this kind recorded on the case (e.g. ``safeguarding-concern``). Exactly one."""

    behaviours: list[Slug] = Field(default_factory=list)
    note: Slug | None = None

    @model_validator(mode="after")
    def _one(self) -> TriggerOn:
        if bool(self.behaviours) == (self.note is not None):
            raise ValueError("on needs exactly one of behaviours or note")
        return self


class Trigger(Strict):
    """An obligation set off by behaviour, not by a decision (002: violence and serious threats
    "will always be reported to the Police"). Met by a note of kind ``record`` dated on or
    after what set it off, within ``within`` of it (of the referral, or of the note). Overdue:
    an error where ``severity`` is must, else a warning."""

    id: Slug
    label: Text
    on: TriggerOn
    record: Slug  # the ``kind`` of the note that meets it
    within: Period
    severity: Severity = "must"
    source: Source


class CouncillorArrangementRule(Strict):
    """When a decision must record how the person can still reach their councillor (003 ¶12:
    "A decision to restrict e-mail contact will impact on the Customer's ability to make direct
    contact with their Councillor"): when it imposes one of ``restriction_types``, or a
    ``channels`` restriction that leaves out one of ``channels_left_out``. The arrangement is a
    restriction of type ``arrangement_type`` on the same decision; it is shown on the staff card
    and in the letter like any other."""

    restriction_types: list[Slug] = Field(default_factory=list)
    channels_left_out: list[Slug] = Field(default_factory=list)
    arrangement_type: Slug = "councillor-arrangement"
    severity: Severity = "must"
    source: Source

    @model_validator(mode="after")
    def _something(self) -> CouncillorArrangementRule:
        if not self.restriction_types and not self.channels_left_out:
            raise ValueError("give restriction_types or channels_left_out")
        return self


AppealOutcome = Literal["upheld", "varied", "lifted"]


class Deadline(Period):
    """A clock with a firmness: missing it is an error where ``severity`` is must, else a
    warning (cleared by ``departure: {rule: ..., reason: ...}`` on the event)."""

    severity: Severity = "must"


class OutcomeRule(Strict):
    """One outcome an appeal may have, and the letter that tells the person (sent after the
    ``appeal-outcome`` event; due like any letter, ``due_within`` or the council's default)."""

    letter: Slug | None = None
    source: Source


class AppealRule(Strict):
    """A right of appeal against decisions into some states (Glasgow: "A customer can appeal a
    decision to restrict contact").

    ``window``: how long the person has, a clock from the decision under appeal, or from the
    letter that told them (``starts: {letter_sent: <letter>}``: "within 10 working days of
    receipt of the letter"); an appeal received after it is a finding of ``window.severity``.
    ``hears``: who hears it, each requirement filled by someone who is not among the
    ``decided_by`` or ``consulted`` of the decision under appeal ("A senior member of staff who
    was not involved in the original decision"); the ``appeal-outcome`` is approved like a
    decision, by the hearers. ``reply``: a clock from the appeal received, met by its outcome.
    ``outcomes``: which of upheld (nothing changes), varied (the decision's restrictions are
    replaced from the outcome date) and lifted (the case returns to the state it was in before
    the decision) this procedure allows, each with its letter. No state is invented: a lifted
    or varied outcome moves the case between states the procedure already has.
    """

    id: Slug
    label: Text
    against: list[Slug] = Field(min_length=1)  # states: decisions into them can be appealed
    window: Deadline
    hears: list[Requirement] = Field(min_length=1)
    reply: Deadline
    outcomes: dict[AppealOutcome, OutcomeRule] = Field(min_length=1)
    source: Source


class LogReview(Strict):
    """A periodic review of the procedure's whole register ("reviewed annually")."""

    every: Period
    by_roles: list[Slug] = Field(min_length=1)
    source: Source


class Version(Strict):
    """A revision of the procedure, in force from ``effective`` (as OpenFisca dates its
    parameters): each decision is judged under the version in force on its date.

    A version overrides parts of the procedure and keeps the rest: each state in ``states``
    replaces the state of that id, each letter in ``letters`` replaces that letter (a version
    adds no state or letter: declare it in the procedure, so every case file's ids stay
    known whatever the date), and ``transitions`` / ``appeals``, when given, replace the whole
    list. ``text`` is the published text of the revision (under policy/published/), if any.
    """

    id: Text
    effective: Day
    text: Text | None = None
    states: dict[Slug, State] = Field(default_factory=dict)
    transitions: list[Transition] | None = None
    letters: dict[Slug, Letter] = Field(default_factory=dict)
    appeals: list[AppealRule] | None = None
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
    # The same exclusions, as rules checked at referral.
    exclusions: list[Exclusion] = Field(default_factory=list)
    # Whose bank holidays working-day clocks skip; default: settings.nation.
    nation: Nation | None = None
    appeal: Text | None = None  # how the person can challenge a decision, per the text
    # The challenge route and ombudsman letters give (default: the letterhead's).
    challenge: Challenge | None = None
    # How every letter of the procedure must be delivered (a letter's own ``delivery`` wins).
    delivery: Delivery | None = None
    # Restriction types in the procedure's words, and new ones (``Measure``).
    measures: dict[Slug, Measure] = Field(default_factory=dict)
    staff_card: StaffCard | None = None
    # Operative sentences that stay guidance (nothing can check them), with the reason.
    guidance: list[Guidance] = Field(default_factory=list)
    channels: list[Channel] = Field(min_length=1)
    referral: list[Capacity] = Field(min_length=1)
    # Who may be named as the single point of contact (the ``officer`` of a ``spoc``
    # restriction); absent: anyone in policy/people.yaml.
    spoc: Holder | None = None
    # Behaviour ids from policy/behaviours.yaml that this procedure names; empty means all.
    behaviours: list[Slug] = Field(default_factory=list)
    initial: Slug
    states: dict[Slug, State] = Field(min_length=2)
    transitions: list[Transition] = Field(min_length=1)
    letters: dict[Slug, Letter] = Field(default_factory=dict)
    distribution_lists: dict[Slug, DistributionList] = Field(default_factory=dict)
    log_review: LogReview | None = None
    # Where a decision must record an arrangement for contacting councillors.
    councillor_arrangement: CouncillorArrangementRule | None = None
    # Obligations set off by behaviour (a police report, a safeguarding referral).
    triggers: list[Trigger] = Field(default_factory=list)
    # Rights of appeal: who may appeal which decisions, within what, heard by whom.
    appeals: list[AppealRule] = Field(default_factory=list)
    # The id of the version the rest of this file describes (e.g. "2013"), and the later
    # revisions, each in force from its date (oldest first). See ``at``.
    version: Text | None = None
    versions: list[Version] = Field(default_factory=list)
    _at: dict[int, Procedure] = PrivateAttr(default_factory=dict)
    # Who may approve a pull request that rewrites or deletes a past fact of a case (an event,
    # the referral). Absent (the default): nobody; the record is append-only and a mistake is
    # put right by a new event that says what it corrects (``corrects:``). See `approvals`.
    corrections: Approval | None = None

    def transition(self, from_state: str, to_state: str) -> Transition | None:
        for t in self.transitions:
            if from_state in t.from_ and t.to == to_state:
                return t
        return None

    def delivery_of(self, letter_id: str) -> Delivery | None:
        """The delivery rule of one letter: its own, else the procedure's."""
        letter = self.letters.get(letter_id)
        if letter is not None and letter.delivery is not None:
            return letter.delivery
        return self.delivery

    @model_validator(mode="after")
    def _versions_in_order(self) -> Procedure:
        ids = [self.version or "", *(v.id for v in self.versions)]
        if len(set(ids)) != len(ids):
            raise ValueError("versions need distinct ids (and one other than version:)")
        for v in self.versions:
            for part, mine in (("states", v.states), ("letters", v.letters)):
                added = sorted(set(mine) - set(getattr(self, part)))
                if added:
                    raise ValueError(
                        f"version {v.id} adds {part} {', '.join(added)}: a version may only "
                        f"replace {part} the procedure defines (add them to the procedure)"
                    )
        days = [v.effective for v in self.versions]
        if days != sorted(set(days)):
            raise ValueError(
                "versions must be listed oldest first, each with its own effective date"
            )
        return self

    def version_index(self, day: date) -> int:
        """Which version is in force on ``day``: 0 for the file's own body (``version``),
        ``k`` for ``versions[k - 1]``."""
        k = 0
        for n, v in enumerate(self.versions, start=1):
            if v.effective <= day:
                k = n
        return k

    def at(self, day: date) -> Procedure:
        """The procedure as in force on ``day``: the body with the latest version whose
        ``effective`` is on or before ``day`` laid over it (itself when none is)."""
        k = self.version_index(day)
        if k == 0:
            return self
        if k not in self._at:
            v = self.versions[k - 1]
            over = self.at(self.versions[k - 2].effective) if k > 1 else self
            self._at[k] = over.model_copy(
                update={
                    "version": v.id,
                    "text": v.text or over.text,
                    "states": {**over.states, **v.states},
                    "transitions": v.transitions if v.transitions is not None else over.transitions,
                    "letters": {**over.letters, **v.letters},
                    "appeals": v.appeals if v.appeals is not None else over.appeals,
                    "versions": [],
                }
            )
        return self._at[k]

    def appeal_against(self, state: str) -> AppealRule | None:
        """The appeal rule covering decisions into ``state``, if any."""
        return next((a for a in self.appeals if state in a.against), None)

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
