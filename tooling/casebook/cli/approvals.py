"""`casebook approvals`."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

from casebook.cli.common import Env, emit_json, format_option, pass_env
from casebook.errors import UsageError
from casebook.github.approvals import ApprovalReport, UnknownContributor, evaluate_pull
from casebook.github.client import check_repo, from_environment, review_from_json, run_url
from casebook.store.gitrepo import GitRepo


@click.command()
@click.option("--repo", metavar="OWNER/NAME", help="The GitHub repository (online mode).")
@click.option("--pr", "pr", type=click.IntRange(min=1), help="The pull request number (online).")
@click.option(
    "--base", metavar="REV", help="Offline: the base branch commit (roles are read here)."
)
@click.option("--head", metavar="REV", help="Offline: the pull request's head commit.")
@click.option(
    "--reviews",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Offline: a JSON file of GitHub review objects (GET .../pulls/N/reviews).",
)
@click.option("--author", metavar="LOGIN", help="Offline: the login that opened the pull request.")
@click.option(
    "--committers",
    metavar="LOGIN[,LOGIN...]",
    multiple=True,
    help="Offline: logins that committed to the pull request (repeat or comma-separate).",
)
@click.option(
    "--no-status",
    is_flag=True,
    help="Online: do not post the casebook/approvals commit status, only print.",
)
@format_option("text", "json")
@pass_env
def approvals(
    env: Env,
    repo: str | None,
    pr: int | None,
    base: str | None,
    head: str | None,
    reviews: Path | None,
    author: str | None,
    committers: tuple[str, ...],
    no_status: bool,
    fmt: str,
) -> None:
    """Are the approvals on a pull request enough for the decisions it records?

    Online (in CI): --repo OWNER/NAME --pr N, with GITHUB_TOKEN (and GITHUB_API_URL for GitHub
    Enterprise). Reads the pull request, its reviews and commits, diffs the case files in the
    local clone, and posts the commit status casebook/approvals on the head commit.

    Offline: --base REV --head REV --reviews FILE [--author LOGIN] [--committers LOGIN,...]
    runs the same rules on a saved list of reviews, with no network.

    Exit 0 when every decision is approved, 1 when one is not (or GitHub failed), 2 on usage
    or configuration errors.
    """
    online = repo is not None or pr is not None
    offline = any(x is not None for x in (base, head, reviews)) or author or committers
    if online and offline:
        raise UsageError(
            "use either --repo/--pr (online) or --base/--head/--reviews (offline), not both"
        )
    logins = [c.strip() for item in committers for c in item.split(",") if c.strip()]
    git = GitRepo(env.root)
    if online:
        if repo is None or pr is None:
            raise UsageError("online mode needs both --repo OWNER/NAME and --pr N")
        check_repo(repo)
        gh = from_environment(os.environ)
        try:
            pull = gh.get_pull(repo, pr)
            commits = gh.list_pull_commits(repo, pr)
            review_list = gh.list_reviews(repo, pr)
            report = evaluate_pull(
                git,
                pull.base_sha,
                pull.head_sha,
                review_list,
                pull.author,
                [login for c in commits for login in c.logins],
                unknown=[
                    UnknownContributor(c.sha, role, email)
                    for c in commits
                    for role, email in c.unknown
                ],
                # GitHub lists at most 250 commits; an unknown count is as bad as a short list.
                unlisted_commits=(
                    max(0, pull.commits - len(commits)) if pull.commits is not None else 1
                ),
            )
            _print(report, fmt)
            if not no_status:
                gh.create_status(repo, report.head, report.status(run_url(os.environ)))
                if fmt == "text":
                    click.echo(f"Posted status {report.status().context} on {report.head[:12]}.")
        finally:
            gh.close()
    else:
        if base is None or head is None or reviews is None:
            raise UsageError(
                "offline mode needs --base REV, --head REV and --reviews FILE "
                "(or use --repo and --pr)"
            )
        report = evaluate_pull(git, base, head, _read_reviews(reviews), author, logins)
        _print(report, fmt)
    raise SystemExit(0 if report.ok else 1)


def _print(report: ApprovalReport, fmt: str) -> None:
    if fmt == "json":
        emit_json(report.as_json())
    else:
        click.echo(report.as_text())


def _read_reviews(path: Path) -> list:  # type: ignore[type-arg]
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"--reviews: cannot read {path}: {exc}") from None
    # One JSON array, or several one after another (`gh api --paginate` prints one per page).
    decoder = json.JSONDecoder()
    items: list[object] = []
    pos = 0
    text = text.strip()
    try:
        while pos < len(text):
            value, end = decoder.raw_decode(text, pos)
            if not isinstance(value, list):
                raise ValueError("expected a JSON array of review objects")
            items.extend(value)
            pos = end
            while pos < len(text) and text[pos].isspace():
                pos += 1
    except ValueError as exc:
        raise UsageError(f"--reviews: {path} is not a JSON array of reviews: {exc}") from None
    if not all(isinstance(x, dict) for x in items):
        raise UsageError(f"--reviews: {path}: every item must be a review object")
    return [review_from_json(x) for x in items if isinstance(x, dict)]
