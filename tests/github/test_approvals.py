"""`casebook approvals`: each rule has a scenario that must pass and one that must fail.

Every scenario is a real git repository (the mini casebook committed on main) and a branch that
records a decision; reviews are GitHub review objects. The rules are run through the same
function the command uses (``evaluate_pull``), and the command itself is run both offline (a
saved reviews file) and online (against the local fake GitHub).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pytest

from casebook.github.approvals import ApprovalReport, evaluate_pull, standing_reviews
from casebook.github.client import Review
from casebook.store.gitrepo import GitRepo
from tests.github.conftest import CaseRepo

CASE = "cases/MC-2026-0001.yaml"
CASE2 = "cases/MC-2026-0002.yaml"

STAGE2 = """
  - date: 2026-03-30
    type: decision
    to: stage-2
    decided_by: [{who}]
    reasons: Contact continued at the same volume during stage 1.
    restrictions:
      - {{type: spoc, officer: mgr-basil}}
"""

CASE2_BASE = """id: MC-2026-0002
procedure: mini
service: Housing
person:
  name: Blake Example
referral:
  date: 2026-03-20
  by: sigo-cora
  capacity: staff
  behaviours: [verbal-abuse]
  account: Shouted at reception staff on three occasions
events: []
"""

CASE2_STAGE1 = """  - date: 2026-03-28
    type: decision
    to: stage-1
    decided_by: [mgr-basil]
    consulted: [sigo-cora]
    reasons: Abusive calls to reception.
    restrictions:
      - {type: channels, allowed: [email, letter]}
