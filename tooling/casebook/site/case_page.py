"""The governance page of one case: everything the record says, and what is due."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import markdown
import nh3

from ..handling import describe
from ..model.case import (
    ContactLogged,
    Decision,
    LetterSent,
    Meeting,
    Note,
    Notification,
    Representation,
    ReviewHeld,
)
from ..model.procedure import Letter
from . import md
from .inputs import BreachPeriod, RenderedLetter
from .view import CaseView, SiteData

_PR = re.compile(r"^#(\d+)$")


class Names:
    """Person ids to names, for pages; an unknown id is shown as written (escaped)."""

    def __init__(self, data: SiteData) -> None:
        self.people = data.people

    def one(self, pid: str) -> str:
        p = self.people.get(pid)
        return md.text(p.name) if p else md.text(pid)

    def many(self, pids: Iterable[str]) -> str:
        return ", ".join(self.one(p) for p in pids) or md.DASH


def approved(value: str | None, repo_url: str | None) -> str:
    """The pull request that approved a decision, linked when the repository is known."""
    if not value:
        return "*not recorded*"
    m = _PR.match(value.strip())
    if m and repo_url:
        return f"[{md.text(value)}]({repo_url.rstrip('/')}/pull/{m.group(1)})"
    return md.text(value)


def case_page(
    view: CaseView,
    data: SiteData,
    breaches: list[BreachPeriod] | None,
    letters: list[RenderedLetter] | None,
) -> str:
    case, proc = view.case, view.proc
    names = Names(data)
    channels = {c.id: c.label for c in proc.channels}
    states = {sid: s.label for sid, s in proc.states.items()}
    person = case.person
    out = [f"# {md.text(case.id)}: {md.text(person.name)}", ""]
    summary = [
        ("Procedure", md.link(proc.title, f"../procedures/{proc.id}.md")),
        ("Service", md.text(case.service)),
        ("State", f"**{md.text(view.state_label)}** since {md.day(view.derived.since)}"),
        ("Referred", f"{md.day(case.referral.date)} by {names.one(case.referral.by)}"),
    ]
    out += [md.fields(summary), ""]

    out += ["## Restrictions in force", ""]
    if view.active:
        out.append(md.bullets(md.text(describe(r, data.people, channels)) for r in view.in_force))
    else:
        out.append(f"None: the case is {md.text(view.state_label.lower())}.")

    out += ["", "## Due", ""]
    out.append(_obligations(view, data))

    out += ["", "## Person", ""]
    rows = [("Name", md.text(person.name))]
    if person.known_as:
        rows.append(("Also known as", ", ".join(md.text(k) for k in person.known_as)))
    if person.identifiers:
        rows.append(("Identifiers", "; ".join(md.text(i) for i in person.identifiers)))
    c = person.contact
    rows += [
        ("E-mail", md.text(c.email) if c.email else md.DASH),
        ("Telephone", md.text(c.phone) if c.phone else md.DASH),
        ("Address", md.text(c.address) if c.address else md.DASH),
    ]
    for a in person.adjustments:
        rows.append(
            ("Adjustment", md.text(a.type) + (f": {md.text(a.details)}" if a.details else ""))
        )
    for r in person.representatives:
        org = f", {md.text(r.organisation)}" if r.organisation else ""
        rows.append(("Representative", f"{md.text(r.name)} ({md.text(r.role)}{org})"))
    out += [md.fields(rows), ""]

    ref = case.referral
    capacity = next((x.label for x in proc.referral if x.id == ref.capacity), ref.capacity)
    labels = {b.id: b.label for b in data.policy.taxonomy.behaviours}
    out += ["## Referral", ""]
    out.append(
        md.fields(
            [
                ("Date", md.day(ref.date)),
                ("Referred by", f"{names.one(ref.by)} ({md.text(capacity)})"),
                ("Behaviours", "; ".join(md.text(labels.get(b, b)) for b in ref.behaviours)),
                (
                    "Contacts",
                    "; ".join(
                        f"{x.count} by {md.text(channels.get(x.channel, x.channel))}"
                        + (f" in {md.text(x.period)}" if x.period else "")
                        for x in ref.contacts
                    ),
                ),
                ("Officers involved before", names.many(case.officers)),
            ]
        )
    )
    out += ["", "**Account:**", "", md.paragraphs(ref.account), ""]

    out += ["## Decisions", ""]
    decision_rows = []
    for _, d in case.decisions():
        decision_rows.append(
            (
                md.day(d.date),
                md.text(states.get(d.to, d.to)),
                names.many(d.decided_by),
                names.many(d.consulted),
                approved(d.approved_in, data.repo_url),
                md.text(d.reasons),
            )
        )
    out += [
        md.table(
            ["Date", "To", "Decided by", "Consulted", "Approved in", "Reasons"], decision_rows
        ),
        "",
    ]

    out += ["## Breaches by monitoring period", "", _breaches(view, breaches), ""]
    out += ["## Timeline", ""]
    timeline = [
        (md.day(e.date), *_event(e, names, channels, states, proc.letters)) for e in case.events
    ]
    out += [md.table(["Date", "Event", "Who", "Details"], timeline), ""]

    out += ["## Letters", ""]
    out.append(_letters(view, letters))

    if case.retention_flags:
        out += ["", "## Retention exceptions", ""]
        out.append(
            md.bullets(
                f"{md.text(f.exception)}: {md.text(f.reason)} "
                f"({md.day(f.recorded)}, {names.one(f.by)})"
                for f in case.retention_flags
            )
        )
    return md.page(f"{case.id}: {person.name}", "\n".join(out))


def _obligations(view: CaseView, data: SiteData) -> str:
    if data.inputs.obligations is None:
        return "*Obligations were not computed for this build.*"
    mine = [o for o in data.inputs.obligations if o.case == view.id and not o.met]
    rows = [
        (
            md.iso(o.due),
            md.iso(o.latest),
            md.text(o.label),
            "**overdue**" if o.overdue(data.as_of) else "",
        )
        for o in sorted(mine, key=lambda o: (o.due, o.key))
    ]
    return md.table(["Due", "Latest", "What", ""], rows)


def _breaches(view: CaseView, breaches: list[BreachPeriod] | None) -> str:
    if breaches is None:
        return "*Breaches were not computed for this build.*"
    mine = sorted((p for p in breaches if p.case == view.id), key=lambda p: p.start)
    if not mine:
        return "*No monitoring periods.*"
    out = []
    for p in mine:
        out.append(
            f"**{md.day(p.start)} to {md.day(p.end) if p.end else 'now'}**: "
            f"{len(p.breaches)} breach{'es' if len(p.breaches) != 1 else ''}"
        )
        if p.breaches:
            out += [
                "",
                md.table(
                    ["Date", "Channel", "Restriction broken"],
                    [
                        (md.iso(b.date), md.text(b.channel), md.text(b.restriction))
                        for b in p.breaches
                    ],
                ),
            ]
        out.append("")
    return "\n".join(out)


def _event(
    e: object,
    names: Names,
    channels: dict[str, str],
    states: dict[str, str],
    letters: Mapping[str, Letter],
) -> tuple[str, str, str]:
    """(what, who, details) for one event, each escaped."""
    if isinstance(e, Decision):
        extra = f"; until {md.day(e.until)}" if e.until else ""
        return (
            f"Decision: {md.text(states.get(e.to, e.to))}",
            names.many(e.decided_by),
            md.text(e.reasons) + extra,
        )
    if isinstance(e, LetterSent):
        letter = letters.get(e.letter)
        label = letter.title if letter else e.letter
        to = f" to {md.text(e.to)}" if e.to else ""
        return (f"Letter: {md.text(label)}", names.one(e.by), f"by {md.text(e.via)}{to}")
    if isinstance(e, ContactLogged):
        arrow = "from" if e.direction == "in" else "to"
        when = f" at {md.text(e.time)}" if e.time else ""
        details = md.text(e.summary)
        if e.topic:
            details += f" (topic: {md.text(e.topic)})"
        if e.minutes:
            details += f"; {e.minutes} min"
        return (
            f"Contact {arrow} the person by {md.text(channels.get(e.channel, e.channel))}{when}",
            names.one(e.to),
            details,
        )
    if isinstance(e, Meeting):
        return ("Meeting", names.many(e.attendees), md.text(e.summary))
    if isinstance(e, ReviewHeld):
        nxt = f"; next review {md.day(e.next_review)}" if e.next_review else ""
        return (f"Review: {md.text(e.outcome)}", names.many(e.by), md.text(e.notes) + nxt)
    if isinstance(e, Notification):
        return (f"Notification: {md.text(e.list_id)}", names.one(e.by), md.text(e.about))
    if isinstance(e, Representation):
        who = names.one(e.considered_by) if e.considered_by else md.DASH
        outcome = f"; outcome: {md.text(e.outcome)}" if e.outcome else ""
        return ("Representation", who, md.text(e.summary) + outcome)
    if isinstance(e, Note):
        return ("Note", names.one(e.by), md.text(e.text))
    return (md.text(type(e).__name__), md.DASH, md.DASH)  # pragma: no cover


def _letters(view: CaseView, letters: list[RenderedLetter] | None) -> str:
    sent = [e for e in view.case.events if isinstance(e, LetterSent)]
    out = ["**Recorded as sent:**", ""]
    titles = {lid: x.title for lid, x in view.proc.letters.items()}
    out.append(
        md.bullets(f"{md.day(e.date)}: {md.text(titles.get(e.letter, e.letter))}" for e in sent)
    )
    out.append("")
    if letters is None:
        out.append("*Letter texts were not rendered for this build.*")
        return "\n".join(out)
    mine = [x for x in letters if x.case == view.id]
    for letter in mine:
        out += [letter_html(letter), ""]
    if not mine:
        out.append("*No rendered letters.*")
    return "\n".join(out)


def letter_html(letter: RenderedLetter) -> str:
    """A rendered letter as a collapsible block of sanitised HTML.

    Letters are Markdown from templates filled with record text. They are converted here and
    cleaned with nh3 (an allow-list sanitiser), so a ``<script>`` or a ``javascript:`` link that
    reached a letter still cannot run on the site.
    """
    body = markdown.markdown(letter.markdown, extensions=["tables"])
    clean = nh3.clean(body).strip()
    when = f" ({md.attr(md.day(letter.date))})" if letter.date else ""
    summary = md.attr(letter.title) + when
    # A raw HTML block: no blank lines inside, or Python-Markdown would end it early.
    clean = "\n".join(line for line in clean.splitlines() if line.strip())
    return (
        f'<details class="cb-letter">\n<summary>{summary}</summary>\n'
        f'<div class="cb-letter-body">\n{clean}\n</div>\n</details>'
    )
