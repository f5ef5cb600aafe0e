"""A co-author cannot approve: ``Co-authored-by:`` lines count as committing to the change.

GitHub credits a commit's co-authors from ``Co-authored-by: Name <e-mail>`` lines (and writes
one itself when an author accepts a reviewer's suggested change), but its REST API lists only
the author and committer. An approver named as co-author helped write the record they approve;
casebook bars them, as it bars committers. Each co-author is found by e-mail in people.yaml on
the base branch (or by GitHub's no-reply address); one it cannot place fails the check closed.

Online against the local fake GitHub (held to GitHub's OpenAPI description), offline from the
clone's own commits, and in the history of merged pull requests.
"""

from __future__ import annotations

import json

import pytest

from casebook.github.approvals import UnknownContributor, known_contributors
from casebook.github.client import co_author_emails, commit_from_json
from casebook.model.people import People
from tests.github.test_approvals import record
from tests.github.test_approvals_cli import reviews_file

ARGS = ("approvals", "--repo", "o/r", "--pr", "7", "--format", "json")
GOV = ("gov-gh", "web-flow", "gov@council.example", "noreply@github.com")


def open_pr(github, case_repo, message, reviewer_id=None):
    """PR 7 records a stage-2 decision by dir-dev, approved by dev-gh (GitHub account
    ``reviewer_id``, if given) on the head; its one commit, by gov-gh, carries ``message``."""
    pr = record(case_repo)
    fake = github.fake
    fake.add_pull(7, "gov-gh", pr.head, pr.base)
    fake.add_commit(7, pr.head, *GOV, message=message)
    fake.add_review(7, "dev-gh", "APPROVED", pr.head)
    if reviewer_id is not None:
        fake.reviews[7][-1]["user"]["id"] = reviewer_id


def online(cli, github, case_repo, message):
    """``open_pr``, then `casebook approvals` on it: (exit code, the JSON report)."""
    open_pr(github, case_repo, message)
    res = cli("--root", case_repo.root, *ARGS)
    return res.code, json.loads(res.out)


def dev_home_email(case_repo):
    people = case_repo.read("policy/people.yaml").replace(
        "github: dev-gh}", "github: dev-gh, git_emails: [dev@home.example]}"
    )
    case_repo.write("policy/people.yaml", people)
    case_repo.commit("Dev's home e-mail")


def test_without_co_authors_the_approval_counts(cli, github, case_repo):
    code, report = online(cli, github, case_repo, "Record stage 2\n\nSigned-off-by: Gov")
    assert code == 0, report


@pytest.mark.parametrize(
    "line",
    [
        "Co-authored-by: Dev Director <dev@home.example>",
        "co-authored-by:Dev <DEV@HOME.EXAMPLE>",  # git's keys are case-insensitive
        "  CO-AUTHORED-BY :  dev@home.example",  # a bare address, spaces around the key
    ],
)
def test_an_approver_named_as_co_author_by_email_cannot_approve(cli, github, case_repo, line):
    dev_home_email(case_repo)
    code, report = online(cli, github, case_repo, f"Record stage 2\n\n{line}\n")
    assert code == 1 and report["problems"] == []
    (reviewer,) = report["reviewers"]
    assert reviewer["login"] == "dev-gh" and reviewer["counts"] is False
    assert "co-author" in reviewer["reason"]


def test_a_co_author_line_outside_the_trailer_block_counts_too(cli, github, case_repo):
    """git reads trailers only in the last paragraph; GitHub is looser. Missing one would let
    a co-author approve, so every such line counts."""
    dev_home_email(case_repo)
    message = "Record stage 2\n\nCo-authored-by: Dev <dev@home.example>\n\nMore words after it.\n"
    code, report = online(cli, github, case_repo, message)
    assert code == 1
    assert report["reviewers"][0]["counts"] is False


def test_a_suggested_change_co_authored_by_github_no_reply_address(cli, github, case_repo):
    """What GitHub writes when the author commits a reviewer's suggestion."""
    noreply = "1234+dev-gh@users.noreply.github.com"
    message = f"Apply suggestions from code review\n\nCo-authored-by: Dev <{noreply}>"
    code, report = online(cli, github, case_repo, message)
    assert code == 1 and report["problems"] == []
    assert report["reviewers"][0]["reason"].startswith("committed to the pull request or is named")


def test_an_unknown_co_author_fails_closed(cli, github, case_repo):
    code, report = online(cli, github, case_repo, "x\n\nCo-authored-by: Someone <s@home.example>")
    assert code == 1
    (problem,) = report["problems"]
    assert "names a co-author (Co-authored-by)" in problem
    assert "s@home.example is not in policy/people.yaml" in problem
    (_, (_, status)) = github.fake.statuses
    assert status["state"] == "failure"


