"""`casebook approvals` on the demo casebook's real procedures: Wealden's stage 2 needs the Head
of Service, the Senior IG Officer and an independent signatory, all three on the head commit."""

from __future__ import annotations

import shutil

import git
import pytest

from casebook.github.approvals import evaluate_pull
from casebook.github.client import Review
from casebook.store.gitrepo import GitRepo
from tests.conftest import REPO

CASE = "cases/MC-2026-0003.yaml"
LOGINS = {
    "hos-achterberg": "achterberg-council",
    "sigo-khan": "khan-council",
    "dir-okonjo": "okonjo-council",
}


@pytest.fixture(scope="module")
def stage2(tmp_path_factory):
    """The demo casebook on main without MC-2026-0003's stage 2 decision; a branch adds it."""
    root = tmp_path_factory.mktemp("demo") / "casebook"
    shutil.copytree(REPO / "policy", root / "policy")
    shutil.copytree(REPO / "cases", root / "cases")
    full = (root / CASE).read_text(encoding="utf-8")
    lines = full.splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.strip() == "to: stage-2")
    start = max(i for i in range(at) if lines[i].startswith("  - "))
    repo = git.Repo.init(root, initial_branch="main")
    actor = git.Actor("Gov Officer", "gov@council.example")
    (root / CASE).write_text("".join(lines[:start]), encoding="utf-8")
    repo.git.add("-A")
    base = repo.index.commit("Demo casebook", author=actor, committer=actor).hexsha
    repo.git.checkout("-b", "stage-2")
    (root / CASE).write_text(full, encoding="utf-8")
    repo.git.add("-A")
    head = repo.index.commit("Record stage 2", author=actor, committer=actor).hexsha
    return root, base, head


def run(stage2, approvers):
    root, base, head = stage2
    reviews = [Review(i, LOGINS[p], "APPROVED", head, None) for i, p in enumerate(approvers, 1)]
    return evaluate_pull(GitRepo(root), base, head, reviews, "igo-gh", ["igo-gh"])


def test_all_three_approve(stage2):
    report = run(stage2, ["hos-achterberg", "sigo-khan", "dir-okonjo"])
    (d,) = report.decisions
    assert (d.case, d.to, d.approved) == ("MC-2026-0003", "stage-2", True)
    assert len(d.requires) == 3


@pytest.mark.parametrize("absent", ["hos-achterberg", "sigo-khan", "dir-okonjo"])
def test_any_one_missing_fails(stage2, absent):
    present = [p for p in LOGINS if p != absent]
    report = run(stage2, present)
    (d,) = report.decisions
    assert not d.approved
    assert any(absent in m for m in d.missing)
