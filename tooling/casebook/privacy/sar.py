"""Subject access requests (UK GDPR Article 15): everything the casebook holds about one person.

``find`` searches every case for the person: as the subject of a case (name, known-as name,
e-mail, telephone or address), as a representative of someone else, or named in the free text
of an event. ``bundle_markdown`` writes what was found as a draft for the information
governance officer, with other members of the public marked ``[REDACT: ...]`` and possible
names the tool cannot place marked ``[CHECK: ...]``. What is in and out, and why:
docs/decisions/0015-subject-access-bundle.md.

The bundle is a draft: a person reviews it, applies any exemption, removes what is marked, and
sends it. Nothing here decides an exemption.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from dateutil.relativedelta import relativedelta

from casebook.engine.timeline import timeline
from casebook.model import Case, Procedure
from casebook.model import Person as StaffPerson
from casebook.model.case import (
    Appeal,
    AppealOutcomeEvent,
    ContactLogged,
    Decision,
    Event,
    LetterSent,
    Meeting,
    Note,
    Notification,
    Person,
    Representation,
    ReviewHeld,
)
from casebook.privacy.names import mentions, normalise
from casebook.publish.handling import describe
from casebook.store.cases import Casebook

# Words that start with a capital but are not people (headings, places, council words).
_WORDS = """
    a an the and or of to for in on at by with from about after before this that these those
    i we you he she they it his her their our your my mr mrs ms miss dr mx monday tuesday
    wednesday thursday friday saturday sunday january february march april may june july
    august september october november december council county borough district city town
    parish street road lane avenue close drive way court place square house hall centre
    office officer officers team service services department directorate committee planning
    housing customer customers relations governance information complaint complaints stage
    manager director head chief executive monitoring senior assistant business member
    members councillor councillors ombudsman local government social care police email e
    mail phone letter letters policy procedure called emailed wrote said asked replied
    meeting review
