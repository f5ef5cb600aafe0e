"""Contributors are known, or `casebook approvals` fails closed (issue 12, item 3).

Run online against the local fake GitHub, whose answers are held to GitHub's OpenAPI
description: a PR commit with ``"author": null`` is a real GitHub shape.
"""

from __future__ import annotations

import json

from casebook.github.client import commit_from_json
from tests.github.test_approvals import record

ARGS = ("approvals", "--repo", "o/r", "--pr", "7", "--format", "json")


def setup_pr(github, case_repo, commits):
    """PR 7 records stage 2 by dir-dev, approved by dev-gh on head; ``commits`` are
    (author login or None, committer login or None, author e-mail, committer e-mail)."""
    pr = record(case_repo)
    fake = github.fake
    fake.add_pull(7, "gov-gh", pr.head, pr.base)
    for author, committer, a_mail, c_mail in commits:
        fake.add_commit(7, pr.head, author, committer, a_mail, c_mail)
    fake.add_review(7, "dev-gh", "APPROVED", pr.head)
    return pr


def run(cli, case_repo):
    res = cli("--root", case_repo.root, *ARGS)
    return res.code, json.loads(res.out)


def test_commit_with_an_unmatched_author_and_unknown_email_fails_closed(cli, github, case_repo):
    setup_pr(github, case_repo, [(None, "web-flow", "someone@home.example", "noreply@github.com")])
    code, report = run(cli, case_repo)
    assert code == 1 and report["ok"] is False
    (problem,) = report["problems"]
    assert "GitHub matched its author to no account" in problem
    assert "someone@home.example is not in policy/people.yaml" in problem
    ((_, pending), (_, status)) = github.fake.statuses
    assert pending["state"] == "pending"
    assert status["state"] == "failure"
    assert status["description"].startswith("Cannot evaluate")


def test_unmatched_committer_fails_closed_too(cli, github, case_repo):
    setup_pr(github, case_repo, [("gov-gh", None, "gov@council.example", "ci@build.example")])
    code, report = run(cli, case_repo)
    assert code == 1
    assert "matched its committer to no account" in report["problems"][0]


def test_unmatched_author_found_by_email_is_that_person(cli, github, case_repo):
    """The approver dir-dev committed under an e-mail GitHub does not know: their approval
    must not count, as if GitHub had named them."""
    people = case_repo.read("policy/people.yaml").replace(
        "github: dev-gh}", "github: dev-gh, git_emails: [dev@home.example]}"
    )
    case_repo.write("policy/people.yaml", people)
    case_repo.commit("Dev's home e-mail")
    setup_pr(github, case_repo, [(None, "web-flow", "DEV@home.example", "noreply@github.com")])
    code, report = run(cli, case_repo)
    assert code == 1 and report["problems"] == []
    (reviewer,) = report["reviewers"]
    assert reviewer["login"] == "dev-gh" and reviewer["counts"] is False
    assert reviewer["reason"].startswith("committed")


def test_unmatched_author_matched_to_someone_else_by_email_lets_the_approval_count(
    cli, github, case_repo
):
    setup_pr(github, case_repo, [(None, "web-flow", "amber@council.example", "noreply@github.com")])
    code, report = run(cli, case_repo)
    assert code == 0, report
    assert report["problems"] == []


def test_a_capped_commit_list_fails_closed(cli, github, case_repo):
    """GitHub lists at most 250 commits; the pull request's `commits` count says 251."""
    commits = [("gov-gh", "web-flow", "gov@council.example", "noreply@github.com")] * 251
    setup_pr(github, case_repo, commits)
    code, report = run(cli, case_repo)
    assert code == 1
    (problem,) = report["problems"]
    assert "did not list 1 of the pull request's commits" in problem


def test_exactly_250_commits_is_fine(cli, github, case_repo):
    commits = [("gov-gh", "web-flow", "gov@council.example", "noreply@github.com")] * 250
    setup_pr(github, case_repo, commits)
    code, report = run(cli, case_repo)
    assert code == 0, report


def test_commit_from_json_reads_the_git_emails_of_unmatched_accounts():
    c = commit_from_json(
        {
            "sha": "abc",
            "author": None,
            "committer": {"login": "web-flow"},
            "commit": {"author": {"email": "x@home.example"}, "committer": {"email": "n@g.com"}},
        }
    )
    assert c.logins == ("web-flow",)
    assert c.unknown == (("author", "x@home.example"),)