"""


@dataclass
class PR:
    repo: CaseRepo
    base: str
    head: str
    reviews: list[Review] = field(default_factory=list)
    author: str = "gov-gh"
    committers: list[str] = field(default_factory=lambda: ["gov-gh"])
    _ids: int = 0

    def review(self, login: str, state: str = "APPROVED", commit: str | None = None) -> PR:
        self._ids += 1
        self.reviews.append(Review(self._ids, login, state, commit or self.head, None))
        return self

    def run(self) -> ApprovalReport:
        return evaluate_pull(
            GitRepo(self.repo.root),
            self.base,
            self.head,
            self.reviews,
            self.author,
            self.committers,
        )


def record(case_repo: CaseRepo, who: str = "dir-dev", *, extra: str = "") -> PR:
    """A branch off main that records a stage-2 decision in MC-2026-0001."""
    base = case_repo.repo.head.commit.hexsha
    case_repo.branch("decision")
    case_repo.append(CASE, STAGE2.format(who=who))
    if extra:
        extra_fn = {"grant-gil-director": _grant_gil_director}[extra]
        extra_fn(case_repo)
    head = case_repo.commit("Record stage 2 decision")
    return PR(case_repo, base, head)


GIL = "  - {id: mgr-gil, name: Gil Manager, roles: [manager], github: gil-gh}\n"


def _add_gil(case_repo: CaseRepo) -> None:
    """A manager with no part in the case, who could be an independent signatory if promoted."""
    people = case_repo.read("policy/people.yaml")
    case_repo.write("policy/people.yaml", people.replace("mailing_lists:", GIL + "mailing_lists:"))
    case_repo.commit("Gil joins")


def _grant_gil_director(case_repo: CaseRepo) -> None:
    people = case_repo.read("policy/people.yaml")
    case_repo.write(
        "policy/people.yaml",
        people.replace(
            "roles: [manager], github: gil-gh", "roles: [manager, director], github: gil-gh"
        ),
    )


def only(report: ApprovalReport):
    assert not report.problems, report.problems
    (d,) = report.decisions
    return d


# --- the good path ---------------------------------------------------------------------------


def test_independent_director_approves_on_head(case_repo):
    report = record(case_repo).review("dev-gh").run()
    d = only(report)
    assert (d.case, d.change, d.to, d.index) == ("MC-2026-0001", "added", "stage-2", 3)
    assert d.approved and report.ok
    assert d.approved_by == ("dir-dev",)
    assert d.requires == ("director or monitoring-officer (independent of the case)",)
    assert report.status().state == "success"


def test_no_approval_at_all_fails(case_repo):
    report = record(case_repo).run()
    d = only(report)
    assert not d.approved and not report.ok
    assert any("dir-dev is named in decided_by but has not approved" in m for m in d.missing)
    assert report.status().state == "failure"


# --- author and committers never count -------------------------------------------------------


def test_self_approval_by_the_author_does_not_count(case_repo):
    pr = record(case_repo).review("dev-gh")
    pr.author = "dev-gh"
    report = pr.run()
    assert not only(report).approved
    (r,) = report.reviewers
    assert (r.login, r.counts) == ("dev-gh", False)
    assert "author" in r.reason


def test_a_committer_cannot_approve(case_repo):
    pr = record(case_repo).review("dev-gh")
    pr.committers = ["gov-gh", "DEV-GH"]  # logins are case-insensitive
    report = pr.run()
    assert not only(report).approved
    assert "committed" in report.reviewers[0].reason


# --- only approvals on the current head commit -----------------------------------------------


def test_stale_approval_after_a_push_does_not_count(case_repo):
    pr = record(case_repo)
    first_head = pr.head
    pr.review("dev-gh", commit=first_head)
    case_repo.append(CASE, "  - {date: 2026-03-31, type: note, by: mgr-amber, text: Typo fixed}")
    pr.head = case_repo.commit("Fix")
    report = pr.run()
    assert not only(report).approved
    assert f"approved {first_head[:12]}" in report.reviewers[0].reason
    # Approving again on the new head fixes it.
    assert pr.review("dev-gh").run().ok


# --- dismissed reviews and the latest review per user ----------------------------------------


def test_dismissed_approval_does_not_count(case_repo):
    pr = record(case_repo)
    pr.review("dev-gh", "DISMISSED")
    report = pr.run()
    assert not report.ok
    assert report.reviewers[0].reason == "the review was dismissed"


@pytest.mark.parametrize(
    ("states", "ok"),
    [
        (["APPROVED", "CHANGES_REQUESTED"], False),
        (["CHANGES_REQUESTED", "APPROVED"], True),
        (["APPROVED", "COMMENTED"], True),  # a comment does not withdraw an approval (GitHub)
        (["APPROVED", "DISMISSED"], False),
        (["CHANGES_REQUESTED", "COMMENTED"], False),
    ],
)
def test_latest_review_per_user_wins(case_repo, states, ok):
    pr = record(case_repo)
    for state in states:
        pr.review("dev-gh", state)
    assert pr.run().ok is ok


def test_standing_reviews_orders_by_review_id_not_list_order():
    reviews = [
        Review(9, "a", "CHANGES_REQUESTED", "h", None),
        Review(3, "a", "APPROVED", "h", None),
    ]
    assert standing_reviews(reviews)["a"].state == "CHANGES_REQUESTED"


# --- roles: who the reviewer is, read from the base branch -----------------------------------


def test_reviewer_without_the_role_does_not_count(case_repo):
    report = record(case_repo, who="mgr-basil").review("basil-gh").run()
    d = only(report)
    assert not d.approved
    assert any("needs director or monitoring-officer" in m for m in d.missing)
    assert d.approved_by == ("mgr-basil",)  # approved, but does not hold the role


def test_login_not_in_people_yaml_does_not_count(case_repo):
    report = record(case_repo).review("stranger-gh").review("dev-gh").run()
    assert report.ok
    stranger = next(r for r in report.reviewers if r.login == "stranger-gh")
    assert not stranger.counts and "not mapped" in stranger.reason


def test_role_granted_in_the_same_pull_request_does_not_count(case_repo):
    _add_gil(case_repo)
    report = record(case_repo, who="mgr-gil", extra="grant-gil-director").review("gil-gh").run()
    d = only(report)
    assert not d.approved
    assert any("needs director or monitoring-officer" in m for m in d.missing)


def test_role_granted_on_the_base_branch_counts(case_repo):
    _add_gil(case_repo)
    _grant_gil_director(case_repo)
    case_repo.commit("Gil becomes a director")
    report = record(case_repo, who="mgr-gil").review("gil-gh").run()
    assert only(report).approved


def test_procedure_relaxed_in_the_same_pull_request_does_not_count(case_repo):
    pr = record(case_repo, who="mgr-basil")
    proc = case_repo.read("policy/procedures/mini.yaml")
    case_repo.write(
        "policy/procedures/mini.yaml",
        proc.replace(
            "- {roles: [director, monitoring-officer], independent: true,",
            "- {roles: [manager], independent: true,",
        ),
    )
    pr.head = case_repo.commit("Let managers decide stage 2")
    assert not pr.review("basil-gh").run().ok


# --- independence ----------------------------------------------------------------------------


def test_signatory_named_earlier_in_the_case_is_not_independent(case_repo):
    case_repo.append(
        CASE, "  - {date: 2026-03-20, type: note, by: dir-eve, text: Spoke to the team}"
    )
    case_repo.commit("Note")
    report = record(case_repo, who="dir-eve").review("eve-gh").run()
    d = only(report)
    assert not d.approved
    assert any("not independent: dir-eve (appears in events[3]" in m for m in d.missing)


def test_editing_the_signatory_out_of_the_history_does_not_make_them_independent(case_repo):
    case_repo.append(
        CASE, "  - {date: 2026-03-20, type: note, by: dir-eve, text: Spoke to the team}"
    )
    case_repo.commit("Note")
    pr = record(case_repo, who="dir-eve")
    text = case_repo.read(CASE).replace("by: dir-eve, text: Spoke", "by: mgr-amber, text: Spoke")
    case_repo.write(CASE, text)
    pr.head = case_repo.commit("Rewrite history")
    report = pr.review("eve-gh").run()
    assert not report.ok
    assert any("on the base branch" in m for d in report.decisions for m in d.missing)


def test_an_uninvolved_signatory_is_independent(case_repo):
    assert record(case_repo, who="dir-eve").review("eve-gh").run().ok


# --- decided_by must be among the approvers --------------------------------------------------


def test_someone_else_with_the_role_approving_is_not_enough(case_repo):
    # decided_by names dir-dev; dir-eve approves instead.
    report = record(case_repo).review("eve-gh").run()
    d = only(report)
    assert not d.approved
    assert d.missing[0].startswith("dir-dev is named in decided_by")


def test_every_named_decider_must_approve(case_repo):
    pr = record(case_repo, who="dir-dev, mo-fay").review("dev-gh")
    assert not pr.run().ok
    assert pr.review("fay-gh").run().ok


# --- two decisions in one pull request -------------------------------------------------------


def test_two_decisions_need_their_own_approvers(case_repo):
    case_repo.write(CASE2, CASE2_BASE)
    case_repo.commit("Open case 2")
    pr = record(case_repo)
    case_repo.write(CASE2, CASE2_BASE.replace("events: []\n", "events:\n" + CASE2_STAGE1))
    pr.head = case_repo.commit("Stage 1 for case 2")
    report = pr.review("dev-gh").run()
    by_case = {d.case: d for d in report.decisions}
    assert by_case["MC-2026-0001"].approved
    assert not by_case["MC-2026-0002"].approved
    assert report.status().description == "1 of 2 decision(s) lack required approvals"
    report = pr.review("basil-gh").run()
    assert report.ok
    assert report.status().description == "All 2 decision(s) approved by the required roles"


# --- what counts as a decision the pull request records --------------------------------------


def test_no_decisions_is_success(case_repo):
    base = case_repo.repo.head.commit.hexsha
    case_repo.branch("contact")
    case_repo.append(
        CASE,
        "  - {date: 2026-03-20, type: contact, channel: email, to: mgr-basil, summary: E-mail}",
    )
    head = case_repo.commit("Log a contact")
    report = PR(case_repo, base, head).run()
    assert report.ok and report.decisions == ()
    assert report.status().description == "No decisions recorded in this pull request"


def test_a_changed_decision_needs_approval_again(case_repo):
    base = case_repo.repo.head.commit.hexsha
    case_repo.branch("edit")
    text = case_repo.read(CASE).replace(
        "{type: channels, allowed: [email, letter]}", "{type: channels, allowed: [letter]}"
    )
    case_repo.write(CASE, text)
    head = case_repo.commit("Tighten channels")
    pr = PR(case_repo, base, head)
    d = only(pr.run())
    assert (d.change, d.to, d.index) == ("changed", "stage-1", 0)
    assert not d.approved
    assert pr.review("amber-gh").run().ok


def test_filling_in_approved_in_is_not_a_new_decision(case_repo):
    base = case_repo.repo.head.commit.hexsha
    case_repo.branch("bookkeeping")
    text = case_repo.read(CASE).replace(
        "    consulted: [sigo-cora]\n", '    consulted: [sigo-cora]\n    approved_in: "#3"\n'
    )
    case_repo.write(CASE, text)
    head = case_repo.commit("Record the approving PR")
    assert PR(case_repo, base, head).run().decisions == ()


def test_removing_a_decision_needs_the_authority_to_take_it(case_repo):
    case_repo.append(CASE, STAGE2.format(who="dir-dev"))
    case_repo.commit("Stage 2")
    base = case_repo.repo.head.commit.hexsha
    case_repo.branch("undo")
    text = case_repo.read(CASE)
    case_repo.write(CASE, text[: text.index("  - date: 2026-03-30")])
    head = case_repo.commit("Remove stage 2")
    pr = PR(case_repo, base, head)
    d = only(pr.run())
    assert (d.change, d.to) == ("removed", "stage-2")
    assert not d.approved
    assert not pr.review("basil-gh").run().ok  # a manager cannot undo a director's decision
    assert pr.review("eve-gh").run().ok


def test_changes_merged_into_main_after_branching_are_not_this_prs(case_repo):
    pr = record(case_repo)
    case_repo.checkout("main")
    case_repo.write(CASE2, CASE2_BASE.replace("events: []\n", "events:\n" + CASE2_STAGE1))
    pr.base = case_repo.commit("Case 2, merged separately")
    report = pr.review("dev-gh").run()
    assert [d.case for d in report.decisions] == ["MC-2026-0001"]
    assert report.ok


def test_a_new_case_with_its_first_decision(case_repo):
    base = case_repo.repo.head.commit.hexsha
    case_repo.branch("new-case")
    case_repo.write(CASE2, CASE2_BASE.replace("events: []\n", "events:\n" + CASE2_STAGE1))
    head = case_repo.commit("New case")
    pr = PR(case_repo, base, head)
    d = only(pr.run())
    assert (d.case, d.change, d.to) == ("MC-2026-0002", "added", "stage-1")
    assert pr.review("basil-gh").run().ok


def test_renamed_case_file_is_matched_by_content(case_repo):
    base = case_repo.repo.head.commit.hexsha
    case_repo.branch("rename")
    case_repo.repo.git.mv(CASE, "cases/MC-2026-0009.yaml")
    head = case_repo.commit("Rename")
    report = PR(case_repo, base, head).run()
    assert report.decisions == () and report.ok


def test_unreadable_case_at_head_fails_closed(case_repo):
    pr = record(case_repo)
    case_repo.write(CASE, case_repo.read(CASE) + "  - [unclosed\n")
    pr.head = case_repo.commit("Broken")
    report = pr.review("dev-gh").run()
    assert not report.ok
    assert report.problems and "cannot read a case at head" in report.problems[0]
    assert report.status().description.startswith("Cannot evaluate")


def test_deleting_a_case_file_fails(case_repo):
    base = case_repo.repo.head.commit.hexsha
    case_repo.branch("delete")
    (case_repo.root / CASE).unlink()
    head = case_repo.commit("Delete")
    report = PR(case_repo, base, head).run()
    assert not report.ok and "retention purge" in report.problems[0]


def test_status_and_output_carry_no_personal_data(case_repo):
    report = record(case_repo).review("dev-gh").run()
    for text in (report.as_text(), json.dumps(report.as_json()), report.status().description):
        for secret in ("Alex Example", "alex@example.org", "Example Street", "40 e-mails"):
            assert secret not in text