"""
_NOT_NAMES = frozenset(_WORDS.split())
_HONORIFIC = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr)\.?\s+[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+)?")
_CAPITALISED = re.compile(r"\b[A-Z][a-z'’-]+(?:\s+[A-Z][a-z'’-]+)+\b")


@dataclass(frozen=True, slots=True)
class Subject:
    """Who the request is from, as the requester identified themselves."""

    name: str
    emails: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()

    def is_person(self, p: Person) -> bool:
        names = [p.name, *p.known_as]
        if any(normalise(n) == normalise(self.name) for n in names):
            return True
        return self.is_contact(p.contact.email, p.contact.phone, p.contact.address)

    def is_contact(self, email: object, phone: str | None, address: str | None) -> bool:
        if email is not None and any(str(email).casefold() == e.casefold() for e in self.emails):
            return True
        if phone and any(_digits(phone) == _digits(x) and _digits(x) for x in self.phones):
            return True
        return bool(address) and any(
            normalise(address or "") == normalise(a) for a in self.addresses
        )

    @property
    def full_name(self) -> bool:
        """At least two words of two letters or more: enough to search free text for.

        A one-word name ("a", "Lee", "Will") matches ordinary words in every note, so it is
        only compared with whole recorded names, never searched for in text.
        """
        return len([w for w in normalise(self.name).split() if len(w) >= 2]) >= 2

    def mentioned_in(self, text: str) -> bool:
        return (self.full_name and mentions(text, self.name)) or any(
            mentions(text, e) for e in self.emails
        )


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


@dataclass(slots=True)
class Found:
    """One case that concerns the subject, and how."""

    case: Case
    procedure: Procedure | None
    role: str  # "subject", "representative", "mentioned"
    representative_index: int | None = None
    # Events to include: every event for the subject, only those that name them otherwise.
    events: list[int] = field(default_factory=list)


def find(book: Casebook, subject: Subject) -> list[Found]:
    out: list[Found] = []
    for case in book.each_case():
        proc = book.policy.procedures.get(case.procedure)
        if subject.is_person(case.person):
            out.append(Found(case, proc, "subject", events=list(range(len(case.events)))))
            continue
        rep = next(
            (
                i
                for i, r in enumerate(case.person.representatives)
                if normalise(r.name) == normalise(subject.name)
                or (
                    r.contact
                    and subject.is_contact(r.contact.email, r.contact.phone, r.contact.address)
                )
            ),
            None,
        )
        named = [i for i, e in enumerate(case.events) if subject.mentioned_in(" ".join(_texts(e)))]
        if case.referral.account and subject.mentioned_in(case.referral.account):
            named = [-1, *named]  # -1: the referral's account
        if rep is not None:
            out.append(Found(case, proc, "representative", rep, named))
        elif named:
            out.append(Found(case, proc, "mentioned", None, named))
    return out


def _texts(e: Event) -> list[str]:
    """The free text of an event (where other people's names can appear)."""
    if isinstance(e, ContactLogged):
        return [e.summary, e.topic or ""]
    if isinstance(e, Decision):
        return [e.reasons]
    if isinstance(e, ReviewHeld):
        return [e.notes]
    if isinstance(e, Meeting):
        return [e.summary]
    if isinstance(e, Representation):
        return [e.summary, e.outcome or ""]
    if isinstance(e, Note):
        return [e.text]
    if isinstance(e, Appeal):
        return [e.by, e.grounds]
    if isinstance(e, AppealOutcomeEvent):
        return [e.reasons]
    if isinstance(e, Notification):
        return [e.about]
    if isinstance(e, LetterSent):
        return [e.to or ""]
    return []


def due_dates(received: date) -> tuple[date, date]:
    """One calendar month from receipt; three with the extension for complex requests.

    The ICO: where the corresponding date does not exist, the last day of the month
    (31 January -> 28 or 29 February), which is what relativedelta gives.
    """
    return received + relativedelta(months=1), received + relativedelta(months=3)


class Redactor:
    """Marks other members of the public in text; leaves the subject and (by default) staff."""

    def __init__(
        self, book: Casebook, subject: Subject, mine: Iterable[Case], redact_staff: bool
    ) -> None:
        keep = [subject.name, *subject.emails]
        for case in mine:  # the subject's own cases: their names and their representatives
            keep += [case.person.name, *case.person.known_as]
            keep += [r.name for r in case.person.representatives]
        staff = [p.name for p in book.policy.people.people]
        self.staff = staff
        self.redact_staff = redact_staff
        if not redact_staff:
            keep += staff
        self.keep = [normalise(k) for k in keep]
        self.keep_words = {w for k in self.keep for w in k.split()}
        third: set[str] = set()
        for case in book.each_case():
            people = [case.person.name, *case.person.known_as]
            people += [r.name for r in case.person.representatives]
            emails = [case.person.contact.email] + [
                r.contact.email for r in case.person.representatives if r.contact
            ]
            for value in [*people, *(str(e) for e in emails if e)]:
                if normalise(value) not in self.keep:
                    third.add(value)
        if redact_staff:
            third.update(staff)
        # Longest first, so "Jo Bloggs-Smith" is marked before "Jo Bloggs".
        self.patterns = [
            (v, re.compile(_pattern(v), re.IGNORECASE))
            for v in sorted(third, key=len, reverse=True)
        ]
        self.marked = 0
        self.checks = 0

    def person(self, name: str) -> str:
        """A member of the public's name standing alone (a field, not free text)."""
        if normalise(name) in self.keep:
            return esc(name)
        self.marked += 1
        return f"[REDACT: {esc(name)}]"

    def staff_name(self, name: str) -> str:
        if self.redact_staff:
            self.marked += 1
            return f"[REDACT: {name}]"
        return name

    def text(self, text: str) -> str:
        """Free text with known third parties marked, and possible names flagged."""
        pieces: list[tuple[bool, str]] = [(False, text)]  # (already marked, text)
        for _value, pattern in self.patterns:
            pieces = _split(pieces, pattern, lambda m: f"[REDACT: {m.group(0)}]")
        self.marked += sum(1 for done, p in pieces if done and p.startswith("[REDACT"))
        for pattern in (_HONORIFIC, _CAPITALISED):
            pieces = _split(pieces, pattern, self._check)
        return "".join(p for _, p in pieces)

    def _check(self, m: re.Match[str]) -> str | None:
        words = normalise(m.group(0)).split()
        names = [w for w in words if w not in _NOT_NAMES]
        if not names or all(w in self.keep_words for w in names):
            return None
        if _HONORIFIC.fullmatch(m.group(0)) is None and len(names) < 2:
            return None
        self.checks += 1
        return f"[CHECK: {m.group(0)}]"


def _pattern(value: str) -> str:
    words = [re.escape(w) for w in re.split(r"[\W_]+", value) if w]
    return r"(?<!\w)" + r"[\W_]+".join(words) + r"(?!\w)"


def _split(
    pieces: list[tuple[bool, str]],
    pattern: re.Pattern[str],
    mark: Callable[[re.Match[str]], str | None],
) -> list[tuple[bool, str]]:
    out: list[tuple[bool, str]] = []
    for done, text in pieces:
        if done:
            out.append((done, text))
            continue
        pos = 0
        for m in pattern.finditer(text):
            replacement = mark(m)
            if replacement is None:
                continue
            out.append((False, text[pos : m.start()]))
            out.append((True, replacement))
            pos = m.end()
        out.append((False, text[pos:]))
    return out


# --- the bundle, as Markdown -------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]#|])")


def esc(text: str) -> str:
    """Text from a record, safe in Markdown (and so in the HTML made from it)."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    out = _MD_SPECIAL.sub(r"\\\1", text.replace("\n", " "))
    return re.sub(r"^([-+]|\d+\.)(\s)", r"\\\1\2", out)


def _safe(red: Redactor, text: str) -> str:
    """Redact, then escape everything except the markers themselves."""
    parts = re.split(r"(\[(?:REDACT|CHECK): [^\]]*\])", red.text(text))
    return "".join(
        (f"[{esc(p[1:-1])}]" if re.fullmatch(r"\[(?:REDACT|CHECK): [^\]]*\]", p) else esc(p))
        for p in parts
    )


@dataclass(frozen=True, slots=True)
class _W:
    """What writing one entry needs."""

    red: Redactor
    staff: Callable[[str], str]
    staff_list: Callable[[Iterable[str]], str]
    people: dict[str, StaffPerson]  # for restriction wording (empty when staff are redacted)
    behaviours: dict[str, str]


@dataclass(frozen=True, slots=True)
class Bundle:
    markdown: str
    cases: int
    events: int
    marked: int
    checks: int


def bundle_markdown(
    book: Casebook,
    subject: Subject,
    found: list[Found],
    received: date,
    as_of: date,
    redact_staff: bool = False,
) -> Bundle:
    mine = [f.case for f in found if f.role == "subject"]
    # A file that does not parse or validate is not searched: the draft must not claim the
    # search was complete (a record about the person may be in it).
    unread = sum(1 for f in book.files if not f.valid)
    red = Redactor(book, subject, mine, redact_staff)
    people = book.policy.people.by_id()
    council = book.policy.settings.council
    due, extended = due_dates(received)

    def staff(pid: str) -> str:
        p = people.get(pid)
        if p is None:
            return esc(pid)
        title = f" ({esc(p.job_title)})" if p.job_title else ""
        return red.staff_name(esc(p.name)) + ("" if redact_staff else title)

    def staff_list(ids: Iterable[str]) -> str:
        return ", ".join(staff(i) for i in ids) or "none recorded"

    w = _W(
        red,
        staff,
        staff_list,
        {} if redact_staff else people,
        {b.id: b.label for b in book.policy.taxonomy.behaviours},
    )

    searched = [f"name “{esc(subject.name)}”"]
    searched += [f"e-mail {esc(e)}" for e in subject.emails]
    searched += [f"address “{esc(a)}”" for a in subject.addresses]
    searched += [f"telephone {esc(p)}" for p in subject.phones]
    lines = [
        f"# Subject access request: records held by {esc(council)}",
        "",
        f"- **Request received:** {received:%d %B %Y}",
        f"- **Response due:** {due:%d %B %Y} (one calendar month; at the latest "
        f"{extended:%d %B %Y} if extended by two months because the request is complex, "
        "telling the requester within the first month)",
        f"- **Searched for:** {'; '.join(searched)}",
        f"- **Records searched:** every case file in the casebook, as on {as_of:%d %B %Y}"
        + (
            ""
            if not unread
            else f" **except {unread} file(s) that could not be read** (run `casebook check`,"
            " fix them and search again before this response is sent)"
        ),
        f"- **Cases found:** {len(found)}",
        "",
        "> **Draft for review, not for sending as it is.** `[REDACT: …]` marks another member "
        "of the public; `[CHECK: …]` marks words that may be a name the casebook does not "
        "know. Remove or confirm each, and consider any exemption, before the response is "
        "sent. Council staff are named in their official capacity"
        + (" (marked for redaction in this draft)." if redact_staff else ".")
        + " Earlier versions of these records are kept in the casebook's git history; "
        "pull-request discussions are held on GitHub and are searched separately.",
        "",
    ]
    total_events = 0
    for f in found:
        case, proc = f.case, f.procedure
        title = proc.title if proc else case.procedure
        lines += [f"## {case.id}: {esc(title)}", ""]
        if f.role == "subject":
            lines += _subject_case(case, proc, w)
        elif f.role == "representative":
            assert f.representative_index is not None
            rep = case.person.representatives[f.representative_index]
            lines += [
                f"You are recorded as **{esc(rep.role)}** acting for another person "
                f"({red.person(case.person.name)}), whose own information is not part of "
                "this response.",
                "",
                f"- **Name:** {esc(rep.name)}",
            ]
            if rep.organisation:
                lines.append(f"- **Organisation:** {esc(rep.organisation)}")
            if rep.contact:
                lines += _contact(rep.contact.email, rep.contact.phone, rep.contact.address)
            lines.append("")
        else:
            lines += [
                "You are named in a case about another person, whose own information is not "
                "part of this response. The entries that name you:",
                "",
            ]
        if f.role != "subject" and f.events:
            lines += ["### Entries that name you", ""]
            for i in f.events:
                if i == -1:
                    lines.append(
                        f"- **{case.referral.date:%d %B %Y}, referral:** "
                        f"{_safe(red, case.referral.account)}"
                    )
                else:
                    lines.append(_event_line(case.events[i], proc, w))
            lines.append("")
        total_events += len(f.events)
    if not found:
        lines += ["No case in the casebook concerns this person.", ""]
    return Bundle(
        "\n".join(lines).rstrip() + "\n", len(found), total_events, red.marked, red.checks
    )


def _contact(email: object, phone: str | None, address: str | None) -> list[str]:
    out = []
    if email:
        out.append(f"- **E-mail:** {esc(str(email))}")
    if phone:
        out.append(f"- **Telephone:** {esc(phone)}")
    if address:
        out.append(f"- **Address:** {esc(address)}")
    return out


def _subject_case(case: Case, proc: Procedure | None, w: _W) -> list[str]:
    red, staff = w.red, w.staff
    p = case.person
    lines = ["This case is about you.", ""]
    if proc is not None:
        d = timeline(case, proc)
        label = proc.states[d.state].label if d.state in proc.states else d.state
        lines += [f"- **Current state:** {esc(label)} (since {d.since:%d %B %Y})"]
    lines += [f"- **Service:** {esc(case.service)}", "", "### Your details as recorded", ""]
    lines.append(f"- **Name:** {esc(p.name)}")
    if p.known_as:
        lines.append(f"- **Also known as:** {esc(', '.join(p.known_as))}")
    lines += _contact(p.contact.email, p.contact.phone, p.contact.address)
    for ident in p.identifiers:
        lines.append(f"- **How staff recognise you:** {_safe(red, ident)}")
    for adj in p.adjustments:
        details = f": {esc(adj.details)}" if adj.details else ""
        lines.append(f"- **Reasonable adjustment:** {esc(adj.type)}{details}")
    for rep in p.representatives:
        org = f", {esc(rep.organisation)}" if rep.organisation else ""
        lines.append(f"- **Representative:** {esc(rep.name)} ({esc(rep.role)}{org})")
    r = case.referral
    behaviours = w.behaviours
    lines += [
        "",
        "### Referral",
        "",
        f"- **Date:** {r.date:%d %B %Y}",
        f"- **Referred by:** {staff(r.by)}",
        f"- **Behaviour referred:** {esc(', '.join(behaviours.get(b, b) for b in r.behaviours))}",
        f"- **Account:** {_safe(red, r.account)}",
    ]
    for c in r.contacts:
        period = f" ({esc(c.period)})" if c.period else ""
        lines.append(f"- **Contacts counted:** {c.count} by {esc(c.channel)}{period}")
    lines += ["", "### What happened", ""]
    for e in case.events:
        lines.append(_event_line(e, proc, w))
    letters = [e for e in case.events if isinstance(e, LetterSent)]
    lines += ["", "### Letters sent to you", ""]
    if letters:
        lines += ["| Date | Letter | Sent by | How | To |", "| --- | --- | --- | --- | --- |"]
        for e in letters:
            name = proc.letters[e.letter].title if proc and e.letter in proc.letters else e.letter
            to = _safe(red, e.to) if e.to else "you"
            lines.append(
                f"| {e.date:%d %B %Y} | {esc(name)} | {staff(e.by)} | {esc(e.via)} | {to} |"
            )
    else:
        lines.append("None recorded.")
    for flag in case.retention_flags:
        lines += [
            "",
            f"- **Kept beyond the normal period ({flag.recorded:%d %B %Y}):** "
            f"{esc(flag.exception)}: {_safe(red, flag.reason)}",
        ]
    lines.append("")
    return lines


def _event_line(e: Event, proc: Procedure | None, w: _W) -> str:
    red, staff, staff_list = w.red, w.staff, w.staff_list
    when = f"- **{e.date:%d %B %Y}"
    if isinstance(e, Decision):
        label = proc.states[e.to].label if proc and e.to in proc.states else e.to
        channels = {c.id: c.label for c in proc.channels} if proc else {}
        restrictions = "; ".join(esc(describe(r, w.people, channels)) for r in e.restrictions)
        out = (
            f"{when}, decision:** moved to {esc(label)}. Decided by {staff_list(e.decided_by)}"
            + (f"; consulted {staff_list(e.consulted)}" if e.consulted else "")
            + f". Reasons: {_safe(red, e.reasons)}"
        )
        if restrictions:
            out += f" Restrictions: {restrictions}."
        if e.until:
            out += f" Until {e.until:%d %B %Y}."
        return out
    if isinstance(e, LetterSent):
        name = proc.letters[e.letter].title if proc and e.letter in proc.letters else e.letter
        return f"{when}, letter:** {esc(name)} sent by {staff(e.by)} ({esc(e.via)})"
    if isinstance(e, ContactLogged):
        at = f" at {e.time}" if e.time else ""
        way = "from you" if e.direction == "in" else "to you"
        to = staff(e.to) if e.to in w.people or w.red.redact_staff else esc(e.to)
        mins = f", {e.minutes} minutes" if e.minutes else ""
        return f"{when}{at}, {esc(e.channel)} contact {way}** ({to}{mins}): {_safe(red, e.summary)}"
    if isinstance(e, ReviewHeld):
        nxt = f" Next review {e.next_review:%d %B %Y}." if e.next_review else ""
        return (
            f"{when}, review** by {staff_list(e.by)}: {esc(e.outcome)}. {_safe(red, e.notes)}{nxt}"
        )
    if isinstance(e, Meeting):
        return f"{when}, meeting** with {staff_list(e.attendees)}: {_safe(red, e.summary)}"
    if isinstance(e, Notification):
        return (
            f"{when}, staff told** (list {esc(e.list_id)}) by {staff(e.by)}: {_safe(red, e.about)}"
        )
    if isinstance(e, Representation):
        out = f"{when}, your representations:** {_safe(red, e.summary)}"
        if e.outcome:
            out += f" Outcome: {_safe(red, e.outcome)}"
        return out
    if isinstance(e, Note):
        return f"{when}, note** by {staff(e.by)}: {_safe(red, e.text)}"
    if isinstance(e, Appeal):
        return f"{when}, your appeal:** {_safe(red, e.grounds)}"
    if isinstance(e, AppealOutcomeEvent):
        return (
            f"{when}, outcome of your appeal** ({esc(e.outcome)}), heard by "
            f"{staff_list(e.heard_by)}: {_safe(red, e.reasons)}"
        )
    return f"{when}**"  # pragma: no cover - every event type is handled above
