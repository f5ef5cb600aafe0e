"""The governance page of one case: everything the record says, and what is due.

Written as HTML blocks (``markup``) under Markdown headings: see ``markup`` for why.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

from casebook.model.case import (
    Appeal,
    AppealOutcomeEvent,
    ContactLogged,
    Decision,
    LetterSent,
    Meeting,
    Note,
    Notification,
    Representation,
    ReviewHeld,
)
from casebook.model.common import Strict
from casebook.model.procedure import Letter
from casebook.publish.handling import describe
from casebook.publish.letters.mdtext import to_html
from casebook.publish.site import markup as h
from casebook.publish.site import md
from casebook.publish.site.inputs import BreachPeriod, RenderedLetter
from casebook.publish.site.view import CaseView, SiteData

_PR = re.compile(r"^#(\d+)$")
UP = "../../"  # from cases/<ID>/ to the site root


class Names:
    """Person ids to escaped names; an unknown id is shown as written."""

    def __init__(self, people: Mapping[str, str]) -> None:
        self.people = people

    def one(self, pid: str) -> str:
        return h.esc(self.people.get(pid, pid))

    def many(self, pids: Iterable[str]) -> str:
        return ", ".join(self.one(p) for p in pids) or md.DASH


def is_https_url(value: str) -> bool:
    """True for an https:// URL with a host, no query or fragment, and nothing odd in it.

    It becomes the start of links on every case page, so ``javascript:``, ``data:`` and plain
    ``http:`` are refused, as are spaces, quotes, angle brackets and control characters.
    """
    parts = urlsplit(value)
    bad = any(c.isspace() or c in "\"'<>`\\" or ord(c) < 32 or ord(c) == 127 for c in value)
    return (
        parts.scheme == "https"
        and bool(parts.hostname)
        and not bad
        and not parts.query
        and not parts.fragment
    )


def approved(value: str | None, repo_url: str | None) -> str:
    """The pull request that approved a decision, linked when the repository is known."""
    if not value:
        return "<em>not recorded</em>"
    m = _PR.match(value.strip())
    # Only https links: the CLI refuses other URLs; this keeps a javascript: one out anyway.
    if m and repo_url and is_https_url(repo_url):
        return h.a(value, f"{repo_url.rstrip('/')}/pull/{m.group(1)}")
    return h.esc(value)


def case_page(
    view: CaseView,
    data: SiteData,
    breaches: list[BreachPeriod] | None,
    letters: list[RenderedLetter] | None,
    letters_failed: bool | None = None,
) -> str:
    """The page of one case. ``letters_failed`` None: as ``data.inputs.letters_failed`` says."""
    case, proc = view.case, view.proc
    plain = {pid: p.name for pid, p in data.people.items()}
    names = Names(plain)
    channels = {c.id: c.label for c in proc.channels}
    states = {sid: s.label for sid, s in proc.states.items()}
    person = case.person
    head = f"# {md.text(case.id)}: {md.text(person.name)}"
    out: list[str] = []
    out.append(
        h.fields(
            [
                ("Procedure", h.a(proc.title, f"{UP}procedures/{proc.id}/")),
                ("Service", h.esc(case.service)),
                (
                    "State",
                    f"<strong>{h.esc(view.state_label)}</strong> "
                    f"since {md.day(view.derived.since)}",
                ),
                ("Referred", f"{md.day(case.referral.date)} by {names.one(case.referral.by)}"),
            ]
        )
    )

    out += [h.h2("restrictions-in-force", "Restrictions in force")]
    if view.active:
        out.append(
            h.ul(h.esc(describe(r, data.people, channels, proc.measures)) for r in view.in_force)
        )
    else:
        out.append(f"<p>None: the case is {h.esc(view.state_label.lower())}.</p>")

    out += [h.h2("due", "Due"), _obligations(view, data)]

    out += [h.h2("person", "Person")]
    rows = [("Name", h.esc(person.name))]
    if person.known_as:
        rows.append(("Also known as", ", ".join(h.esc(k) for k in person.known_as)))
    if person.identifiers:
        rows.append(("Identifiers", "; ".join(h.esc(i) for i in person.identifiers)))
    c = person.contact
    rows += [
        ("E-mail", h.esc(c.email or "")),
        ("Telephone", h.esc(c.phone or "")),
        ("Address", h.esc(c.address or "")),
    ]
    for adj in person.adjustments:
        detail = f": {h.esc(adj.details)}" if adj.details else ""
        rows.append(("Adjustment", h.esc(adj.type) + detail))
    for rep in person.representatives:
        org = f", {h.esc(rep.organisation)}" if rep.organisation else ""
        reach = ""
        if rep.contact:
            bits = [rep.contact.email, rep.contact.phone, rep.contact.address]
            reach = "; " + "; ".join(h.esc(b) for b in bits if b) if any(bits) else ""
        rows.append(("Representative", f"{h.esc(rep.name)} ({h.esc(rep.role)}{org}){reach}"))
    out.append(h.fields(rows))

    ref = case.referral
    capacity = next((x.label for x in proc.referral if x.id == ref.capacity), ref.capacity)
    labels = {b.id: b.label for b in data.policy.taxonomy.behaviours}
    contacts = "; ".join(
        f"{x.count} by {h.esc(channels.get(x.channel, x.channel))}"
        + (f" in {h.esc(x.period)}" if x.period else "")
        for x in ref.contacts
    )
    out += [h.h2("referral", "Referral")]
    out.append(
        h.fields(
            [
                ("Date", md.day(ref.date)),
                ("Referred by", f"{names.one(ref.by)} ({h.esc(capacity)})"),
                ("Behaviours", "; ".join(h.esc(labels.get(b, b)) for b in ref.behaviours)),
                ("Contacts", contacts),
                ("Officers involved before", names.many(case.officers)),
            ]
        )
    )
    out += ["<p><strong>Account:</strong></p>", h.paragraphs(ref.account)]

    out += [h.h2("decisions", "Decisions")]
    decisions: list[tuple[str, ...]] = [
        (
            md.day(d.date),
            h.esc(states.get(d.to, d.to)),
            names.many(d.decided_by),
            names.many(d.consulted),
            approved(d.approved_in, data.repo_url),
            h.esc(d.reasons),
        )
        for _, d in case.decisions()
    ]
    header = ["Date", "To", "Decided by", "Consulted", "Approved in", "Reasons"]
    if proc.versions:
        # Which version of the procedure judged each decision (the one in force on its date).
        header.append("Procedure version")
        decisions = [
            (*row, h.esc(proc.at(d.date).version or "-"))
            for row, (_, d) in zip(decisions, case.decisions(), strict=True)
        ]
    out.append(h.table(header, decisions, tools=False, drop_empty=True))

    out += [
        h.h2("breaches-by-monitoring-period", "Breaches by monitoring period"),
        _breaches(view, breaches),
    ]
    out += [h.h2("timeline", "Timeline")]
    out.append(h.pre(timeline_line(e, plain, channels, states, proc.letters) for e in case.events))
    out += [h.h2("letters", "Letters"), _letters(view, letters)]
    if letters_failed is None:
        letters_failed = view.id in data.inputs.letters_failed
    if letters_failed:
        out.append(
            "<p><strong>The letters of this case could not be rendered.</strong> "
            "Run <code>casebook check</code> and <code>casebook letters</code> to see why.</p>"
        )

    if case.retention_flags:
        out += [h.h2("retention-exceptions", "Retention exceptions")]
        out.append(
            h.ul(
                f"{h.esc(f.exception)}: {h.esc(f.reason)} ({md.day(f.recorded)}, {names.one(f.by)})"
                for f in case.retention_flags
            )
        )
    # Out of the search index: the register finds cases (docs/decisions/0003).
    return md.page(
        f"{case.id}: {person.name}", head, hide=["toc"], search=False, html="\n".join(out)
    )


def _obligations(view: CaseView, data: SiteData) -> str:
    if data.inputs.obligations is None:
        return "<p><em>Obligations were not computed for this build.</em></p>"
    mine = data.open_obligations(view.id)
    rows = [
        (
            md.when(o.due),
            md.when(o.latest),
            h.esc(o.label),
            "<strong>overdue</strong>" if o.overdue(data.as_of) else "",
        )
        for o in sorted(mine, key=lambda o: (o.due, o.key))
    ]
    return h.table(["Due", "Latest", "What", ""], rows, tools=False, drop_empty=True)


def _breaches(view: CaseView, breaches: list[BreachPeriod] | None) -> str:
    if breaches is None:
        return "<p><em>Breaches were not computed for this build.</em></p>"
    mine = sorted((p for p in breaches if p.case == view.id), key=lambda p: p.start)
    if not mine:
        return "<p><em>No monitoring periods.</em></p>"
    out = []
    for p in mine:
        n = len(p.breaches)
        end = md.day(p.end) if p.end else "now"
        if p.contacts is None:
            counted = f"{n} breach{'es' if n != 1 else ''}"
        else:  # the wording of `casebook register` and the breach findings
            s = "s" if p.contacts != 1 else ""
            counted = f"{p.contacts} contact{s}, {n} outside the arrangements"
        out.append(f"<p><strong>{md.day(p.start)} to {end}</strong>: {counted}</p>")
        if p.breaches:
            rows = [(md.when(b.date), h.esc(b.channel), h.esc(b.restriction)) for b in p.breaches]
            out.append(
                h.table(
                    ["Date", "Channel", "Restriction broken"], rows, tools=False, drop_empty=True
                )
            )
    return "\n".join(out)


def _one_line(value: object) -> str:
    return " ".join(str(value).split())


def timeline_line(
    e: Strict,
    people: Mapping[str, str],
    channels: Mapping[str, str],
    states: Mapping[str, str],
    letters: Mapping[str, Letter],
) -> str:
    """One event as one line of plain text (shown verbatim in a fenced block, never parsed).

    The line starts with the event's date, so record text can never close the fence.
    """

    def who(pid: str) -> str:
        return people.get(pid, pid)

    def many(pids: Iterable[str]) -> str:
        return ", ".join(who(p) for p in pids) or "-"

    if type(e) is ContactLogged:  # most events: the fast path
        text = f"{channels.get(e.channel, e.channel)}, {who(e.to)}: {e.summary}"
        if e.topic or e.minutes:
            extra = [f"topic: {e.topic}"] if e.topic else []
            extra += [f"{e.minutes} min"] if e.minutes else []
            text += f" ({'; '.join(extra)})"
        what = "Contact in " if e.direction == "in" else "Contact out"
        return f"{md.day(e.date):17} {e.time or '':5}  {what}     {_one_line(text)}"
    date = e.field("date")
    time = e.field("time") or ""
    # One date style everywhere (issue 17), padded to the longest ("30 September 2026").
    head = f"{md.day(date) if date else '':17} {time:5}  "
    if isinstance(e, Decision):
        what = "Decision"
        text = f"to {states.get(e.to, e.to)} by {many(e.decided_by)}"
        if e.consulted:
            text += f", consulted {many(e.consulted)}"
        if e.until:
            text += f", until {md.day(e.until)}"
        text += f", approved in {e.approved_in or '(not recorded)'}: {e.reasons}"
    elif isinstance(e, LetterSent):
        letter = letters.get(e.letter)
        what = "Letter"
        text = f"{letter.title if letter else e.letter} by {who(e.by)}, via {e.via}"
        if e.to:
            text += f", to {e.to}"
    elif isinstance(e, ContactLogged):
        what = "Contact " + e.direction
        text = f"{channels.get(e.channel, e.channel)}, {who(e.to)}: {e.summary}"
        extra = [f"topic: {e.topic}"] if e.topic else []
        extra += [f"{e.minutes} min"] if e.minutes else []
        if extra:
            text += f" ({'; '.join(extra)})"
    elif isinstance(e, Meeting):
        what, text = "Meeting", f"{many(e.attendees)}: {e.summary}"
    elif isinstance(e, ReviewHeld):
        what = "Review"
        text = f"{e.outcome}, by {many(e.by)}: {e.notes}"
        if e.next_review:
            text += f"; next review {md.day(e.next_review)}"
    elif isinstance(e, Notification):
        what, text = "Notification", f"{e.list_id} by {who(e.by)}: {e.about}"
    elif isinstance(e, Representation):
        what, text = "Representation", e.summary
        if e.considered_by:
            text += f"; considered by {who(e.considered_by)}"
        if e.outcome:
            text += f"; outcome: {e.outcome}"
    elif isinstance(e, Note):
        what, text = "Note", f"by {who(e.by)}: {e.text}"
    elif isinstance(e, Appeal):
        what, text = "Appeal", f"against events[{e.against}], by {e.by}: {e.grounds}"
    elif isinstance(e, AppealOutcomeEvent):
        what = "Appeal outcome"
        text = f"{e.outcome}, heard by {many(e.heard_by)}"
        if e.outcome == "varied":
            text += f", restrictions now: {', '.join(r.type for r in e.restrictions) or 'none'}"
        text += f", approved in {e.approved_in or '(not recorded)'}: {e.reasons}"
    else:  # pragma: no cover - every event type is handled above
        what, text = type(e).__name__, ""
    return head + f"{what:15} " + _one_line(text)


def _letters(view: CaseView, letters: list[RenderedLetter] | None) -> str:
    titles = {lid: x.title for lid, x in view.proc.letters.items()}
    sent = [e for e in view.case.events if isinstance(e, LetterSent)]
    out = ["<p><strong>Recorded as sent:</strong></p>"]
    out.append(h.ul(f"{md.day(e.date)}: {h.esc(titles.get(e.letter, e.letter))}" for e in sent))
    if letters is None:
        out.append("<p><em>Letter texts were not rendered for this build.</em></p>")
        return "\n".join(out)
    mine = [x for x in letters if x.case == view.id]
    out += [letter_html(x) for x in mine]
    if not mine:
        out.append("<p><em>No rendered letters.</em></p>")
    return "\n".join(out)


def letter_body(markdown_text: str) -> str:
    """A letter's Markdown as sanitised HTML with no blank lines (``letter_html``): a pure
    function of its text and of the cmarkgfm and nh3 versions, so the build may cache it."""
    clean = to_html(markdown_text).strip()
    # One raw HTML block in the page: no blank lines inside, or MkDocs' Python-Markdown would
    # end the block early and read the rest as Markdown.
    return "\n".join(line for line in clean.splitlines() if line.strip())


def letter_html(letter: RenderedLetter) -> str:
    """A rendered letter as a collapsible block of sanitised HTML.

    Letters are Markdown from templates filled with record text. They are converted here and
    cleaned with nh3 (an allow-list sanitiser), so a ``<script>`` or a ``javascript:`` link that
    reached a letter still cannot run on the site.
    """
    clean = letter.html or letter_body(letter.markdown)
    when = f" ({md.day(letter.date)})" if letter.date else ""
    return (
        f'<details class="cb-letter">\n<summary>{h.esc(letter.title)}{when}</summary>\n'
        f'<div class="cb-letter-body">\n{clean}\n</div>\n</details>'
    )
