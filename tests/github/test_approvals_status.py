"""The `casebook/approvals` status never stays green by accident (issue 12, item 4).

`pending` is posted before anything is judged; a verdict ends it `success` or `failure`; any
other ending (GitHub failing after its retries, records that cannot be read, a crash) ends it
`error` with a reason that names no one. Run against the local fake GitHub, on real git repos.
"""

from __future__ import annotations

import json

import pytest

import casebook.cli.approvals
from casebook.github.client import from_environment
from tests.github.server import Fault
from tests.github.test_approvals_cli import online


@pytest.fixture(autouse=True)
def _no_real_waits(monkeypatch):
    # The command's client waits 2, 4, 8 s between retries of a 5xx; the test need not.
    def quick(environ):
        gh = from_environment(environ)
        gh.sleep = lambda s: None
        return gh

    monkeypatch.setattr(casebook.cli.approvals, "from_environment", quick)


def states(github, sha=None):
    return [
        (body["state"], body["description"])
        for s, body in github.fake.statuses
        if sha is None or s == sha
    ]


def approvals(cli, case_repo, *extra):
    return cli("--root", case_repo.root, "approvals", "--repo", "o/r", "--pr", "7", *extra)


def test_pending_first_then_the_verdict(cli, github, case_repo):
    pr = online(github, case_repo, [("dev-gh", "APPROVED", None)])
    res = approvals(cli, case_repo, "--head-sha", pr.head)
    assert res.code == 0, res.err
    assert states(github, pr.head) == [
        ("pending", "casebook is judging the approvals"),
        ("success", "All 1 decision(s) approved by the required roles"),
    ]
    # pending went out before the pull request, its commits or reviews were read
    first_status = next(i for i, s in enumerate(github.fake.seen) if "/statuses/" in s.path)
    assert first_status == 0


def test_a_dismissed_review_replaces_the_old_success(cli, github, case_repo):
    pr = online(github, case_repo, [("dev-gh", "APPROVED", None)])
    assert approvals(cli, case_repo).code == 0
    github.fake.reviews[7][0]["state"] = "DISMISSED"
    assert approvals(cli, case_repo).code == 1
    assert states(github, pr.head)[-1][0] == "failure"


def test_github_5xx_after_retries_posts_error(cli, github, case_repo):
    pr = online(github, case_repo, [("dev-gh", "APPROVED", None)])
    assert approvals(cli, case_repo).code == 0  # an old success on the same commit
    github.fake.faults.append(
        Fault("GET", r"/repos/o/r/pulls/7/reviews", 502, {}, {"message": "x"}, times=10)
    )
    res = approvals(cli, case_repo)
    assert res.code == 1 and "HTTP 502" in res.err and "Traceback" not in res.err
    assert len(github.fake.requests_to("GET", "/repos/o/r/pulls/7/reviews")) == 5  # 1 + 3 + 1
    assert states(github, pr.head)[-2:] == [
        ("pending", "casebook is judging the approvals"),
        ("error", "Not judged: GitHub failed (HTTP 502); re-run the job"),
    ]


def test_pull_request_unreadable_posts_error_on_the_events_head(cli, github, case_repo):
    sha = "a" * 40
    github.fake.faults.append(Fault("GET", "/repos/o/r/pulls/7", 404, {}, {"message": "x"}))
    res = approvals(cli, case_repo, "--head-sha", sha)
    assert res.code == 1 and "404" in res.err
    assert states(github, sha) == [
        ("pending", "casebook is judging the approvals"),
        ("error", "Not judged: GitHub failed (HTTP 404); re-run the job"),
    ]


def test_records_that_cannot_be_compared_post_error(cli, github, case_repo):
    # The head commit is not in the clone (a shallow checkout): exit 2, status error.
    github.fake.add_pull(7, "gov-gh", "f" * 40, case_repo.repo.head.commit.hexsha)
    res = approvals(cli, case_repo)
    assert res.code == 2
    assert states(github, "f" * 40)[-1] == (
        "error",
        "Not judged: the records could not be read or compared; see the job log",
    )


def test_a_crash_posts_error_without_personal_data(cli, github, case_repo, monkeypatch):
    pr = online(github, case_repo, [("dev-gh", "APPROVED", None)])
    assert approvals(cli, case_repo).code == 0

    def crash(*args, **kwargs):
        raise RuntimeError("could not parse Alex Example, 1 High Street")

    monkeypatch.setattr(casebook.cli.approvals, "evaluate_pull", crash)
    res = approvals(cli, case_repo)
    assert res.code != 0
    last = states(github, pr.head)[-1]
    assert last == ("error", "Not judged: casebook failed (RuntimeError); see the job log")
    assert "Alex" not in json.dumps(github.fake.statuses)


def test_the_pull_request_moved_on(cli, github, case_repo):
    # The event named an older head; the verdict is for the head GitHub has now, and the
    # older commit is not left `pending` (nor green).
    pr = online(github, case_repo, [("dev-gh", "APPROVED", None)])
    old = pr.base
    assert approvals(cli, case_repo, "--head-sha", old).code == 0
    assert states(github, old)[-1] == ("error", f"Superseded: the head is now {pr.head[:12]}")
    assert states(github, pr.head)[-1][0] == "success"


def test_no_status_posts_nothing_even_on_error(cli, github, case_repo):
    github.fake.add_pull(7, "gov-gh", "f" * 40, case_repo.repo.head.commit.hexsha)
    assert approvals(cli, case_repo, "--no-status").code == 2
    assert github.fake.statuses == []


def test_bad_head_sha_is_a_usage_error(cli, github, case_repo):
    res = approvals(cli, case_repo, "--head-sha", "main")
    assert res.code == 2 and "40-digit" in res.err
    assert github.fake.seen == []
