"""`casebook approvals`."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import click

from casebook.cli.common import Env, emit_json, format_option, pass_env
from casebook.cli.stop import Stopped
from casebook.errors import CasebookError, GitHubError, UsageError
from casebook.github.approvals import (
    STATUS_CONTEXT,
    ApprovalReport,
    UnknownContributor,
    co_authors_in,
    evaluate_pull,
)
from casebook.github.client import (
    Status,
    check_repo,
    from_environment,
    review_from_json,
    run_url,
)
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
    "--head-sha",
    metavar="SHA",
    help="Online: the head commit the event named. `pending` is posted on it before anything "
    "is read, so that a failure to read the pull request cannot leave an old success standing.",
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
    head_sha: str | None,
    no_status: bool,
    fmt: str,
) -> None:
    """Are the approvals on a pull request enough for the decisions it records?

    Online (in CI): --repo OWNER/NAME --pr N, with GITHUB_TOKEN (and GITHUB_API_URL for GitHub
    Enterprise). Reads the pull request, its reviews and commits, diffs the case files in the
    local clone, and posts the commit status casebook/approvals on the head commit: `pending`
    first, then `success` or `failure`; `error` with a reason (never a name) when GitHub,
    the records or casebook itself fail, so that no earlier `success` is left standing.

    Offline: --base REV --head REV --reviews FILE [--author LOGIN] [--committers LOGIN,...]
    runs the same rules on a saved list of reviews, with no network.

    Exit 0 when every decision is approved, 1 when one is not (or GitHub failed), 2 on usage
    or configuration errors.
    """
    online = repo is not None or pr is not None or head_sha is not None
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
        if head_sha is not None and not _SHA.fullmatch(head_sha):
            raise UsageError(f"--head-sha: {head_sha!r} is not a 40-digit commit id")
        report = _online(git, repo, pr, head_sha, no_status, fmt)
    else:
        if base is None or head is None or reviews is None:
            raise UsageError(
                "offline mode needs --base REV, --head REV and --reviews FILE "
                "(or use --repo and --pr)"
            )
        named = co_authors_in(git, base, head)
        report = evaluate_pull(
            git, base, head, _read_reviews(reviews), author, logins, unknown=named
        )
        _print(report, fmt)
    raise SystemExit(0 if report.ok else 1)


_SHA = re.compile(r"^[0-9a-f]{40}$")


def error_description(exc: BaseException) -> str:
    """Why no verdict could be given, for the commit status: the kind of failure only, never
    the message (which can quote a record, and a status is shown to everyone who can read the
    repository)."""
    if isinstance(exc, GitHubError):
        code = f" (HTTP {exc.status})" if exc.status else ""
        return f"Not judged: GitHub failed{code}; re-run the job"
    if isinstance(exc, CasebookError):
        return "Not judged: the records could not be read or compared; see the job log"
    if isinstance(exc, KeyboardInterrupt | Stopped):
        return "Not judged: the run was cancelled; re-run the job"
    return f"Not judged: casebook failed ({type(exc).__name__}); see the job log"


def _online(
    git: GitRepo, repo: str, pr: int, event_sha: str | None, no_status: bool, fmt: str
) -> ApprovalReport:
    """Read the pull request, judge it, post the status; fail closed on any error.

    The status is ``pending`` on the head from the moment anything can go wrong (on the
    event's head at once when --head-sha is given, else as soon as the pull request is read),
    and ends ``success``/``failure`` for a verdict or ``error`` for anything else: an old
    ``success`` on the same commit (say, before a review was dismissed) never survives a run
    that could not finish.
    """
    gh = from_environment(os.environ)
    target = run_url(os.environ)
    pending: list[str] = []  # commits on which this run posted `pending`

    def post(sha: str, state: str, text: str) -> None:
        gh.create_status(repo, sha, Status(state, text, STATUS_CONTEXT, target))
        if state == "pending":
            pending.append(sha)
        elif sha in pending:
            pending.remove(sha)

    try:
        try:
            if not no_status and event_sha is not None:
                post(event_sha, "pending", "casebook is judging the approvals")
            pull = gh.get_pull(repo, pr)
            if not no_status and pull.head_sha not in pending:
                post(pull.head_sha, "pending", "casebook is judging the approvals")
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
            _print(report, fmt)  # before posting: the log has the verdict if the post fails
            if not no_status:
                post(report.head, report.status().state, report.status().description)
                for sha in list(pending):  # the event's head, when the pull request moved on
                    post(sha, "error", f"Superseded: the head is now {report.head[:12]}")
        except BaseException as exc:
            for sha in list(pending):
                try:
                    post(sha, "error", error_description(exc))
                except GitHubError as again:
                    click.echo(
                        f"casebook approvals: could not post the error status on {sha[:12]} "
                        f"({again}); the status stays `pending`, which blocks the merge",
                        err=True,
                    )
            raise
    finally:
        gh.close()
    if not no_status and fmt == "text":
        click.echo(f"Posted status {STATUS_CONTEXT} on {report.head[:12]}.")
    return report


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
