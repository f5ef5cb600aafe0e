"""`casebook issues sync` against the local fake GitHub, with obligations built by hand."""

from __future__ import annotations

import json
from datetime import date

import pytest

import casebook.cli.issues
from casebook.engine.obligations import Obligation
from casebook.github.client import RestGitHub, RetryPolicy
from casebook.github.issues import LABEL, encode_key, key_of, marker, plan, render, sync
from tests.github.server import Fault

AS_OF = date(2026, 6, 1)


def ob(
    case="MC-2026-0001",
    n=1,
    due=date(2026, 6, 5),
    met=False,
    kind="review",
    label=None,
    latest=None,
):
    return Obligation(
        case=case,
        procedure="mini",
        kind=kind,
        due=due,
        latest=latest,
        key=f"{case}/{kind}/{n}",
        label=label or "Quarterly review of the arrangements",
        met=met,
    )


def gh(github, waits=None):
    sink = waits if waits is not None else []
    return RestGitHub(
        token="test-token",
        api_url=github.url,
        sleep=sink.append,
        clock=lambda: 1000.0,
        retry=RetryPolicy(max_retries=3, max_wait=30.0),
    )


def run(github, obligations, as_of=AS_OF, apply=True, within=14, forbidden=(), waits=None):
    client = gh(github, waits)
    try:
        return sync(client, "o/r", obligations, as_of, within, apply, forbidden)
    finally:
        client.close()


def issues_of(github):
    return sorted(github.fake.issues.values(), key=lambda i: i["number"])


def test_run_twice_opens_one_issue_per_obligation(github):
    obligations = [ob(n=1), ob(case="MC-2026-0002", n=1, due=date(2026, 5, 1))]
    first = run(github, obligations)
    assert first.counts()["create"] == 2 and first.label_created
    second = run(github, obligations)
    assert second.counts() == {"create": 0, "update": 0, "reopen": 0, "close": 0, "keep": 2}
    opened = issues_of(github)
    assert len(opened) == 2
    assert [i["title"] for i in opened] == [
        "MC-2026-0001: review due 2026-06-05",
        "MC-2026-0002: review overdue (due 2026-05-01)",
    ]
    assert all([lab["name"] for lab in i["labels"]] == [LABEL] for i in opened)
    assert key_of(opened[0]["body"]) == "MC-2026-0001/review/1"
    # The label was created once, with a colour and description.
    assert len(github.fake.requests_to("POST", "/repos/o/r/labels")) == 1


def test_dry_run_reads_only(github):
    result = run(github, [ob()], apply=False)
    assert [a.op for a in result.actions] == ["create"]
    assert "dry run" in result.as_text()
    assert github.fake.issues == {}
    assert all(s.method == "GET" for s in github.fake.seen)


def test_not_yet_within_the_window_is_not_opened(github):
    assert run(github, [ob(due=date(2026, 7, 1))]).counts()["create"] == 0
    assert run(github, [ob(due=date(2026, 7, 1))], within=30).counts()["create"] == 1


def test_due_date_moved_updates_the_issue_with_a_comment(github):
    run(github, [ob(due=date(2026, 6, 5))])
    result = run(github, [ob(due=date(2026, 6, 12))])
    (a,) = [a for a in result.actions if a.op == "update"]
    assert a.why == "due date moved from 2026-06-05 to 2026-06-12"
    (issue,) = issues_of(github)
    assert issue["title"] == "MC-2026-0001: review due 2026-06-12"
    assert "**Due:** 2026-06-12" in issue["body"]
    assert github.fake.comments[issue["number"]] == [
        "casebook on 2026-06-01: the due date moved from 2026-06-05 to 2026-06-12.\n\n"
        "<!-- casebook:note=MC-2026-0001/review/1;moved:2026-06-05:2026-06-12 -->"
    ]
    assert run(github, [ob(due=date(2026, 6, 12))]).counts()["update"] == 0


