"""The GitHub client against the local fake: pagination, rate limits, errors one can act on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from casebook.errors import GitHubError, UsageError
from casebook.github.client import RestGitHub, RetryPolicy, Status, check_repo, from_environment
from tests.github.server import SPEC_FILE, Fault

SHARED = Path(__file__).resolve().parents[3] / "shared" / "github" / "openapi-subset.json"


def client(url: str, waits: list[float] | None = None, now: float = 1000.0) -> RestGitHub:
    sink = waits if waits is not None else []
    return RestGitHub(
        token="test-token",
        api_url=url,
        sleep=sink.append,
        clock=lambda: now,
        retry=RetryPolicy(max_retries=3, max_wait=30.0),
    )


@pytest.mark.skipif(not SHARED.exists(), reason="shared/ is not beside this clone")
def test_the_copied_openapi_description_is_githubs():
    assert json.loads(SPEC_FILE.read_text()) == json.loads(SHARED.read_text())


def test_pagination_follows_link_headers(github):
    fake = github.fake
    for i in range(7):
        fake.add_issue(f"t{i}", "b", ["review-due"])
    fake.add_issue("other", "b", ["bug"])
    fake.page_size = 2
    issues = client(github.url).list_issues("o/r", "review-due")
    assert [i.title for i in issues] == [f"t{i}" for i in range(7)]
    pages = fake.requests_to("GET", "/repos/o/r/issues")
    assert len(pages) == 4
    assert [p.query.get("page", ["1"])[0] for p in pages] == ["1", "2", "3", "4"]
    assert all(p.query["state"] == ["all"] and p.query["labels"] == ["review-due"] for p in pages)


def test_primary_rate_limit_waits_until_reset_then_retries(github):
    github.fake.add_issue("t", "b", ["review-due"])
    github.fake.faults.append(
        Fault(
            "GET",
            "/repos/o/r/issues",
            403,
            {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1004"},
            {"message": "API rate limit exceeded"},
        )
    )
    waits: list[float] = []
    issues = client(github.url, waits).list_issues("o/r", "review-due")
    assert [i.title for i in issues] == ["t"]
    assert waits == [5.0]  # until the reset, plus a second


def test_secondary_rate_limit_honours_retry_after(github):
    github.fake.add_pull(7, "gov-gh", "a" * 40, "b" * 40)
    github.fake.faults.append(
        Fault("GET", "/repos/o/r/pulls/7", 429, {"retry-after": "2"}, {"message": "slow down"}, 2)
    )
    waits: list[float] = []
    pull = client(github.url, waits).get_pull("o/r", 7)
    assert pull.head_sha == "a" * 40
    assert waits == [2.0, 2.0]


def test_rate_limit_that_outlasts_the_bound_stops_with_a_message(github):
    github.fake.faults.append(
        Fault(
            "GET",
            "/repos/o/r/issues",
            403,
            {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "4600"},
            {"message": "API rate limit exceeded"},
        )
    )
    waits: list[float] = []
    with pytest.raises(GitHubError, match="rate limit") as exc:
        client(github.url, waits).list_issues("o/r", "review-due")
    assert waits == []  # an hour is too long to hold a CI job; say so at once
    assert exc.value.status == 403


def test_retries_are_bounded(github):
    github.fake.faults.append(
        Fault("GET", "/repos/o/r/pulls/7", 429, {"retry-after": "1"}, {"message": "x"}, 10)
    )
    waits: list[float] = []
    with pytest.raises(GitHubError, match="rate limit"):
        client(github.url, waits).get_pull("o/r", 7)
    assert waits == [1.0, 1.0, 1.0]


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (401, "check that GITHUB_TOKEN is set"),
        (403, "permissions: pull-requests: read"),
        (404, "check --repo OWNER/NAME"),
        (422, "as invalid (422 Validation Failed): PullRequest number invalid"),
    ],
)
def test_errors_say_what_to_do(github, status, words):
    body = {"message": "Validation Failed" if status == 422 else "nope"}
    if status == 422:
        body["errors"] = [{"resource": "PullRequest", "field": "number", "code": "invalid"}]
    github.fake.faults.append(Fault("GET", "/repos/o/r/pulls/7", status, {}, body))
    with pytest.raises(GitHubError) as exc:
        client(github.url).get_pull("o/r", 7)
    assert words in str(exc.value)
    assert exc.value.status == status


def test_bad_token_is_a_401(github):
    github.fake.add_pull(7, "gov-gh", "a" * 40, "b" * 40)
    gh = client(github.url)
    gh.token = "wrong"
    with pytest.raises(GitHubError, match="401"):
        gh.get_pull("o/r", 7)


def test_status_description_is_cut_to_githubs_limit(github):
    client(github.url).create_status(
        "o/r", "c" * 40, Status("success", "x" * 300, "casebook/approvals")
    )
    (_sha, body) = github.fake.statuses[0]
    assert len(body["description"]) == 140


def test_unreachable_api_is_a_clear_error():
    gh = RestGitHub(token="t", api_url="http://127.0.0.1:9", sleep=lambda s: None)
    with pytest.raises(GitHubError, match="cannot reach the GitHub API"):
        gh.get_pull("o/r", 1)


def test_next_link_to_another_host_is_refused(github):
    gh = client(github.url)
    with pytest.raises(GitHubError, match="another host"):
        gh._next_link('<https://evil.example/repos/o/r/issues?page=2>; rel="next"')


def test_environment():
    with pytest.raises(UsageError, match="GITHUB_TOKEN is not set"):
        from_environment({})
    gh = from_environment({"GITHUB_TOKEN": "t", "GITHUB_API_URL": "https://ghe.example/api/v3"})
    assert gh.api_url == "https://ghe.example/api/v3"
    assert from_environment({"GITHUB_TOKEN": "t"}).api_url == "https://api.github.com"
    with pytest.raises(UsageError):
        from_environment({"GITHUB_TOKEN": "t", "GITHUB_API_URL": "ftp://x"})
    with pytest.raises(UsageError):
        check_repo("not a repo")
    assert check_repo("council/casebook") == "council/casebook"


def test_a_post_that_creates_is_not_retried_after_a_502(github):
    github.fake.faults.append(Fault("POST", "/repos/o/r/issues", 502, {}, {"message": "x"}))
    waits: list[float] = []
    with pytest.raises(GitHubError, match="502") as exc:
        client(github.url, waits).create_issue("o/r", "t", "b", ["review-due"])
    assert exc.value.maybe_applied is True
    assert len(github.fake.requests_to("POST", "/repos/o/r/issues")) == 1
    assert waits == []


def test_a_post_that_creates_is_not_retried_after_a_dropped_answer(github):
    github.fake.fault_at[1] = "process-drop"
    with pytest.raises(GitHubError, match="may have carried it out") as exc:
        client(github.url).create_comment("o/r", github.fake.add_issue("t", "b", [])["number"], "c")
    assert exc.value.maybe_applied is True
    assert list(github.fake.comments.values()) == [["c"]]  # done once, never twice


def test_a_get_is_retried_after_a_502_and_a_reset(github):
    github.fake.add_issue("t", "b", ["review-due"])
    github.fake.fault_at.update({1: "502", 2: "reset"})
    waits: list[float] = []
    assert [i.title for i in client(github.url, waits).list_issues("o/r", "review-due")] == ["t"]
    assert len(waits) == 2


@pytest.mark.parametrize(
    ("codes", "swallowed"), [(["already_exists"], True), (["invalid"], False), ([], False)]
)
def test_label_422_is_swallowed_only_when_it_already_exists(github, codes, swallowed):
    body = {
        "message": "Validation Failed",
        "documentation_url": "https://docs.github.com",
        "errors": [{"resource": "Label", "code": c, "field": "color"} for c in codes],
    }
    github.fake.faults.append(Fault("POST", "/repos/o/r/labels", 422, {}, body))
    gh = client(github.url)
    if swallowed:
        gh.create_label("o/r", "review-due", "d93f0b", "d")
    else:
        with pytest.raises(GitHubError, match="422"):
            gh.create_label("o/r", "review-due", "zz", "d")


def test_label_created_although_the_answer_was_lost(github):
    github.fake.fault_at[1] = "process-502"
    gh = client(github.url)
    gh.create_label("o/r", "review-due", "d93f0b", "d")  # looks, finds it, is content
    assert [lab["name"] for lab in github.fake.labels] == ["review-due"]
    assert len(github.fake.requests_to("POST", "/repos/o/r/labels")) == 1
