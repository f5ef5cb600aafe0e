"""The governance site: what needs attention, the register, every case, procedures, reports."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from pathlib import Path

from casebook.engine.obligations import Obligation
from casebook.model import Case
from casebook.publish.site import md
from casebook.publish.site.case_page import case_page
from casebook.publish.site.inputs import BreachPeriod, CaseLetters, RenderedLetter, SiteInputs
from casebook.publish.site.procedures import (
    procedure_page,
    procedures_index,
    published_page,
    published_text,
    traceability_page,
)
from casebook.publish.site.register import register_page
from casebook.publish.site.reports import counts, log_review, reports_index, reviews
from casebook.publish.site.results import SiteResults
from casebook.publish.site.tree import Tree
from casebook.publish.site.view import (
    CaseSummary,
    CaseView,
    SiteData,
    case_views,
    summarise,
    withheld_reason,
)
from casebook.store.cases import CaseFile
from casebook.store.reader import Policy


def governance_tree(
    policy: Policy,
    cases: Iterable[Case],
    as_of: date,
    inputs: SiteInputs,
    repo_url: str | None,
    root: Path,
    tree: Tree,
    files: Sequence[CaseFile] | None = None,
) -> Tree:
    """Every governance page into ``tree``: each case's page as soon as the case is read (its
    record, timeline and letters are then let go: only a ``CaseSummary`` stays), then the
    pages that list the cases. ``cases`` is read once.

    With ``files`` (the casebook's, in file-name order, whose valid records ``cases`` are) and
    site results in ``inputs`` made for this ``repo_url`` and ``as_of``, the files are walked
    instead: a case whose page an earlier build (or ``page_ahead``) stored under the same key
    is written from there, its record neither validated nor replayed (decision 30); the
    others are read, written and stored."""
    data = SiteData(policy, as_of, inputs, [], {}, repo_url)
    given: dict[str, list[RenderedLetter]] = defaultdict(list)
    for letter in inputs.letters or []:
        given[letter.case].append(letter)
    breaches: dict[str, list[BreachPeriod]] = defaultdict(list)
    for period in inputs.breaches or []:
        breaches[period.case].append(period)
    source = inputs.letter_source if inputs.letters is None else None

    def write(view: CaseView, digest: str = "") -> tuple[str, CaseSummary, bool]:
        """The case's page into the tree; its text, summary and whether its letters failed.
        ``digest``: of the case file the record was read from, when known."""
        failed = view.id in inputs.letters_failed
        letters: list[RenderedLetter] | None
        if source is not None:
            rendered = source(view.case, digest)
            failed = failed or rendered is None
            letters = rendered or []
        else:
            letters = None if inputs.letters is None else given.pop(view.id, [])
        text = case_page(
            view,
            data,
            None if inputs.breaches is None else breaches.pop(view.id, []),
            letters,
            failed,
        )
        tree.add(f"cases/{view.id}.md", text)
        summary = summarise(view, inputs, as_of)
        data.cases.append(summary)
        return text, summary, failed

    results = inputs.results if isinstance(inputs.results, SiteResults) else None
    usable = (
        files is not None
        and results is not None
        and results.repo_url == repo_url
        # Inputs made for another date (a library caller): its rows are pages of that date.
        and results.as_of == as_of
        and results.letters == (source is not None)
        and inputs.letters is None
        and not inputs.letters_failed
        and inputs.obligations is not None
        and inputs.breaches is not None
    )
    if not usable or files is None or results is None:
        for view in case_views(policy, cases, as_of, inputs, data.withheld):
            write(view)
    else:
        past = inputs.past_retention(as_of)
        # Obligations not of one case (a procedure's central log review) are listed under
        # the procedure's id; a case with that id would show them, which its row does not
        # cover: such a case is never served from, nor stored in, the results.
        shared = {o.case for o in inputs.obligations or [] if o.kind == "log-review"}
        dates = inputs.review_dates or {}
        for f in files:
            if not f.valid:  # as ``Casebook.each_case``: an unreadable file has no case
                continue
            cid = f.case_id
            if cid is not None and f.procedure is not None:
                why = withheld_reason(cid, f.procedure, policy, inputs, past)
                if why is not None:
                    data.withheld[cid] = why
                    continue
                hit = results.page(f, policy, dates) if cid not in shared else None
                if hit is not None:
                    tree.add(f"cases/{cid}.md", hit.text)
                    data.cases.append(hit.summary)
                    if hit.letters_failed and source is not None:
                        source.not_rendered(cid, hit.letters_failed)
                    breaches.pop(cid, None)
                    if source is not None and hit.letters_key:
                        source.keys.add(hit.letters_key)  # kept in the letter cache
                    continue
            case = f.case
            if case is None:
                continue
            for view in case_views(policy, [case], as_of, inputs, data.withheld, past):
                page, summary, failed = write(view, f.digest)
                if view.id not in shared:
                    keep_page(results, f, source, page, summary, failed)
            f.release()
        results.finish()
    if source is not None:
        source.finish()
    data.sort()
    tree.add("index.md", home(data))
    tree.add("register.md", register_page(data))
    tree.add("procedures/index.md", procedures_index(data))
    for proc in sorted(data.policy.procedures.values(), key=lambda p: p.title):
        text = published_text(root, proc)
        tree.add(f"procedures/{proc.id}.md", procedure_page(proc, data, text is not None))
        tree.add(f"procedures/{proc.id}-traceability.md", traceability_page(proc, root))
        if text is not None:
            tree.add(f"procedures/{proc.id}-text.md", published_page(proc, text))
    tree.add("reports/index.md", reports_index(data))
    tree.add("reports/log-review.md", log_review(data))
    tree.add("reports/reviews.md", reviews(data))
    tree.add("reports/counts.md", counts(data))
    # A short navigation: Material renders it into every page, case pages included, so each
    # entry costs once per case. Procedure and report pages are reached from their index.
    tree.nav += [
        {"Needs attention": "index.md"},
        {"Central register": "register.md"},
        {"Reports": "reports/index.md"},
        {"Procedures": "procedures/index.md"},
    ]
    return tree


def keep_page(
    results: SiteResults,
    f: CaseFile,
    source: CaseLetters | None,
    page: str,
    summary: CaseSummary,
    failed: bool,
) -> None:
    """Store the page just written from ``f`` (``source``: its letters, as last asked for) in
    the site results, or forget the file's row when the page may not be kept (letters that
    failed for a reason other than the templates' refusal, or made while a policy text could
    not be read: decision 30)."""
    kind = source.last_failure if failed and source is not None else ""
    if (failed and not kind) or (source is not None and not source.last_kept):
        results.drop(f)
    else:
        letters_key = source.last_key if source is not None and not failed else ""
        results.put_page(f, page, summary, letters_key, kind)


def page_ahead(
    f: CaseFile,
    view: CaseView,
    own: SiteInputs,
    data: SiteData,
    source: CaseLetters | None,
    results: SiteResults,
) -> None:
    """Write the page of ``view`` (the record just read from ``f``, replayed) into the site
    results while ``wire.collect_inputs`` holds the record, so that the page pass serves it
    from there instead of validating and replaying the record a second time (issue 14: a
    cold build did both twice).

    ``own``: the case's own share of the inputs (its obligations, breach periods and review
    dates, and ``purged``), all that its page and summary read; ``data``: the build's policy,
    date and repository URL (its ``inputs`` are ``own``). A case kept off the site
    (``withheld_reason``) is not written: the page pass decides that again. A failure of the
    letters is not announced here (``source.quiet``): the page pass says it once, from the
    stored row, or renders the letters again when the row was not kept."""
    past = own.past_retention(data.as_of)
    if withheld_reason(view.id, view.proc.id, data.policy, own, past) is not None:
        return
    letters: list[RenderedLetter] | None = None
    failed = False
    if source is not None:
        source.quiet = True
        try:
            rendered = source(view.case, f.digest)
        finally:
            source.quiet = False
        failed = rendered is None
        letters = rendered or []
    page = case_page(view, data, own.breaches or [], letters, failed)
    keep_page(results, f, source, page, summarise(view, own, data.as_of), failed)


def home(data: SiteData) -> str:
    names = {v.id: v.name for v in data.cases}
    out = ["# What needs attention", "", f"As of **{md.day(data.as_of)}**.", ""]
    # Every section is one link away from the home page (issue 17): the navigation lists only
    # the four top pages, so the reports and procedures are named here too.
    procs = sorted(data.policy.procedures.values(), key=lambda p: p.title)
    out += [
        "**Sections:** [central register](register.md) · [reports](reports/index.md) "
        "([reviews](reports/reviews.md), [counts](reports/counts.md), "
        "[central log review](reports/log-review.md)) · [procedures](procedures/index.md) ("
        + ", ".join(f"[{md.text(p.title)}](procedures/{p.id}.md)" for p in procs)
        + ") · [help](help.md)",
        "",
    ]
    obligations = data.inputs.obligations
    visible = set(names)
    if obligations is None:
        out += [
            md.admonition(
                "warning",
                "Not computed",
                "Obligations (reviews, letters, notifications, deletions) were not computed "
                "for this build. Run `casebook due` before relying on this page.",
            ),
            "",
        ]
    else:
        soon = data.as_of + timedelta(days=data.policy.settings.warning_days)
        open_ = [o for o in obligations if not o.met and o.case in visible]
        overdue = [o for o in open_ if o.overdue(data.as_of)]
        due = [o for o in open_ if not o.overdue(data.as_of) and o.due <= soon]

        header = ["Due", "Latest", "Case", "Name", "What"]
        out += [
            f"## Overdue ({len(overdue)})",
            "",
            md.table(header, _obligation_rows(overdue, names)),
            "",
        ]
        out += [
            f"## Due in the next {data.policy.settings.warning_days} days ({len(due)})",
            "",
            md.table(header, _obligation_rows(due, names)),
            "",
        ]
    out += ["## Breaches this monitoring period", ""]
    if data.inputs.breaches is None:
        out.append("*Breaches were not computed for this build.*")
    else:
        current = [
            p
            for p in data.inputs.breaches
            if p.case in visible and p.contains(data.as_of) and p.breaches
        ]
        out.append(
            md.table(
                ["Case", "Name", "Period from", "Breaches", "Latest"],
                [
                    (
                        md.link(p.case, f"cases/{p.case}.md"),
                        md.text(names.get(p.case, "")),
                        md.when(p.start),
                        str(len(p.breaches)),
                        md.when(max(b.date for b in p.breaches)),
                    )
                    for p in sorted(current, key=lambda p: (-len(p.breaches), p.case))
                ],
            )
        )
    active = sum(v.active for v in data.cases)
    out += [
        "",
        "## At a glance",
        "",
        f"{active} case{'s' if active != 1 else ''} with restrictions in force; "
        f"{len(data.cases)} in the {md.link('central register', 'register.md')}.",
    ]
    if data.withheld:
        out += [
            "",
            "## Records kept off this site",
            "",
            "These case files exist but are not published here. Deal with them in the casebook "
            "repository.",
            "",
            md.bullets(
                f"{md.text(cid)}: {md.text(why)}" for cid, why in sorted(data.withheld.items())
            ),
        ]
    return md.page("What needs attention", "\n".join(out), hide=["navigation"])


def _obligation_rows(items: list[Obligation], names: dict[str, str]) -> list[tuple[str, ...]]:
    return [
        (
            md.when(o.due),
            md.when(o.latest),
            md.link(o.case, f"cases/{o.case}.md"),
            md.text(names.get(o.case, "")),
            md.text(o.label),
        )
        for o in sorted(items, key=lambda o: (o.due, o.case, o.key))
    ]