def test_becoming_overdue_updates_the_title(github):
    run(github, [ob()])
    result = run(github, [ob()], as_of=date(2026, 6, 6))
    assert [a.why for a in result.actions] == ["now overdue"]
    assert issues_of(github)[0]["title"] == "MC-2026-0001: review overdue (due 2026-06-05)"


def test_met_obligation_closes_its_issue_with_a_comment(github):
    run(github, [ob()])
    result = run(github, [ob(met=True)])
    assert [(a.op, a.why) for a in result.actions] == [("close", "met")]
    (issue,) = issues_of(github)
    assert (issue["state"], issue["state_reason"]) == ("closed", "completed")
    assert "shows this done" in github.fake.comments[issue["number"]][0]
    # Closed stays closed.
    assert run(github, [ob(met=True)]).actions == ()


def test_vanished_obligation_closes_its_issue(github):
    run(github, [ob(), ob(n=2, kind="letter")])
    result = run(github, [ob()])
    assert [(a.op, a.key) for a in result.actions if a.op == "close"] == [
        ("close", "MC-2026-0001/letter/2")
    ]
    closed = [i for i in issues_of(github) if i["state"] == "closed"]
    assert [i["state_reason"] for i in closed] == ["not_planned"]


def test_closed_issue_is_reopened_when_due_again(github):
    run(github, [ob()])
    run(github, [ob(met=True)])
    result = run(github, [ob(due=date(2026, 6, 10))])
    assert [a.op for a in result.actions] == ["reopen"]
    (issue,) = issues_of(github)
    assert issue["state"] == "open"
    assert issue["title"] == "MC-2026-0001: review due 2026-06-10"
    assert len(issues_of(github)) == 1


def test_pagination_over_several_pages_finds_every_existing_issue(github):
    obligations = [ob(n=i) for i in range(1, 12)]
    run(github, obligations)
    github.fake.page_size = 3
    for i in range(5):  # issues of other kinds, and a pull request, mixed in
        github.fake.add_issue(f"Other {i}", "no marker", [LABEL])
    github.fake.add_issue("A PR", marker("MC-2026-0001/review/1"), [LABEL], pull=True)
    result = run(github, obligations)
    assert result.counts()["keep"] == 11 and result.counts()["create"] == 0
    assert len(github.fake.requests_to("GET", "/repos/o/r/issues")) >= 6


def test_duplicates_are_closed_keeping_the_first(github):
    run(github, [ob()])
    (first,) = issues_of(github)
    github.fake.add_issue(first["title"], first["body"], [LABEL])
    result = run(github, [ob()])
    assert [(a.op, a.number, a.why) for a in result.actions if a.op == "close"] == [
        ("close", 2, "duplicate of #1")
    ]
    assert [i["state"] for i in issues_of(github)] == ["open", "closed"]


