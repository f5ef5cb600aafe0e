"""The central register: one row per case, in a table people can sort and filter."""

from __future__ import annotations

from casebook.model.case import ReviewHeld
from casebook.publish.site import markup as h
from casebook.publish.site import md
from casebook.publish.site.inputs import RegisterRow
from casebook.publish.site.view import CaseView, SiteData


def basic_row(view: CaseView, data: SiteData) -> RegisterRow:
    """What the register shows from the record alone (no review or expiry dates).

    Next review and expiry come from ``casebook register`` (``SiteInputs.review_dates``);
    blank until they are passed in.
    """
    last = view.derived.last
    reviews = [
        e.date for e in view.case.events if isinstance(e, ReviewHeld) and e.date <= data.as_of
    ]
    next_review, expires = (data.inputs.review_dates or {}).get(view.id, (None, None))
    return RegisterRow(
        case=view.id,
        procedure=view.proc.id,
        service=view.case.service,
        state=view.state_label,
        state_kind=view.kind,
        since=view.derived.since,
        restrictions=tuple(r.type for r in view.in_force),
        last_decision=last.decision.date if last else None,
        approved_in=last.decision.approved_in if last else None,
        last_review=max(reviews) if reviews else None,
        next_review=next_review,
        expires=expires,
        version=view.derived.version(last) if last else view.proc.version,
    )


def register_rows(data: SiteData) -> list[RegisterRow]:
    """The register's rows for the cases on the site (worked out once per build)."""
    if data._register is None:
        visible = {v.id for v in data.cases}
        if data.inputs.register is not None:
            data._register = [r for r in data.inputs.register if r.case in visible]
        else:
            data._register = [basic_row(v, data) for v in data.cases]
    return data._register


def register_page(data: SiteData) -> str:
    names = {v.id: v.case.person.name for v in data.cases}
    rows = []
    for r in sorted(register_rows(data), key=lambda r: r.case):
        rows.append(
            (
                h.a(r.case, f"../cases/{r.case}/"),
                h.esc(names.get(r.case, "")),
                f'<span title="{h.esc(data.procedure_title(r.procedure))}">'
                f"{h.esc(r.procedure)}</span>"
                + (f" (version {h.esc(r.version)})" if r.version else ""),
                h.esc(r.service),
                h.esc(r.state),
                md.iso(r.since),
                ", ".join(h.esc(x) for x in r.restrictions),
                md.iso(r.last_decision),
                h.esc(r.approved_in or ""),
                md.iso(r.last_review),
                md.iso(r.next_review),
                md.iso(r.expires),
            )
        )
    header = [
        "Case",
        "Name",
        "Procedure",
        "Service",
        "State",
        "Since",
        "Restrictions in force",
        "Last decision",
        "Approved in",
        "Last review",
        "Next review",
        "Expires",
    ]
    note = ""
    if data.inputs.register is None and data.inputs.review_dates is None:
        note = (
            "\n\n*Next review and expiry dates were not computed for this build "
            "(`casebook register` computes them).*"
        )
    body = (
        "# Central register\n\n"
        f"Every case, as of {md.day(data.as_of)}. Type in the box to filter the rows (a name, "
        "a case id, a service, a state); select a column heading to sort by it."
        f"{note}\n"
    )
    return md.page(
        "Central register",
        body,
        hide=["navigation", "toc"],
        search=False,
        html=h.table(header, rows),
    )
