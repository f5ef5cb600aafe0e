"""`casebook approvals` judges every change a pull request makes to a record (issue 12, item 2).

Each test is an attack tried on a real git repository: the mini casebook on main, a branch that
changes a case, and the approvals the attacker can muster. Each must be rejected, and the
honest way of doing the same thing must pass.
"""

from __future__ import annotations

import os

from casebook.github.approvals import ApprovalReport
from tests.github.conftest import CaseRepo
from tests.github.test_approvals import CASE, CASE2, CASE2_BASE, CASE2_STAGE1, PR, STAGE2

EXTEND = """
  - from: [stage-1]
    to: stage-1
    label: Extend stage 1
    approval:
      requires: [{roles: [manager], source: "A manager decides"}]
      source: "A manager decides"
    source: "A manager decides to monitor the customer"
"""

CORRECTIONS = """corrections:
  requires: [{roles: [senior-ig-officer], source: "council-setting: fixture"}]
  source: "council-setting: fixture"
"""

NOTE_EVE = "  - {date: 2026-03-20, type: note, by: dir-eve, text: Spoke to the team}\n"


def branch(case_repo: CaseRepo, name: str = "pr") -> str:
    base = case_repo.repo.head.commit.hexsha
    case_repo.branch(name)
    return base


def replace(case_repo: CaseRepo, rel: str, old: str, new: str) -> None:
    text = case_repo.read(rel)
    assert old in text, old
    case_repo.write(rel, text.replace(old, new, 1))


def on_main(case_repo: CaseRepo, message: str, *edits: tuple[str, str, str]) -> None:
    for rel, old, new in edits:
        replace(case_repo, rel, old, new)
    case_repo.commit(message)


def missing(report: ApprovalReport) -> list[str]:
    return [m for d in report.decisions for m in d.missing]


def kinds(report: ApprovalReport) -> list[tuple[str, str]]:
    return sorted((d.change, d.to) for d in report.decisions)


# --- removing or rewriting a decision needs the approvals that decision needed ---------------


def test_removed_stage2_paired_with_an_added_stage1_extension_is_rejected(case_repo):
    """The issue's example: a manager "extends stage 1" and deletes the director's stage 2."""
    proc = case_repo.read("policy/procedures/mini.yaml")
    case_repo.write("policy/procedures/mini.yaml", _with_extend(proc))
    case_repo.append(CASE, STAGE2.format(who="dir-dev"))
    case_repo.commit("Stage 2 by the director; stage 1 may be extended")
    base = branch(case_repo)
    text = case_repo.read(CASE)
    extension = (
        "  - date: 2026-03-30\n    type: decision\n    to: stage-1\n"
        "    decided_by: [mgr-basil]\n    reasons: Extend monitoring.\n"
    )
    case_repo.write(CASE, text[: text.index("  - date: 2026-03-30")] + extension)
    head = case_repo.commit("Extend stage 1")
    pr = PR(case_repo, base, head).review("basil-gh")
    report = pr.run()
    assert not report.ok
    (d,) = report.decisions
    assert d.change == "changed" and d.to == "stage-1"
    assert any(
        "to replace the decision as it was on the base branch (events[3], to 'stage-2')" in m
        and "needs director or monitoring-officer" in m
        for m in d.missing
    ), d.missing
    # An independent director agreeing to undo stage 2 makes it a legitimate change.
    assert pr.review("eve-gh").run().ok


def _with_extend(proc: str) -> str:
    marker = "letters:\n  stage-1-letter:"
    assert marker in proc
    return proc.replace(marker, EXTEND.lstrip("\n") + marker, 1)


def test_removed_decision_alone_needs_its_authority(case_repo):
    case_repo.append(CASE, STAGE2.format(who="dir-dev"))
    case_repo.commit("Stage 2")
    base = branch(case_repo)
    text = case_repo.read(CASE)
    case_repo.write(CASE, text[: text.index("  - date: 2026-03-30")])
    pr = PR(case_repo, base, case_repo.commit("Remove stage 2")).review("basil-gh")
    assert kinds(pr.run()) == [("removed", "stage-2")]
    assert not pr.run().ok
    assert pr.review("fay-gh").run().ok