def test_a_co_author_line_without_an_address_fails_closed(cli, github, case_repo):
    code, report = online(cli, github, case_repo, "x\n\nCo-authored-by: Dev Director")
    assert code == 1
    assert "(none) is not in policy/people.yaml" in report["problems"][0]


def test_someone_else_as_co_author_leaves_the_approval_standing(cli, github, case_repo):
    code, report = online(cli, github, case_repo, "x\n\nCo-authored-by: A <amber@council.example>")
    assert code == 0, report


def test_offline_reads_co_authors_from_the_clones_commits(cli, case_repo, tmp_path):
    pr = record(case_repo)
    path = reviews_file(tmp_path, pr.head, ("dev-gh", "APPROVED", None))
    args = ["--root", case_repo.root, "approvals", "--base", pr.base, "--head", "decision"]
    res = cli(*args, "--reviews", path, "--author", "gov-gh")
    assert res.code == 0, res.out + res.err
    # The same change, now with a commit that names the approver as co-author.
    case_repo.append("cases/MC-2026-0001.yaml", "# wording\n")
    head = case_repo.commit("Wording\n\nCo-authored-by: Dev <77+dev-gh@users.noreply.github.com>")
    path = reviews_file(tmp_path, head, ("dev-gh", "APPROVED", None))
    res = cli(*args, "--reviews", path, "--author", "gov-gh")
    assert res.code == 1
    assert "is named its co-author" in res.out


def test_co_author_emails_parses_addresses_as_email_headers_do():
    message = (
        "Subject\n\nbody\n"
        'Co-authored-by: "Director, Dev" <dev@home.example>\n'
        "co-authored-by: plain@example.org\n"
        "Co-authored-by: no address at all\n"
        "Not-co-authored-by: x@y.example\n"
        "Reviewed-by: r@y.example\n"
    )
    assert co_author_emails(message) == ["dev@home.example", "plain@example.org", None]


def test_commit_from_json_adds_each_co_author_as_unknown():
    c = commit_from_json(
        {
            "sha": "abc",
            "author": {"login": "gov-gh"},
            "committer": {"login": "web-flow"},
            "commit": {"message": "m\n\nCo-authored-by: D <d@x.example>"},
        }
    )
    assert c.logins == ("gov-gh", "web-flow")
    assert c.unknown == (("co-author", "d@x.example"),)


def test_a_no_reply_address_is_trusted_for_co_authors_only():
    """An author GitHub could not match, claiming a no-reply address, might be anyone (an
    approver hiding behind a made-up address): unknown, as before. The same address as a
    co-author can only bar that login, so it is taken at its word."""
    people = People.model_construct(roles={}, people=[], mailing_lists={})
    address = "5+dev-gh@users.noreply.github.com"
    logins, problems = known_contributors([UnknownContributor("a" * 40, "author", address)], people)
    assert logins == [] and len(problems) == 1
    logins, problems = known_contributors(
        [UnknownContributor("a" * 40, "co-author", address)], people
    )
    assert logins == ["dev-gh", "#5"] and problems == []  # the login, and the account ID


def test_the_same_unknown_co_author_twice_is_one_problem():
    people = People.model_construct(roles={}, people=[], mailing_lists={})
    twice = [UnknownContributor("b" * 40, "co-author", "s@home.example")] * 2
    _, problems = known_contributors(twice, people)
    assert len(problems) == 1


def test_history_does_not_count_a_co_authors_approval(cli, case_repo, github):
    """The audit trail of merged pull requests agrees with `approvals`."""
    from tests.github.test_history import CASE, merge_pr

    case_repo.branch("contact")
    case_repo.append(CASE, "  - {date: 2026-03-20, type: note, by: mgr-amber, text: First}")
    message = "Log a note\n\nCo-authored-by: Eve <9+eve-gh@users.noreply.github.com>"
    head = case_repo.commit(message)
    merge_pr(case_repo, "contact", 5)
    fake = github.fake
    fake.add_pull(5, "gov-gh", head, "b" * 40)
    fake.add_commit(5, head, *GOV, message=message)
    for login in ("eve-gh", "dev-gh"):
        fake.add_review(5, login, "APPROVED", head)
    args = ("history", "MC-2026-0001", "--repo", "o/r", "--format", "json")
    res = cli("--root", case_repo.root, *args)
    assert res.code == 0, res.err
    (entry,) = [c for c in json.loads(res.out)["commits"] if c["pr"] == 5]
    assert entry["approved_by"] == ["dev-gh"]
    assert entry["approval_problems"] == []
