"""The procedures, readable: each rule with the sentence of the published text it comes from."""

from __future__ import annotations

from pathlib import Path

from casebook.model import Procedure
from casebook.model.common import COUNCIL_SETTING
from casebook.model.procedure import Period, Requirement
from casebook.publish.site import md
from casebook.publish.site.view import SiteData
from casebook.publish.traceability import trace
from casebook.store.paths import PathRefused, read_confined
from casebook.store.reader import PUBLISHED_DIR


def cite(source: str) -> str:
    if source.startswith(COUNCIL_SETTING):
        return f"*Council setting:* {md.text(source[len(COUNCIL_SETTING) :])}"
    return f"*Source:* “{md.text(source)}”"


def period(p: Period | None) -> str:
    if p is None:
        return md.DASH
    parts = []
    if p.months:
        parts.append(f"{p.months} month{'s' if p.months != 1 else ''}")
    if p.days:
        parts.append(f"{p.days} day{'s' if p.days != 1 else ''}")
    s = " and ".join(parts)
    if p.may_be_shorter:
        s += " (or less)"
    if p.may_be_extended:
        s += " (may be extended)"
    return s


def _roles(data: SiteData, roles: list[str]) -> str:
    labels = data.policy.people.roles
    return " or ".join(md.text(labels[r].label if r in labels else r) for r in roles)


def _requirement(data: SiteData, req: Requirement) -> str:
    who = _roles(data, req.roles)
    n = f"{req.count} × " if req.count > 1 else ""
    ind = " — independent: no prior knowledge of the person or the issue" if req.independent else ""
    own = " — of the case's own service" if req.same_service else ""
    label = f" ({md.text(req.label)})" if req.label else ""
    return f"{n}{who}{label}{own}{ind}. {cite(req.source)}"


def procedures_index(data: SiteData) -> str:
    rows = [
        (md.link(p.title, f"{p.id}.md"), md.text(p.council), md.text(p.summary))
        for p in sorted(data.policy.procedures.values(), key=lambda p: p.title)
    ]
    body = "# Procedures\n\n" + md.table(["Procedure", "Council", "Summary"], rows)
    return md.page("Procedures", body)