def test_rewriting_a_decisions_signatory_needs_both_authorities(case_repo):
    """decided_by of the stage-1 decision swapped: the new signatory must approve, and the
    approvals must also be enough to undo the decision as it stood."""
    base = branch(case_repo)
    replace(case_repo, CASE, "decided_by: [mgr-amber]", "decided_by: [mgr-basil]")
    pr = PR(case_repo, base, case_repo.commit("Other manager"))
    (d,) = pr.run().decisions
    assert d.change == "changed"
    assert not pr.review("cora-gh").run().ok  # not a manager, not the signatory
    assert pr.review("basil-gh").run().ok


# --- changing the procedure is a decision ----------------------------------------------------


def _add_lax_procedure(case_repo: CaseRepo) -> None:
    """A second procedure on main whose stage 2 any manager may take."""
    proc = case_repo.read("policy/procedures/mini.yaml").replace("id: mini\n", "id: lax\n", 1)
    proc = proc.replace(
        "- {roles: [director, monitoring-officer], independent: true,", "- {roles: [manager],"
    )
    case_repo.write("policy/procedures/lax.yaml", proc)
    case_repo.commit("A laxer procedure")


def test_changing_the_procedure_needs_approval(case_repo):
    _add_lax_procedure(case_repo)
    base = branch(case_repo)
    replace(case_repo, CASE, "procedure: mini\n", "procedure: lax\n")
    pr = PR(case_repo, base, case_repo.commit("Move to the lax procedure"))
    report = pr.run()
    assert not report.ok
    assert ("procedure", "lax") in kinds(report)
    # The case's stage-1 decision is undone under mini and taken again under lax.
    assert ("removed", "stage-1") in kinds(report) and ("added", "stage-1") in kinds(report)
    assert any("changing the procedure needs" in m for m in missing(report))
    # Amber (who decided stage 1, and a manager: the way to dormant) and an independent
    # director (the way to stage 2) approve: together they hold every next step under mini.
    assert pr.review("amber-gh").review("eve-gh").run().ok


def test_changing_the_procedure_to_move_stage2_past_the_director_is_rejected(case_repo):
    """Switch to the lax procedure and record stage 2 by a manager in the same pull request."""
    _add_lax_procedure(case_repo)
    base = branch(case_repo)
    replace(case_repo, CASE, "procedure: mini\n", "procedure: lax\n")
    case_repo.append(CASE, STAGE2.format(who="mgr-basil"))
    pr = PR(case_repo, base, case_repo.commit("Lax stage 2"))
    report = pr.review("basil-gh").review("amber-gh").run()
    assert not report.ok
    (p,) = [d for d in report.decisions if d.change == "procedure"]
    assert not p.approved and "director" in " ".join(p.missing)


def test_changing_to_a_procedure_not_on_the_base_branch_is_rejected(case_repo):
    base = branch(case_repo)
    proc = case_repo.read("policy/procedures/mini.yaml").replace("id: mini\n", "id: new\n", 1)
    case_repo.write("policy/procedures/new.yaml", proc)
    replace(case_repo, CASE, "procedure: mini\n", "procedure: new\n")
    pr = PR(case_repo, base, case_repo.commit("New procedure and move"))
    report = pr.review("amber-gh").review("eve-gh").review("dev-gh").run()
    assert not report.ok
    assert any("'new' is not on the base branch" in m for m in missing(report))


# --- the past is append-only -----------------------------------------------------------------


def _rewrite(case_repo: CaseRepo, old: str, new: str) -> PR:
    base = branch(case_repo)
    replace(case_repo, CASE, old, new)
    return PR(case_repo, base, case_repo.commit("Rewrite"))


def test_rewriting_a_contact_is_refused(case_repo):
    pr = _rewrite(case_repo, "channel: phone, to: mgr-basil", "channel: email, to: mgr-basil")
    report = pr.review("amber-gh").review("cora-gh").review("dev-gh").run()
    assert not report.ok
    (d,) = report.decisions
    assert (d.change, d.to, d.index) == ("rewritten", "events[2] (contact)", 2)
    assert "append-only" in d.missing[0] and "corrects: 2" in d.missing[0]


