"""Attacks on the co-author control of ``casebook approvals`` (``Co-authored-by:`` lines).

A co-author cannot approve (test_approvals_co_authors.py). These tests try to get a co-author's
approval counted anyway, to block an honest team, or to crash casebook, through the way the
lines and their addresses are read. Each case is a real git repository and the local fake
GitHub (held to GitHub's OpenAPI description), as in the tests of the control itself.
"""

from __future__ import annotations

import json

import pytest

from casebook.github.client import co_author_emails
from tests.github.test_approvals import record
from tests.github.test_approvals_cli import reviews_file
from tests.github.test_approvals_co_authors import dev_home_email, online, open_pr


def dev_barred(report: dict[str, object]) -> bool:
    (reviewer,) = report["reviewers"]  # type: ignore[misc]
    return reviewer["login"] == "dev-gh" and reviewer["counts"] is False  # type: ignore[no-any-return]


# --- A co-author's approval counted anyway --------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        # Python 3.11's parseaddr takes the display name when it looks like an address: casebook
        # read amber (who did not approve) and let dev, whom GitHub credits by the address in
        # angle brackets, approve.
        "Co-authored-by: amber@council.example <dev@home.example>",
        # Two people on one line: parseaddr kept the first only.
        "Co-authored-by: Amber <amber@council.example>, Dev <dev@home.example>",
        "Co-authored-by: a <amber@council.example> b <dev@home.example>",
    ],
)
def test_every_address_on_a_co_author_line_is_a_co_author(cli, github, case_repo, line):
    dev_home_email(case_repo)
    code, report = online(cli, github, case_repo, f"Record stage 2\n\n{line}\n")
    assert code == 1 and dev_barred(report), report


def test_an_address_shared_by_two_people_bars_them_both(cli, github, case_repo):
    """people.yaml may give two officers the same address (a team mailbox); a co-author line
    with it could be either, so neither may approve. The last one listed used to win."""
    people = case_repo.read("policy/people.yaml")
    for login in ("dev-gh", "eve-gh"):
        people = people.replace(
            f"github: {login}}}", f"github: {login}, git_emails: [asb-team@council.example]}}"
        )
    case_repo.write("policy/people.yaml", people)
    case_repo.commit("A shared mailbox")
    code, report = online(
        cli, github, case_repo, "Record stage 2\n\nCo-authored-by: ASB <asb-team@council.example>"
    )
    assert code == 1 and dev_barred(report), report


@pytest.mark.parametrize(
    "message",
    [
        "Record stage 2\r\n\r\nCo-authored-by: Dev <dev@home.example>\r\n",  # CRLF
        "Record stage 2\r\rCo-authored-by: Dev <dev@home.example>\r",  # CR only
        "Record stage 2\n\n\u00a0Co-authored-by: Dev <dev@home.example>",  # NBSP before the key
        "Record stage 2\u2028Co-authored-by: Dev <dev@home.example>",  # Unicode line separator
        "Record stage 2\n\nCo-authored-by\uff1a Dev <dev@home.example>",  # fullwidth colon
        "Record stage 2\n\nCo\u2010authored\u2010by: Dev <dev@home.example>",  # Unicode hyphen
        "Record stage 2\n\nCo-author\u200bed-by: Dev <dev@home.example>",  # zero-width space
    ],
)
def test_a_co_author_line_in_disguise_still_bars(cli, github, case_repo, message):
    """Whether GitHub credits these or not, a line that reads as a co-author line to a person
    bars the person it names: one too many only bars, one too few lets a co-author approve."""
    dev_home_email(case_repo)
    code, report = online(cli, github, case_repo, message)
    assert code == 1 and dev_barred(report), report


def test_a_no_reply_address_is_the_account_of_its_id(cli, github, case_repo):
    """dev-gh is account 583231 (renamed from dev-old); a suggestion made before the rename
    carries the old login. GitHub resolves the address by the ID and shows dev-gh as co-author;
    casebook trusted the login only, so dev-gh's approval counted."""
    message = "Apply suggestions\n\nCo-authored-by: Dev <583231+dev-old@users.noreply.github.com>"
    open_pr(github, case_repo, message, reviewer_id=583231)
    res = cli(
        "--root", case_repo.root, "approvals", "--repo", "o/r", "--pr", "7", "--format", "json"
    )
    assert res.code == 1 and dev_barred(json.loads(res.out))


# --- Crashes -------------------------------------------------------------------------------


def test_nested_parentheses_fail_closed_offline_not_a_traceback(cli, case_repo, tmp_path):
    """email.utils.parseaddr recursed once per "(" and raised RecursionError."""
    pr = record(case_repo)
    case_repo.append("cases/MC-2026-0001.yaml", "# wording\n")
    head = case_repo.commit("Wording\n\nCo-authored-by: Dev <" + "(" * 3000 + ">")
    path = reviews_file(tmp_path, head, ("dev-gh", "APPROVED", None))
    args = ["--root", case_repo.root, "approvals", "--base", pr.base, "--head", "decision"]
    res = cli(*args, "--reviews", path, "--author", "gov-gh", "--format", "json")
    assert res.code == 1, res.err
    assert "Traceback" not in res.err
    (problem,) = json.loads(res.out)["problems"]
    assert "names a co-author (Co-authored-by)" in problem