def procedure_page(proc: Procedure, data: SiteData, has_text: bool) -> str:
    out = [f"# {md.text(proc.title)}", "", f"*{md.text(proc.council)}*"]
    if has_text:
        out += ["", f"The published text: {md.link('read it in full', f'{proc.id}-text.md')}."]
    out += [
        "",
        md.link(
            "Traceability: each cited sentence, its rule and its test", f"{proc.id}-traceability.md"
        ),
    ]
    out += ["", md.paragraphs(proc.summary)]
    if proc.scope:
        out += ["", "**Scope:** " + md.text(proc.scope)]
    if proc.excludes:
        out += ["", "**Excludes:**", "", md.bullets(md.text(x) for x in proc.excludes)]
    if proc.appeal:
        out += ["", "**Challenging a decision:** " + md.text(proc.appeal)]
    out += ["", "## Referral", ""]
    out.append(
        md.bullets(
            f"{md.text(c.label)}"
            + (f", made by {_roles(data, c.by_roles)}" if c.by_roles else "")
            + (f", to {_roles(data, c.to_roles)}" if c.to_roles else "")
            + f". {cite(c.source)}"
            for c in proc.referral
        )
    )
    if proc.spoc:
        how = "" if proc.spoc.severity == "must" else f" ({md.text(proc.spoc.severity)})"
        out += [
            "",
            f"**Single point of contact:** {_roles(data, proc.spoc.roles)}{how}. "
            + cite(proc.spoc.source),
        ]
    out += ["", "**Channels:** " + ", ".join(md.text(c.label) for c in proc.channels)]

    out += ["", "## States", ""]
    for st in proc.states.values():
        out += [f"### {md.text(st.label)}", "", f"Kind: {md.text(st.kind)}. {cite(st.source)}"]
        if st.description:
            out += ["", md.paragraphs(st.description)]
        facts = []
        if st.period:
            facts.append(f"Lasts {period(st.period)}. {cite(st.period.source)}")
        if st.review:
            latest = f", never later than {period(st.review.latest)}" if st.review.latest else ""
            by = f" by {_roles(data, st.review.by_roles)}" if st.review.by_roles else ""
            facts.append(
                f"Reviewed every {period(st.review.every)}{latest}{by}. {cite(st.review.source)}"
            )
        if st.retention:
            ret = st.retention
            facts.append(f"Deleted after {period(ret.delete_after)}. {cite(ret.source)}")
            facts += [f"Exception: {md.text(x.label)}. {cite(x.source)}" for x in ret.exceptions]
        if st.restrictions:
            facts.append("Restrictions allowed: " + ", ".join(md.text(r) for r in st.restrictions))
        if facts:
            out += ["", md.bullets(facts)]
        out.append("")

    out += ["## Decisions", ""]
    states = {sid: s.label for sid, s in proc.states.items()}
    for t in proc.transitions:
        src = ", ".join(md.text(states.get(f, f)) for f in t.from_)
        out += [
            f"### {md.text(t.label)}",
            "",
            f"From {src} to **{md.text(states.get(t.to, t.to))}**.",
        ]
        if t.when:
            out += ["", f"When: {md.text(t.when)}"]
        out += ["", cite(t.source), ""]
        facts = []
        if t.approval.requires:
            facts += ["Decided by " + _requirement(data, r) for r in t.approval.requires]
        else:
            facts.append(f"Any member of staff may take this step. {cite(t.approval.source)}")
        facts += ["In consultation with " + _requirement(data, r) for r in t.approval.consult]
        for lid in t.letters:
            letter = proc.letters.get(lid)
            facts.append("Letter: " + md.text(letter.title if letter else lid))
        for n in t.notify:
            dl = proc.distribution_lists.get(n.list_id)
            by = f", by {_roles(data, n.by_roles)}" if n.by_roles else ""
            facts.append(f"Tell: {md.text(dl.label if dl else n.list_id)}{by}. {cite(n.source)}")
        if t.expects_prior:
            facts.append(
                "Normally after: " + ", ".join(md.text(states.get(p, p)) for p in t.expects_prior)
            )
        out += [md.bullets(facts), ""]

    if proc.letters:
        out += ["## Letters", ""]
        for letter in proc.letters.values():
            out += [f"### {md.text(letter.title)}", "", cite(letter.source), ""]
            facts = []
            if letter.sender_roles:
                facts.append("Sent by " + _roles(data, letter.sender_roles))
            if letter.due_within:
                facts.append(f"Within {period(letter.due_within)} of the decision")
            facts += [f"Must say: {md.text(i.label)}. {cite(i.source)}" for i in letter.required]
            out += [md.bullets(facts), ""]

    if proc.distribution_lists:
        out += ["## Who is told", ""]
        out.append(
            md.bullets(
                f"{md.text(d.label)}: "
                + ", ".join(
                    [_roles(data, [r]) for r in d.roles] + [md.text(m) for m in d.mailing_lists]
                )
                + f". {cite(d.source)}"
                for d in proc.distribution_lists.values()
            )
        )
        out.append("")
    if proc.log_review:
        lr = proc.log_review
        out += [
            "## Review of the register",
            "",
            f"Every {period(lr.every)} by {_roles(data, lr.by_roles)}. {cite(lr.source)}",
        ]
    return md.page(proc.title, "\n".join(out))


def traceability_page(proc: Procedure, root: Path) -> str:
    """Every sentence the procedure cites -> its rule -> the acceptance test that fails a case
    breaking it (casebook.publish.traceability), for the governance site."""
    rows, settings = trace(proc, root)
    body = [
        f"# Traceability: {md.text(proc.title)}",
        "",
        f"Each sentence of the published text that {md.text(proc.id)} cites, the `casebook "
        "check` rule that encodes it, and the acceptance test that fails a case breaking it. "
        "Sentences no rule can check are listed as guidance, with the reason.",
        "",
        md.table(
            ["Sentence", "Rule", "Acceptance test"],
            ([md.text(r.sentence), md.text(r.rule), md.text(r.test)] for r in rows),
        ),
        "",
        f"{len(settings)} council settings (where the text is silent) are on the procedure page.",
    ]
    return md.page(f"Traceability: {proc.title}", "\n".join(body))


def published_page(proc: Procedure, text: str) -> str:
    body = (
        f"# {md.text(proc.title)}: published text\n\n"
        f"*As published by {md.text(proc.council)}; kept unchanged in "
        f"{md.text(PUBLISHED_DIR + '/' + proc.text)}.*\n\n" + md.paragraphs(text)
    )
    return md.page(f"{proc.title}: published text", body)


def published_text(root: Path, proc: Procedure) -> str | None:
    # Confined to policy/published/, no links (store.paths): `check` reports why when not.
    try:
        return read_confined(root, PUBLISHED_DIR, proc.text).decode("utf-8-sig")
    except (PathRefused, UnicodeDecodeError):
        return None
