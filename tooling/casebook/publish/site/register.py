"""The central register: one row per case, in a table people can sort and filter."""

from __future__ import annotations

from casebook.publish.handling import describe
from casebook.publish.site import markup as h
from casebook.publish.site import md
from casebook.publish.site.inputs import RegisterRow
from casebook.publish.site.view import SiteData


def register_rows(data: SiteData) -> list[RegisterRow]:
    """The register's rows for the cases on the site (worked out once per build)."""
    if data._register is None:
        visible = {v.id for v in data.cases}
        if data.inputs.register is not None:
            data._register = [r for r in data.inputs.register if r.case in visible]
        else:
            data._register = [v.row for v in data.cases]
    return data._register


def _lines(*parts: str) -> str:
    """Cell lines, each already escaped HTML; empty lines left out."""
    kept = [x for x in parts if x]
    return "<br>".join(kept) if kept else ""


def register_page(data: SiteData) -> str:
    """The register for people to read: nine columns that fit a 1280 px screen, dates in words.

    Related values share a cell (state, since and until when it expires; last decision and its
    pull request; last and next review) rather than being hidden off to the right. Restrictions
    are in words, as on the case page; the breaches of the current monitoring period and the
    date the record must be deleted by are those `casebook register` prints
    (``SiteInputs.breaches`` and the "deletion" obligations), blank until they are passed in.
    """
    views = {v.id: v for v in data.cases}
    people = data.people
    breaches: dict[str, int] = {}
    for period in data.inputs.breaches or []:
        if period.contains(data.as_of):
            breaches[period.case] = breaches.get(period.case, 0) + len(period.breaches)
    delete_by = {o.case: o.due for o in data.inputs.obligations or [] if o.kind == "deletion"}
    rows = []
    for r in sorted(register_rows(data), key=lambda r: r.case):
        view = views.get(r.case)
        if view is not None:
            channels = {c.id: c.label for c in view.proc.channels}
            words = [describe(x, people, channels) for x in view.in_force]
        else:
            words = list(r.restrictions)
        rows.append(
            (
                h.a(r.case, f"../cases/{r.case}/"),
                h.esc(view.name if view else ""),
                _lines(
                    f'<span title="{h.esc(data.procedure_title(r.procedure))}">'
                    f"{h.esc(r.procedure)}</span>"
                    + (f" (version {h.esc(r.version)})" if r.version else ""),
                    h.esc(r.service),
                ),
                _lines(
                    h.esc(r.state),
                    f"since {md.when(r.since)}",
                    f"until {md.when(r.expires)}" if r.expires else "",
                ),
                # A list, not lines joined by <br>: a screen reader says "list, 3 items" and
                # pauses between them, and a wrapped restriction is told from the next.
                h.ul([h.esc(w) for w in words], cls="cb-cell-list") if words else "",
                _lines(
                    md.when(r.last_decision) if r.last_decision else "",
                    h.esc(r.approved_in) if r.approved_in else "",
                ),
                _lines(
                    f"last {md.when(r.last_review)}" if r.last_review else "",
                    f"next {md.when(r.next_review)}" if r.next_review else "",
                ),
                str(breaches[r.case]) if r.case in breaches else "",
                md.when(delete_by.get(r.case)) if r.case in delete_by else "",
            )
        )
    header = [
        "Case",
        "Name",
        "Procedure and service",
        "State",
        "Restrictions in force",
        "Last decision",
        "Reviews",
        "Breaches this period",
        "Delete by",
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
        "a case id, a service, a state); select a column heading to sort by it. Hover over a "
        "procedure for its full name."
        f"{note}\n"
    )
    return md.page(
        "Central register",
        body,
        hide=["navigation", "toc"],
        search=False,
        html=h.table(header, rows),
    )