def test_deleting_a_letter_is_refused(case_repo):
    pr = _rewrite(
        case_repo,
        "  - {date: 2026-03-10, type: letter, letter: stage-1-letter, by: mgr-amber, via: email}\n",
        "",
    )
    report = pr.review("amber-gh").run()
    assert kinds(report) == [("deleted", "events[1] (letter)")]
    assert not report.ok


def test_rewriting_the_referrals_account_is_refused(case_repo):
    pr = _rewrite(case_repo, "account: 40 e-mails", "account: 4 e-mails")
    report = pr.review("amber-gh").run()
    assert kinds(report) == [("rewritten", "referral")] and not report.ok


def test_rewriting_a_note_and_a_review_is_refused(case_repo):
    case_repo.append(CASE, NOTE_EVE)
    case_repo.append(
        CASE,
        "  - {date: 2026-03-25, type: review, by: [mgr-amber], outcome: continue, "
        "notes: Still high}",
    )
    case_repo.commit("Note and review")
    pr = _rewrite(case_repo, "text: Spoke to the team", "text: Did not speak")
    assert kinds(pr.run()) == [("rewritten", "events[3] (note)")]
    replace(case_repo, CASE, "notes: Still high", "notes: Much lower")
    pr.head = case_repo.commit("And the review")
    assert kinds(pr.run()) == [
        ("rewritten", "events[3] (note)"),
        ("rewritten", "events[4] (review)"),
    ]


def test_reordering_events_is_refused(case_repo):
    text = case_repo.read(CASE)
    letter = (
        "  - {date: 2026-03-10, type: letter, letter: stage-1-letter, by: mgr-amber, via: email}\n"
    )
    base = branch(case_repo)
    case_repo.write(CASE, text.replace(letter, "") + letter)
    report = PR(case_repo, base, case_repo.commit("Move the letter")).run()
    assert not report.ok and any(d.change in ("deleted", "rewritten") for d in report.decisions)


def test_removing_an_officer_is_refused(case_repo):
    on_main(case_repo, "Officers", (CASE, "events:\n", "officers: [dir-eve]\nevents:\n"))
    pr = _rewrite(case_repo, "officers: [dir-eve]\n", "")
    assert kinds(pr.run()) == [("deleted", "officers")]


FLAG = (
    "retention_flags:\n  - {exception: repeated-history, reason: Third referral, "
    "recorded: 2026-03-12, by: mgr-amber}\nevents:\n"
)


def test_lifting_a_retention_flag_is_the_one_change_a_flag_may_take(case_repo):
    on_main(case_repo, "Flag", (CASE, "events:\n", FLAG))
    lifted = "by: mgr-amber, lifted: {date: 2026-04-01, by: mgr-amber, reason: Not repeated}}"
    pr = _rewrite(case_repo, "by: mgr-amber}\nevents:", lifted + "\nevents:")
    assert kinds(pr.run()) == []
    replace(case_repo, CASE, "reason: Third referral", "reason: Second referral")
    pr.head = case_repo.commit("And the reason")
    assert kinds(pr.run()) == [("rewritten", "retention_flags")]
    # Taking a lift back is a rewrite too.
    base = pr.head
    replace(case_repo, CASE, lifted, "by: mgr-amber}")
    assert kinds(PR(case_repo, base, case_repo.commit("Unlift")).run()) == [
        ("rewritten", "retention_flags")
    ]


def test_adding_a_retention_flag_needs_the_approval_of_who_it_names(case_repo):
    """A flag keeps a record past its deletion date: nobody may add one in someone's name."""
    base = branch(case_repo)
    replace(case_repo, CASE, "events:\n", FLAG)
    pr = PR(case_repo, base, case_repo.commit("Keep the record"))
    report = pr.run()
    assert kinds(report) == [("retention-flag", "repeated-history")]
    assert not report.ok and "mgr-amber" in missing(report)[0]
    assert not pr.review("basil-gh").run().ok  # another manager cannot speak for her
    assert pr.review("amber-gh").run().ok