def test_nested_parentheses_fail_closed_online(cli, github, case_repo):
    code, report = online(cli, github, case_repo, "x\n\nCo-authored-by: " + "(" * 3000)
    assert code == 1
    assert "names a co-author (Co-authored-by)" in report["problems"][0]
    (_, (_, status)) = github.fake.statuses
    assert status["state"] == "failure"


# --- An honest team blocked ----------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        # GitHub Apps: GitHub credits these (e.g. an AI assistant's suggestion); an app is no
        # approver in people.yaml, so its line must not fail the check.
        "Co-authored-by: claude[bot] <209825114+claude[bot]@users.noreply.github.com>",
        # Enterprise Managed Users have logins with an underscore and a short code.
        "Co-authored-by: Amber <7+amber_council@users.noreply.github.com>",
    ],
)
def test_no_reply_addresses_github_writes_are_recognised(cli, github, case_repo, line):
    code, report = online(cli, github, case_repo, f"Record stage 2\n\n{line}")
    assert code == 0 and report["problems"] == [], report


def test_a_display_name_with_an_at_sign_is_not_an_address():
    assert co_author_emails("x\n\nCo-authored-by: @dev (Dev) <dev@home.example>") == [
        "dev@home.example"
    ]


def test_a_very_long_message_is_read_in_bounded_time():
    import time

    message = "x\n\n" + "Co-authored-by: D <d@x.example> " * 20000 + "\n" + "a(" * 200000
    start = time.monotonic()
    co_author_emails(message)
    assert time.monotonic() - start < 2.0


def test_offline_a_no_reply_id_bars_the_account_too(cli, case_repo, tmp_path):
    """The saved reviews (GET /pulls/N/reviews) carry user.id offline as online."""
    pr = record(case_repo)
    case_repo.append("cases/MC-2026-0001.yaml", "# wording\n")
    head = case_repo.commit(
        "Wording\n\nCo-authored-by: Dev <583231+dev-old@users.noreply.github.com>"
    )
    path = tmp_path / "reviews.json"
    review = {"id": 1, "user": {"login": "dev-gh", "id": 583231}, "state": "APPROVED"}
    path.write_text(json.dumps([{**review, "commit_id": head}]))
    args = ["--root", case_repo.root, "approvals", "--base", pr.base, "--head", "decision"]
    res = cli(*args, "--reviews", path, "--author", "gov-gh", "--format", "json")
    assert res.code == 1 and dev_barred(json.loads(res.out)), res.out + res.err


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_a_lone_surrogate_in_an_address_fails_closed_not_a_crash(cli, github, case_repo, fmt):
    """JSON can carry "\\ud800", which no UTF-8 output can print: the problem naming the
    address crashed casebook (an internal error) instead of failing the check."""
    open_pr(github, case_repo, "x\n\nCo-authored-by: D <\ud800@x.example>")
    args = ("approvals", "--repo", "o/r", "--pr", "7", "--format", fmt)
    res = cli("--root", case_repo.root, *args)
    assert res.code == 1, res.err
    assert "names a co-author (Co-authored-by)" in res.out
    (_, (_, status)) = github.fake.statuses
    assert status["state"] == "failure"


def test_a_no_reply_address_listed_for_someone_without_a_login_still_bars(cli, github, case_repo):
    """people.yaml gives dev-gh's no-reply address to an officer with no GitHub login (a
    mistake, or an old entry): the match to people.yaml used to end the look-up, and dev-gh,
    whom GitHub credits, could approve."""
    noreply = "4242+dev-gh@users.noreply.github.com"
    people = case_repo.read("policy/people.yaml").replace(
        "github: amber-gh, email: amber@council.example}",
        "github: amber-gh, email: amber@council.example}\n"
        f"  - {{id: ofc-hal, name: Hal Officer, git_emails: [{noreply}]}}",
    )
    case_repo.write("policy/people.yaml", people)
    case_repo.commit("Hal joins")
    code, report = online(
        cli, github, case_repo, f"Apply suggestion\n\nCo-authored-by: D <{noreply}>"
    )
    assert code == 1 and dev_barred(report), report


def test_a_no_reply_address_with_a_huge_id_fails_closed(cli, github, case_repo):
    """Python refuses int() of more than 4300 digits: the account ID must not crash."""
    address = "9" * 5000 + "+dev-gh@users.noreply.github.com"
    code, report = online(cli, github, case_repo, f"x\n\nCo-authored-by: D <{address}>")
    assert code == 1
    assert "names a co-author (Co-authored-by)" in report["problems"][0]
