"""Reports for the governance team: the annual log review, the review list, counts."""

from __future__ import annotations

from collections import Counter

from casebook.publish.handling import describe
from casebook.publish.site import markup as h
from casebook.publish.site import md
from casebook.publish.site.procedures import period
from casebook.publish.site.register import register_rows
from casebook.publish.site.view import SiteData


def reports_index(data: SiteData) -> str:
    body = "\n".join(
        [
            "# Reports",
            "",
            f"As of {md.day(data.as_of)}.",
            "",
            md.bullets(
                [
                    md.link("Annual review of the central log", "log-review.md"),
                    md.link("Review list", "reviews.md"),
                    md.link("Cases by procedure and state", "counts.md"),
                ]
            ),
        ]
    )
    return md.page("Reports", body)


def _due(data: SiteData, case: str, kind: str) -> str:
    if data.inputs.obligations is None:
        return "<em>not computed</em>"
    # Grouped by case once (SiteData.open_obligations), not a scan of all per case.
    open_ = [o for o in data.open_obligations(case) if o.kind == kind]
    if not open_:
        return md.DASH
    first = min(open_, key=lambda o: o.due)
    flag = " <strong>overdue</strong>" if first.overdue(data.as_of) else ""
    return md.when(first.due) + flag


def log_review(data: SiteData) -> str:
    """Everyone on the log of each procedure that has a periodic review of its register."""
    rows = {r.case: r for r in register_rows(data)}
    out: list[str] = []
    procs = [p for p in data.policy.procedures.values() if p.log_review]
    if not procs:
        out.append("<p><em>No procedure asks for a periodic review of its register.</em></p>")
    for proc in sorted(procs, key=lambda p: p.title):
        lr = proc.log_review
        assert lr is not None
        roles = data.policy.people.roles
        by = " or ".join(h.esc(roles[r].label if r in roles else r) for r in lr.by_roles)
        out += [
            h.h2(f"log-{proc.id}", proc.title),
            f"<p>Reviewed every {h.esc(period(lr.every))} by {by}.</p>",
        ]
        if data.inputs.obligations is not None:
            due = [o for o in data.inputs.obligations if o.kind == "log-review" and not o.met]
            due = [o for o in due if o.procedure == proc.id]
            if due:
                out.append(f"<p>Next review due {md.day(min(o.due for o in due))}.</p>")
        table = []
        for v in data.cases:
            if v.proc.id != proc.id:
                continue
            r = rows.get(v.id)
            channels = {c.id: c.label for c in v.proc.channels}
            table.append(
                (
                    h.a(v.id, f"../../cases/{v.id}/"),
                    h.esc(v.name),
                    h.esc(v.state_label),
                    md.when(v.since),
                    "; ".join(h.esc(describe(x, data.people, channels)) for x in v.in_force),
                    md.when(r.last_review) if r else md.DASH,
                )
            )
        out += [
            h.table(
                ["Case", "Name", "State", "Since", "Restrictions in force", "Last review"],
                table,
            )
        ]
    return md.page(
        "Annual review of the central log",
        "# Annual review of the central log",
        hide=["toc"],
        search=False,
        html="\n".join(out),
    )


def reviews(data: SiteData) -> str:
    """Cases in a state the procedure reviews on a cadence (quarterly, six-monthly)."""
    rows = {r.case: r for r in register_rows(data)}
    table = []
    for v in data.cases:
        if v.state is None or v.state.review is None:
            continue
        r = rows.get(v.id)
        rv = v.state.review
        cadence = period(rv.every) + (f", at most {period(rv.latest)}" if rv.latest else "")
        table.append(
            (
                h.a(v.id, f"../../cases/{v.id}/"),
                h.esc(v.name),
                h.esc(v.proc.title),
                h.esc(v.state_label),
                h.esc(cadence),
                md.when(r.last_review) if r else md.DASH,
                _due(data, v.id, "review"),
            )
        )
    body = (
        "# Review list\n\n"
        "Cases whose arrangements are reviewed on a cadence, with the last review recorded "
        "and the next one due.\n"
    )
    html = h.table(
        ["Case", "Name", "Procedure", "State", "Every", "Last review", "Next review due"], table
    )
    return md.page("Review list", body, hide=["toc"], search=False, html=html)


def counts(data: SiteData) -> str:
    by_state = Counter((v.proc.id, v.derived_state) for v in data.cases)
    by_kind = Counter(v.kind for v in data.cases)
    out = ["# Cases by procedure and state", "", f"As of {md.day(data.as_of)}.", ""]
    out += [
        md.table(
            ["Kind of state", "Cases"],
            [(md.text(k), str(n)) for k, n in sorted(by_kind.items())],
        ),
        "",
    ]
    for proc in sorted(data.policy.procedures.values(), key=lambda p: p.title):
        out += [f"## {md.text(proc.title)}", ""]
        rows = [
            (md.text(st.label), md.text(st.kind), str(by_state.get((proc.id, sid), 0)))
            for sid, st in proc.states.items()
        ]
        total = sum(n for (p, _), n in by_state.items() if p == proc.id)
        rows.append(("**Total**", "", f"**{total}**"))
        out += [md.table(["State", "Kind", "Cases"], rows), ""]
    return md.page("Cases by procedure and state", "\n".join(out))