def test_a_lifted_flag_recorded_again_without_its_lift_is_a_new_flag(case_repo):
    lifted = "by: mgr-amber, lifted: {date: 2026-04-01, by: mgr-amber, reason: Not repeated}}"
    on_main(case_repo, "Flag, lifted", (CASE, "events:\n", FLAG.replace("by: mgr-amber}", lifted)))
    base = branch(case_repo)
    again = "  - {exception: repeated-history, reason: Third referral, recorded: 2026-03-12, "
    replace(case_repo, CASE, "events:\n", again + "by: mgr-amber}\nevents:\n")
    report = PR(case_repo, base, case_repo.commit("Suspend deletion again")).run()
    assert kinds(report) == [("retention-flag", "repeated-history")] and not report.ok


def test_a_correction_is_a_new_event_and_passes(case_repo):
    base = branch(case_repo)
    case_repo.append(
        CASE,
        "  - {date: 2026-03-17, type: note, by: mgr-basil, corrects: 2, "
        "text: The call on 16 March was an e-mail}",
    )
    report = PR(case_repo, base, case_repo.commit("Correct the contact")).run()
    assert report.ok and report.decisions == ()


def test_a_correction_must_point_back(case_repo):
    base = branch(case_repo)
    case_repo.append(
        CASE, "  - {date: 2026-03-17, type: note, by: mgr-basil, corrects: 3, text: Itself}"
    )
    report = PR(case_repo, base, case_repo.commit("Bad pointer")).run()
    assert not report.ok
    assert "can only correct an earlier event" in report.problems[0]


def test_a_procedure_may_allow_corrections_with_its_approval(case_repo):
    on_main(
        case_repo,
        "Corrections by the SIGO",
        ("policy/procedures/mini.yaml", "distribution_lists:", CORRECTIONS + "distribution_lists:"),
    )
    pr = _rewrite(case_repo, "channel: phone, to: mgr-basil", "channel: email, to: mgr-basil")
    report = pr.review("amber-gh").run()
    assert not report.ok
    assert "needs senior-ig-officer (approvals)" in report.decisions[0].missing[0]
    assert pr.review("cora-gh").run().ok


# --- independence against the base branch's whole history ------------------------------------


def test_editing_an_earlier_decision_and_renaming_a_by_does_not_make_a_signatory_independent(
    case_repo,
):
    """The issue's example, with corrections allowed so only independence is in the way."""
    on_main(
        case_repo,
        "Corrections allowed; Eve takes a note",
        ("policy/procedures/mini.yaml", "distribution_lists:", CORRECTIONS + "distribution_lists:"),
    )
    case_repo.append(CASE, NOTE_EVE)
    case_repo.commit("Eve's note")
    base = branch(case_repo)
    replace(case_repo, CASE, "reasons: Volume of contact", "reasons: The volume of contact")
    replace(case_repo, CASE, "by: dir-eve, text: Spoke", "by: mgr-amber, text: Spoke")
    case_repo.append(CASE, STAGE2.format(who="dir-eve"))
    pr = PR(case_repo, base, case_repo.commit("Tidy and stage 2"))
    report = pr.review("amber-gh").review("cora-gh").review("eve-gh").run()
    stage2 = next(d for d in report.decisions if d.to == "stage-2")
    assert not stage2.approved
    assert any(
        "not independent: dir-eve (appears in events[3] on the base branch)" in m
        for m in stage2.missing
    ), stage2.missing
    # Everything else in the pull request is approved: only independence stops it.
    assert [d.to for d in report.decisions if not d.approved] == ["stage-2"]


def test_someone_named_later_on_the_base_branch_is_not_independent(case_repo):
    """A decision inserted before a base event that names the signatory."""
    case_repo.append(
        CASE, "  - {date: 2026-03-31, type: note, by: dir-eve, text: Met the customer}"
    )
    case_repo.commit("Eve met the customer")
    base = branch(case_repo)
    text = case_repo.read(CASE)
    at = text.index("  - {date: 2026-03-31")
    case_repo.write(CASE, text[:at] + STAGE2.format(who="dir-eve").lstrip("\n") + text[at:])
    report = PR(case_repo, base, case_repo.commit("Backdated stage 2")).review("eve-gh").run()
    assert not report.ok
    assert any("dir-eve" in m and "on the base branch" in m for m in missing(report))


