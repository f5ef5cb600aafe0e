"""`casebook history`."""

from __future__ import annotations

import os

import click

from casebook.cli.common import Env, emit_json, format_option, pass_env
from casebook.github.client import check_repo, from_environment
from casebook.github.history import case_history, with_approvers
from casebook.store.gitrepo import GitRepo


@click.command()
@click.argument("case_id", metavar="CASE_ID")
@click.option(
    "--repo",
    metavar="OWNER/NAME",
    help="Also read each pull request's approvers from GitHub (needs GITHUB_TOKEN).",
)
@click.option("--rev", default="HEAD", show_default=True, help="The main-line commit to read from.")
@format_option("text", "json")
@pass_env
def history(env: Env, case_id: str, repo: str | None, rev: str, fmt: str) -> None:
    """The audit trail of a case: every commit that changed its file, and the PR behind it.

    Follows renames. The pull request is read from the main line's merge commits ("Merge pull
    request #N") and squash titles ("... (#N)"); with --repo, its approvers come from GitHub.
    """
    git = GitRepo(env.root)
    entries = case_history(git, case_id, git.resolve(rev))
    if repo is not None:
        check_repo(repo)
        gh = from_environment(os.environ)
        try:
            entries = with_approvers(entries, gh, repo, git)
        finally:
            gh.close()
    if fmt == "json":
        emit_json({"case": case_id, "commits": [e.as_json() for e in entries]})
        return
    click.echo(f"{case_id}: {len(entries)} commit(s), newest first")
    for e in entries:
        click.echo(e.as_text())
