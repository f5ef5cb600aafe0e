"""`casebook check --changed-since BASE`: the required check judges the change, not the calendar.

Issue 12, item 7: "A PR's required check fails for what the PR changes; obligations that fell
overdue elsewhere go to review-due issues and the daily run, so an unrelated PR is not blocked
on a busy day." On a real git repository holding the mini casebook, whose case MC-2026-0001 is
overdue (its monitoring period ended on 9 June 2026) on the day checked.
"""

from __future__ import annotations

import json

CASE = "cases/MC-2026-0001.yaml"
LATE = "2027-06-01"  # the case's decision on the outcome is overdue on this day
PERSON = "  - {id: mgr-gil, name: Gil Manager, roles: [manager], github: gil-gh}\n"


def check(cli, case_repo, *extra):
    res = cli("--root", case_repo.root, "check", "--as-of", LATE, "--format", "json", *extra)
    return res.code, json.loads(res.out) if res.out.strip() else None, res.err


def overdue(report):
    return [f for f in report["findings"] if f["rule"] == "overdue"]


def add_person(case_repo):
    people = case_repo.read("policy/people.yaml")
    case_repo.write(
        "policy/people.yaml", people.replace("mailing_lists:", PERSON + "mailing_lists:")
    )


def test_without_the_option_every_overdue_finding_is_an_error(cli, case_repo):
    code, report, _ = check(cli, case_repo)
    assert code == 1
    assert [f["severity"] for f in overdue(report)] == ["error"]


def test_an_unrelated_change_is_not_blocked_by_an_overdue_case(cli, case_repo):
    case_repo.branch("pr")
    add_person(case_repo)
    case_repo.commit("A new manager")
    code, report, _ = check(cli, case_repo, "--changed-since", "main")
    assert code == 0, report
    (f,) = overdue(report)
    assert f["severity"] == "warning" and "daily review-due run" in f["message"]


def test_a_change_to_the_overdue_case_is_judged_on_its_deadlines(cli, case_repo):
    case_repo.branch("pr")
    case_repo.append(CASE, "  - {date: 2026-03-20, type: note, by: mgr-amber, text: Checked}")
    case_repo.commit("A note")
    code, report, _ = check(cli, case_repo, "--changed-since", "main")
    assert code == 1
    assert [f["severity"] for f in overdue(report)] == ["error"]


def test_uncommitted_changes_count_as_the_change(cli, case_repo):
    case_repo.branch("pr")
    case_repo.append(CASE, "  - {date: 2026-03-20, type: note, by: mgr-amber, text: Checked}")
    code, report, _ = check(cli, case_repo, "--changed-since", "main")
    assert code == 1 and overdue(report)[0]["severity"] == "error"


def test_a_changed_procedure_moves_every_date_so_every_deadline_counts(cli, case_repo):
    case_repo.branch("pr")
    rel = "policy/procedures/mini.yaml"
    case_repo.write(rel, case_repo.read(rel) + "# reviewed\n")
    case_repo.commit("Procedure touched")
    code, report, _ = check(cli, case_repo, "--changed-since", "main")
    assert code == 1 and overdue(report)[0]["severity"] == "error"


def test_other_errors_count_everywhere(cli, case_repo):
    # A broken record on the base branch still fails a pull request that does not touch it.
    case_repo.write(CASE, case_repo.read(CASE).replace("decided_by: [mgr-amber]", "decided_by: 7"))
    case_repo.commit("Broken on main")
    case_repo.branch("pr")
    add_person(case_repo)
    case_repo.commit("A new manager")
    code, report, _ = check(cli, case_repo, "--changed-since", "main")
    assert code == 1
    assert any(f["severity"] == "error" and f["rule"] != "overdue" for f in report["findings"])


def test_the_merge_commit_of_a_pull_request(cli, case_repo):
    # What actions/checkout gives on pull_request: the merge of the head into the base.
    base = case_repo.repo.head.commit.hexsha
    case_repo.branch("pr")
    add_person(case_repo)
    case_repo.commit("A new manager")
    case_repo.checkout("main")
    case_repo.write("README-extra.md", "x\n")
    case_repo.commit("main moves on")
    case_repo.repo.git.merge("--no-ff", "-m", "merge", "pr")
    code, report, _ = check(cli, case_repo, "--changed-since", base)
    assert code == 0, report


def test_unknown_base_is_a_usage_error(cli, case_repo):
    res = cli("--root", case_repo.root, "check", "--changed-since", "nope")
    assert res.code == 2 and "'nope' is not a commit" in res.err and "Traceback" not in res.err
