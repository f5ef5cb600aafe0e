"""`casebook approvals` as a command: online against the local fake GitHub, and offline."""

from __future__ import annotations

import json

from tests.conftest import run_process
from tests.github.server import Fault
from tests.github.test_approvals import record


def online(github, case_repo, reviews, author="gov-gh", committers=("gov-gh",)):
    pr = record(case_repo)
    fake = github.fake
    fake.add_pull(7, author, pr.head, pr.base)
    for c in committers:
        fake.add_commit(7, pr.head, c, "web-flow")
    for login, state, sha in reviews:
        fake.add_review(7, login, state, sha or pr.head)
    return pr


def test_online_approved_posts_success(cli, github, case_repo):
    pr = online(github, case_repo, [("dev-gh", "APPROVED", None)])
    res = cli("--root", case_repo.root, "approvals", "--repo", "o/r", "--pr", "7")
    assert res.code == 0, res.out + res.err
    assert "APPROVED: cases/MC-2026-0001.yaml events[3]" in res.out
    (pending, (sha, body)) = github.fake.statuses
    assert pending == (sha, {**body, "state": "pending", "description": pending[1]["description"]})
    assert sha == pr.head
    assert body["context"] == "casebook/approvals"
    assert body["state"] == "success"
    assert body["description"] == "All 1 decision(s) approved by the required roles"


def test_online_reviews_are_read_across_pages(cli, github, case_repo):
    reviews = [("stranger-gh", "COMMENTED", None)] * 5 + [("dev-gh", "APPROVED", None)]
    online(github, case_repo, reviews)
    github.fake.page_size = 2
    res = cli("--root", case_repo.root, "approvals", "--repo", "o/r", "--pr", "7")
    assert res.code == 0, res.out + res.err
    assert len(github.fake.requests_to("GET", "/repos/o/r/pulls/7/reviews")) == 3


def test_online_committer_blocks_and_failure_is_posted(cli, github, case_repo):
    online(github, case_repo, [("dev-gh", "APPROVED", None)], committers=("gov-gh", "dev-gh"))
    res = cli(
        "--root", case_repo.root, "approvals", "--repo", "o/r", "--pr", "7", "--format", "json"
    )
    assert res.code == 1
    report = json.loads(res.out)
    assert report["ok"] is False
    assert report["reviewers"][0]["reason"].startswith("committed")
    ((_, first), (_, body)) = github.fake.statuses
    assert first["state"] == "pending"
    assert (body["state"], body["description"]) == (
        "failure",
        "1 of 1 decision(s) lack required approvals",
    )
    assert "Alex" not in json.dumps(body)


def test_online_target_url_links_the_run(cli, github, case_repo, monkeypatch):
    online(github, case_repo, [("dev-gh", "APPROVED", None)])
    monkeypatch.setenv("GITHUB_SERVER_URL", "https://github.com")
    monkeypatch.setenv("GITHUB_REPOSITORY", "o/r")
    monkeypatch.setenv("GITHUB_RUN_ID", "42")
    assert cli("--root", case_repo.root, "approvals", "--repo", "o/r", "--pr", "7").code == 0
    assert github.fake.statuses[-1][1]["target_url"] == "https://github.com/o/r/actions/runs/42"


def test_online_no_status(cli, github, case_repo):
    online(github, case_repo, [])
    res = cli("--root", case_repo.root, "approvals", "--repo", "o/r", "--pr", "7", "--no-status")
    assert res.code == 1
    assert github.fake.statuses == []


def test_online_missing_pull_request_is_exit_1_with_a_message(cli, github, case_repo):
    res = cli("--root", case_repo.root, "approvals", "--repo", "o/r", "--pr", "99")
    assert res.code == 1
    assert "404" in res.err and "check --repo" in res.err
    assert "Traceback" not in res.err


def test_online_forbidden_status_says_which_permission(cli, github, case_repo):
    online(github, case_repo, [("dev-gh", "APPROVED", None)])
    github.fake.faults.append(
        Fault(
            "POST",
            r"/repos/o/r/statuses/[0-9a-f]+",
            403,
            {},
            {"message": "Resource not accessible by integration"},
        )
    )
    res = cli("--root", case_repo.root, "approvals", "--repo", "o/r", "--pr", "7")
    assert res.code == 1
    assert "permissions: statuses: write" in res.err


def test_online_head_commit_missing_from_the_clone(cli, github, case_repo):
    github.fake.add_pull(7, "gov-gh", "f" * 40, case_repo.repo.head.commit.hexsha)
    res = cli("--root", case_repo.root, "approvals", "--repo", "o/r", "--pr", "7")
    assert res.code == 2
    assert "fetch-depth: 0" in res.err


def test_online_needs_a_token(cli, github, case_repo, monkeypatch):
    monkeypatch.delenv("GITHUB_TOKEN")
    res = cli("--root", case_repo.root, "approvals", "--repo", "o/r", "--pr", "7")
    assert res.code == 2 and "GITHUB_TOKEN is not set" in res.err


def reviews_file(tmp_path, head, *items):
    path = tmp_path / "reviews.json"
    data = [
        {"id": i, "user": {"login": login}, "state": state, "commit_id": sha or head}
        for i, (login, state, sha) in enumerate(items, 1)
    ]
    # Two pages one after another, as `gh api --paginate` writes them.
    path.write_text(json.dumps(data[:1]) + "\n" + json.dumps(data[1:]))
    return path


def test_offline_mode_needs_no_network(cli, case_repo, tmp_path, monkeypatch):
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    pr = record(case_repo)
    path = reviews_file(
        tmp_path, pr.head, ("dev-gh", "APPROVED", None), ("eve-gh", "COMMENTED", None)
    )
    args = ["--root", case_repo.root, "approvals", "--base", pr.base, "--head", "decision"]
    res = cli(*args, "--reviews", path, "--author", "gov-gh")
    assert res.code == 0, res.out + res.err
    res = cli(*args, "--reviews", path, "--author", "gov-gh", "--committers", "x-gh,dev-gh")
    assert res.code == 1
    assert "committed to the pull request" in res.out


def test_offline_as_a_process_never_tracebacks(case_repo, tmp_path):
    pr = record(case_repo)
    bad = tmp_path / "reviews.json"
    bad.write_text("{not json")
    res = run_process(
        "--root",
        case_repo.root,
        "approvals",
        "--base",
        pr.base,
        "--head",
        pr.head,
        "--reviews",
        bad,
    )
    assert res.code == 2 and "not a JSON array" in res.err
    assert "Traceback" not in res.err
    bad.write_text("[]")
    res = run_process(
        "--root", case_repo.root, "approvals", "--base", "nope", "--head", pr.head, "--reviews", bad
    )
    assert res.code == 2 and "'nope' is not a commit" in res.err


def test_usage_errors(cli, case_repo, tmp_path):
    root = case_repo.root
    res = cli("--root", root, "approvals")
    assert res.code == 2 and "offline mode needs" in res.err
    res = cli("--root", root, "approvals", "--repo", "o/r")
    assert res.code == 2 and "needs both --repo" in res.err
    res = cli("--root", root, "approvals", "--repo", "o/r", "--pr", "1", "--base", "main")
    assert res.code == 2 and "not both" in res.err
    res = cli("--root", root, "approvals", "--repo", "bad repo", "--pr", "1")
    assert res.code == 2 and "OWNER/NAME" in res.err


def test_not_a_git_repository(cli, mini, tmp_path):
    res = cli(
        "--root", mini, "approvals", "--base", "a", "--head", "b", "--reviews", tmp_path / "r.json"
    )
    assert res.code == 2 and "not inside a git repository" in res.err