def test_rate_limited_then_success(github):
    github.fake.faults.append(
        Fault(
            "GET",
            "/repos/o/r/issues",
            403,
            {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1001"},
            {"message": "API rate limit exceeded for installation"},
        )
    )
    github.fake.faults.append(
        Fault("POST", "/repos/o/r/issues", 429, {"retry-after": "1"}, {"message": "secondary"})
    )
    waits: list[float] = []
    result = run(github, [ob()], waits=waits)
    assert result.counts()["create"] == 1
    assert waits == [2.0, 1.0]
    assert len(issues_of(github)) == 1


def test_no_personal_data_in_titles_and_bodies(github):
    leaky = ob(label="Review for Alex Example at 1 Example Street")
    run(github, [leaky], forbidden=["Alex Example", "1 Example Street"])
    (issue,) = issues_of(github)
    for text in (issue["title"], issue["body"]):
        assert "Alex" not in text and "Example Street" not in text
    assert "**What is due:** review" in issue["body"]


def test_marker_round_trips_awkward_keys():
    for key in ("MC-2026-0001/review/3", "A--B>C d", "x/100%"):
        assert key_of("text\n" + marker(key) + "\nmore") == key
        assert "--" not in encode_key(key) and ">" not in encode_key(key)


def test_titles_before_due_past_due_and_past_the_limit():
    o = ob(latest=date(2026, 9, 5))
    title, body = render(o, AS_OF)
    assert title == "MC-2026-0001: review due 2026-06-05"
    assert "**At the latest:** 2026-09-05" in body
    assert (
        render(o, date(2026, 6, 6))[0]
        == "MC-2026-0001: review past due 2026-06-05 (limit 2026-09-05)"
    )
    assert render(o, date(2026, 9, 6))[0] == "MC-2026-0001: review overdue (due 2026-06-05)"
    assert plan([], [], AS_OF, 14) == []


@pytest.mark.parametrize(
    ("status", "exit_words"),
    [
        (401, "check that GITHUB_TOKEN is set"),
        (404, "check --repo OWNER/NAME"),
        (403, "permissions: issues: write"),
        (422, "as invalid (422"),
    ],
)
def test_cli_says_clearly_what_happened(cli, github, mini, monkeypatch, status, exit_words):
    monkeypatch.setattr(casebook.cli.issues, "derive_obligations", lambda book, as_of: [ob()])
    method, path = (
        ("POST", "/repos/o/r/issues") if status in (403, 422) else ("GET", "/repos/o/r/issues")
    )
    github.fake.faults.append(
        Fault(
            method,
            path,
            status,
            {},
            {
                "message": "Validation Failed" if status == 422 else "x",
                "documentation_url": "https://docs.github.com",
            },
        )
    )
    res = cli("--root", mini, "issues", "sync", "--repo", "o/r", "--apply", "--as-of", "2026-06-01")
    assert res.code == 1
    assert exit_words in res.err
    assert "Traceback" not in res.err


def test_cli_dry_run_then_apply(cli, github, mini):
    # The real engine: the mini case's three-month monitoring period ends on 9 June.
    args = ["--root", mini, "issues", "sync", "--repo", "o/r", "--as-of", "2026-06-01"]
    res = cli(*args)
    assert res.code == 0, res.err
    assert "would open new issue: MC-2026-0001: monitoring ends due 2026-06-09" in res.out
    assert github.fake.issues == {}
    res = cli(*args, "--apply", "--format", "json")
    assert res.code == 0, res.err
    out = json.loads(res.out)
    assert out["applied"] is True and out["counts"]["create"] == 1
    assert out["actions"][0]["issue"] == 1


def test_cli_window_defaults_to_settings(cli, github, mini, monkeypatch):
    far = ob(due=date(2026, 6, 30))
    monkeypatch.setattr(casebook.cli.issues, "derive_obligations", lambda book, as_of: [far])
    args = ["--root", mini, "issues", "sync", "--repo", "o/r", "--as-of", "2026-06-01"]
    assert "0 to open" in cli(*args).out  # 14 days by default
    assert "1 to open" in cli(*args, "--within", "30").out


def test_cli_guards_personal_data_from_the_case_files(cli, github, mini, monkeypatch):
    leaky = ob(label="Review of Alex Example's contact")
    monkeypatch.setattr(casebook.cli.issues, "derive_obligations", lambda book, as_of: [leaky])
    res = cli("--root", mini, "issues", "sync", "--repo", "o/r", "--apply", "--as-of", "2026-06-01")
    assert res.code == 0, res.err
    assert "Alex" not in json.dumps(github.fake.issues)


def test_register_wide_obligation_is_not_called_a_case():
    o = Obligation(
        "restricted-contact",
        "restricted-contact",
        "log-review",
        date(2026, 6, 5),
        None,
        "restricted-contact/log-review/1",
        "Review the central log",
    )
    title, body = render(o, AS_OF)
    assert title == "restricted-contact: log review due 2026-06-05"
    assert "**Procedure:** `restricted-contact`" in body and "cases/" not in body
