"""`casebook issues sync`."""

from __future__ import annotations

import os
from datetime import date

import click

from casebook.check.loading import require
from casebook.cli.common import Env, as_of_option, emit_json, format_option, pass_env, resolve_as_of
from casebook.engine.obligations import Obligation, obligations
from casebook.github.client import check_repo, from_environment
from casebook.github.issues import sync as run_sync
from casebook.store.cases import Casebook


@click.group()
def issues() -> None:
    """GitHub issues for reviews and other obligations coming due."""


@issues.command()
@click.option("--repo", required=True, metavar="OWNER/NAME", help="The GitHub repository.")
@click.option(
    "--apply",
    "do_apply",
    is_flag=True,
    help="Make the changes (default: a dry run that only reads).",
)
@as_of_option
@click.option(
    "--within",
    type=click.IntRange(0, 36_600),  # 100 years: a horizon past it would overflow a date
    metavar="DAYS",
    help="Open issues for obligations due within this many days "
    "(default: warning_days in policy/settings.yaml, 14).",
)
@format_option("text", "json")
@pass_env
def sync(
    env: Env, repo: str, do_apply: bool, as_of: str | None, within: int | None, fmt: str
) -> None:
    """Open, update, reopen and close the `review-due` issues so they match the obligations.

    One issue per obligation due within --within days or overdue, found again by a hidden
    marker in its body. Needs GITHUB_TOKEN (with `issues: write` for --apply) and reads
    GITHUB_API_URL for GitHub Enterprise. Exit 0 when the issues match (or would match after
    --apply), 1 when GitHub failed, 2 on usage or configuration errors.
    """
    check_repo(repo)
    day = resolve_as_of(as_of)
    book = require(env.root)
    days = within if within is not None else book.policy.settings.warning_days
    due = derive_obligations(book, day)
    gh = from_environment(os.environ)
    try:
        result = run_sync(gh, repo, due, day, days, do_apply, personal_terms(book))
    finally:
        gh.close()
    if fmt == "json":
        emit_json({"repo": repo, **result.as_json()})
    else:
        click.echo(result.as_text())
    if gh.waits:
        click.echo(f"(waited {sum(gh.waits):.0f}s for GitHub's rate limit)", err=True)


def derive_obligations(book: Casebook, as_of: date) -> list[Obligation]:
    """The engine's obligations, one issue each."""
    return obligations(book, as_of)


def personal_terms(book: Casebook) -> list[str]:
    """Text from the case records that must never reach an issue (names, contact details)."""
    terms: set[str] = set()
    for case in book.each_case():
        p = case.person
        terms.update([p.name, *p.known_as])
        for value in (p.contact.email, p.contact.phone, p.contact.address):
            if value:
                terms.add(str(value))
        for rep in p.representatives:
            terms.add(rep.name)
    return sorted(t for t in terms if len(t) >= 3)
