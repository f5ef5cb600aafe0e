"""`casebook approvals` on an appeal outcome: approved like a decision, by the hearers, who must
not have decided or been consulted on the decision under appeal (real git repos, as
test_approvals.py)."""

from __future__ import annotations

from casebook.github.approvals import ApprovalReport, evaluate_pull
from casebook.github.client import Review
from casebook.store.gitrepo import GitRepo
from tests.github.conftest import CaseRepo

CASE = "cases/MC-2026-0001.yaml"
PROC = "policy/procedures/mini.yaml"

APPEALS = """
appeals:
  - id: stage-1-appeal
    label: Appeal against stage 1
    against: [stage-1]
    window:
      working_days: 10
      starts: {letter_sent: stage-1-letter}
      source: "council-setting: test"
    hears:
      - roles: [director, manager]
        source: "council-setting: test"
    reply:
      working_days: 10
      source: "council-setting: test"
    outcomes:
      upheld: {source: "council-setting: test"}
    source: "council-setting: test"
"""

APPEAL = """
  - {date: 2026-03-17, type: appeal, against: 0, by: Alex Example, grounds: Too strict.}
"""

OUTCOME = """
  - date: 2026-03-20
    type: appeal-outcome
    appeal: 3
    outcome: upheld
    heard_by: [{who}]
    reasons: The arrangements stand.
"""


def _pull(case_repo: CaseRepo, who: str, approvers: list[str]) -> ApprovalReport:
    case_repo.append(PROC, APPEALS)
    case_repo.append(CASE, APPEAL)
    base = case_repo.commit("Appeals in the procedure; an appeal received")
    case_repo.branch("outcome")
    case_repo.append(CASE, OUTCOME.format(who=who))
    head = case_repo.commit("Record the appeal outcome")
    reviews = [Review(n + 1, login, "APPROVED", head, None) for n, login in enumerate(approvers)]
    return evaluate_pull(GitRepo(case_repo.root), base, head, reviews, "gov-gh", ["gov-gh"])


def test_outcome_approved_by_an_uninvolved_hearer(case_repo: CaseRepo) -> None:
    report = _pull(case_repo, "dir-dev", ["dev-gh"])
    (d,) = report.decisions
    assert (d.index, d.to, d.transition) == (4, "upheld", "appeal upheld: Appeal against stage 1")
    assert d.approved and report.ok, d.missing


def test_outcome_without_the_hearers_approval_fails(case_repo: CaseRepo) -> None:
    report = _pull(case_repo, "dir-dev", ["eve-gh"])
    (d,) = report.decisions
    assert not report.ok
    assert any("dir-dev is named in heard_by but has not approved" in m for m in d.missing)


def test_the_original_decider_cannot_hear_the_appeal(case_repo: CaseRepo) -> None:
    report = _pull(case_repo, "mgr-amber", ["amber-gh"])
    (d,) = report.decisions
    assert not report.ok
    assert any("not involved in the decision under appeal" in m for m in d.missing), d.missing
