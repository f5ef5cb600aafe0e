"""`casebook history`: the audit trail of a case, from a real git history."""

from __future__ import annotations

import json

from tests.github.conftest import CaseRepo

CASE = "cases/MC-2026-0001.yaml"


def merge_pr(case_repo: CaseRepo, branch: str, number: int, squash: bool = False) -> str:
    case_repo.checkout("main")
    if squash:
        case_repo.repo.git.merge("--squash", branch)
        return case_repo.commit(f"Record a review (#{number})", who="Web Flow")
    case_repo.repo.git.merge(
        "--no-ff", branch, "-m", f"Merge pull request #{number} from council/{branch}"
    )
    return case_repo.repo.head.commit.hexsha


def build(case_repo: CaseRepo) -> dict[str, str]:
    shas = {"initial": case_repo.repo.head.commit.hexsha}
    case_repo.branch("contact")
    case_repo.append(CASE, "  - {date: 2026-03-20, type: note, by: mgr-amber, text: First}")
    shas["contact"] = case_repo.commit("Log a note", who="Cora Officer")
    shas["merge"] = merge_pr(case_repo, "contact", 5)
    case_repo.branch("review")
    case_repo.append(CASE, "  - {date: 2026-03-21, type: note, by: mgr-amber, text: Second}")
    case_repo.commit("Review notes")
    shas["squash"] = merge_pr(case_repo, "review", 6, squash=True)
    case_repo.repo.git.mv(CASE, "cases/MC-2026-0001.yml.tmp")
    case_repo.repo.git.mv("cases/MC-2026-0001.yml.tmp", CASE)
    case_repo.append(CASE, "  - {date: 2026-03-22, type: note, by: mgr-amber, text: Third}")
    shas["direct"] = case_repo.commit("Direct push")
    return shas


def test_history_names_the_pull_request_of_each_commit(cli, case_repo):
    shas = build(case_repo)
    res = cli("--root", case_repo.root, "history", "MC-2026-0001", "--format", "json")
    assert res.code == 0, res.err
    commits = json.loads(res.out)["commits"]
    got = [(c["commit"], c["pr"], c["via"]) for c in commits]
    assert got == [
        (shas["direct"], None, "direct"),
        (shas["squash"], 6, "squash"),
        (shas["contact"], 5, "merge"),
        (shas["initial"], None, "direct"),
    ]
    assert commits[2]["author"] == "Cora Officer"
    assert commits[2]["mainline_commit"] == shas["merge"]
    text = cli("--root", case_repo.root, "history", "MC-2026-0001").out
    assert "PR #5 (merge)" in text and "pushed directly" in text


def test_history_follows_renames(cli, case_repo):
    case_repo.repo.git.mv(CASE, "cases/MC-2026-0042.yaml")
    case_repo.commit("Renumber")
    res = cli("--root", case_repo.root, "history", "MC-2026-0042", "--format", "json")
    paths = [c["path"] for c in json.loads(res.out)["commits"]]
    assert paths == ["cases/MC-2026-0042.yaml", CASE]


def test_history_with_approvers_from_github(cli, case_repo, github):
    build(case_repo)
    fake = github.fake
    fake.add_pull(5, "gov-gh", "a" * 40, "b" * 40)
    fake.add_review(5, "amber-gh", "APPROVED", "a" * 40)
    fake.add_review(5, "basil-gh", "APPROVED", "0" * 40)  # stale: does not count
    fake.add_pull(6, "gov-gh", "c" * 40, "b" * 40)
    res = cli(
        "--root", case_repo.root, "history", "MC-2026-0001", "--repo", "o/r", "--format", "json"
    )
    assert res.code == 0, res.err
    by_pr = {c["pr"]: c["approved_by"] for c in json.loads(res.out)["commits"]}
    assert by_pr[5] == ["amber-gh"] and by_pr[6] == []
    assert len(fake.requests_to("GET", "/repos/o/r/pulls/5")) == 1


def test_history_errors(cli, case_repo):
    res = cli("--root", case_repo.root, "history", "MC-2026-0999")
    assert res.code == 2 and "no commit" in res.err
    res = cli("--root", case_repo.root, "history", "alex")
    assert res.code == 2 and "not a case id" in res.err


def test_history_names_only_the_approvals_that_counted(cli, case_repo, github):
    """Issue 12, item 6: the audit trail agrees with `approvals`. PR 5 is authored by amber,
    basil committed to it, a stranger approved, and gil approved having been added to
    people.yaml by the pull request itself: only eve's approval counted."""
    case_repo.branch("contact")
    case_repo.append(CASE, "  - {date: 2026-03-20, type: note, by: mgr-amber, text: First}")
    people = case_repo.read("policy/people.yaml").replace(
        "mailing_lists:",
        "  - {id: mgr-gil, name: Gil Manager, roles: [manager], github: gil-gh}\nmailing_lists:",
    )
    case_repo.write("policy/people.yaml", people)
    head = case_repo.commit("Log a note; Gil joins")
    merge_pr(case_repo, "contact", 5)
    fake = github.fake
    fake.add_pull(5, "amber-gh", head, "b" * 40)
    fake.add_commit(5, head, "basil-gh", "web-flow")
    for login in ("amber-gh", "basil-gh", "stranger-gh", "gil-gh", "eve-gh"):
        fake.add_review(5, login, "APPROVED", head)
    res = cli(
        "--root", case_repo.root, "history", "MC-2026-0001", "--repo", "o/r", "--format", "json"
    )
    assert res.code == 0, res.err
    (entry,) = [c for c in json.loads(res.out)["commits"] if c["pr"] == 5]
    assert entry["approved_by"] == ["eve-gh"]
    assert entry["approval_problems"] == []


def test_history_marks_approvals_it_cannot_verify(cli, case_repo, github):
    case_repo.branch("contact")
    case_repo.append(CASE, "  - {date: 2026-03-20, type: note, by: mgr-amber, text: First}")
    head = case_repo.commit("Log a note")
    merge_pr(case_repo, "contact", 5)
    fake = github.fake
    fake.add_pull(5, "gov-gh", head, "b" * 40)
    fake.add_commit(5, head, None, "web-flow", "unknown@home.example")
    fake.add_review(5, "eve-gh", "APPROVED", head)
    res = cli("--root", case_repo.root, "history", "MC-2026-0001", "--repo", "o/r")
    assert res.code == 0, res.err
    line = next(x for x in res.out.splitlines() if "PR #5" in x)
    assert "approved by eve-gh (unverified: commit" in line
    assert "unknown@home.example is not in policy/people.yaml" in line