# --- deleted, renamed and new case files -----------------------------------------------------


def test_renamed_case_file_with_a_removed_decision_is_judged(case_repo):
    case_repo.append(CASE, STAGE2.format(who="dir-dev"))
    case_repo.commit("Stage 2")
    base = branch(case_repo)
    case_repo.repo.git.mv(CASE, "cases/MC-2026-0009.yaml")
    text = case_repo.read("cases/MC-2026-0009.yaml")
    case_repo.write("cases/MC-2026-0009.yaml", text[: text.index("  - date: 2026-03-30")])
    report = PR(case_repo, base, case_repo.commit("Rename and drop stage 2")).run()
    assert not report.ok
    assert ("removed", "stage-2") in kinds(report)


def test_renamed_case_with_a_new_id_is_a_rewrite(case_repo):
    base = branch(case_repo)
    case_repo.repo.git.mv(CASE, "cases/MC-2026-0009.yaml")
    replace(case_repo, "cases/MC-2026-0009.yaml", "id: MC-2026-0001", "id: MC-2026-0009")
    report = PR(case_repo, base, case_repo.commit("Renumber")).review("amber-gh").run()
    assert kinds(report) == [("rewritten", "id")] and not report.ok


def test_case_moved_where_check_does_not_read_it_is_refused(case_repo):
    for target in ("cases/old/MC-2026-0001.yaml", "cases/MC-2026-0001.yml", "MC-2026-0001.yaml"):
        case_repo.checkout("main")
        base = branch(case_repo, "move-" + target.replace("/", "-"))
        os.makedirs(
            case_repo.root / os.path.dirname(target) if "/" in target else case_repo.root,
            exist_ok=True,
        )
        case_repo.repo.git.mv(CASE, target)
        report = PR(case_repo, base, case_repo.commit("Move")).run()
        assert not report.ok, target
        assert "reads cases from cases/<CASE-ID>.yaml only" in report.problems[0], target


def test_deleted_case_file_is_refused(case_repo):
    base = branch(case_repo)
    (case_repo.root / CASE).unlink()
    report = PR(case_repo, base, case_repo.commit("Delete")).review("eve-gh").run()
    assert not report.ok and "deleted" in report.problems[0]


def test_new_case_file_with_decisions_already_in_it_is_judged(case_repo):
    base = branch(case_repo)
    events = CASE2_STAGE1 + STAGE2.format(who="dir-dev").lstrip("\n").replace(
        "2026-03-30", "2026-03-31"
    )
    case_repo.write(CASE2, CASE2_BASE.replace("events: []\n", "events:\n" + events))
    pr = PR(case_repo, base, case_repo.commit("New case, already at stage 2"))
    report = pr.review("basil-gh").run()
    assert kinds(report) == [("added", "stage-1"), ("added", "stage-2")]
    assert [d.to for d in report.decisions if not d.approved] == ["stage-2"]
    assert pr.review("dev-gh").run().ok


# --- symlinks in git -------------------------------------------------------------------------


def test_symlinked_case_at_head_is_refused(case_repo):
    for target in ("../policy/people.yaml", "/dev/zero", "/etc/hostname", "MC-2026-0001.yaml"):
        case_repo.checkout("main")
        base = branch(case_repo, "link-" + str(abs(hash(target))))
        link = case_repo.root / CASE2
        if link.exists() or link.is_symlink():
            link.unlink()
        os.symlink(target, link)
        report = PR(case_repo, base, case_repo.commit("Link")).run()
        assert not report.ok, target
        assert "symbolic link (git mode 120000)" in report.problems[0], target


def test_case_replaced_by_a_symlink_is_refused(case_repo):
    """The blob of a link is its target's path; a type change (T) is judged like any other."""
    case_repo.write(CASE2, CASE2_BASE)
    case_repo.commit("Case 2")
    base = branch(case_repo)
    (case_repo.root / CASE).unlink()
    os.symlink("MC-2026-0002.yaml", case_repo.root / CASE)
    report = PR(case_repo, base, case_repo.commit("Swap for a link")).run()
    assert not report.ok and "symbolic link" in report.problems[0]
