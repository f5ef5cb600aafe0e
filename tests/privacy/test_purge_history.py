"""Issue 13 kind 8: the purge reaches every path the record ever had in history.

A real repository: the case was first committed under another name, then renamed with
`git mv`; a letter that only mentions the id must stay. The printed steps are run as printed
(git-filter-repo included) and no blob of the record may remain reachable.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from tests.unit.test_retention import closed_case, every_blob, git
from tests.unit.timed import Book

CASE = "TC-2026-0001"
OLD = "cases/draft-robin.yaml"
NEW = f"cases/{CASE}.yaml"


@pytest.mark.skipif(
    shutil.which("git-filter-repo") is None and not os.environ.get("CI"),
    reason="git-filter-repo not installed (pip install git-filter-repo; CI always runs this)",
)
def test_purge_after_a_rename_removes_every_path(cli, tmp_path):
    tb = Book(tmp_path / "book")
    repo = tb.root
    git("init", "-q", "-b", "main", cwd=repo)
    git("config", "user.email", "gov@council.example", cwd=repo)
    git("config", "user.name", "Governance", cwd=repo)
    tb.write(closed_case())
    (repo / NEW).rename(repo / OLD)
    (repo / "notes.md").write_text(f"Handled with {CASE}; see the register.\n")
    git("add", "-A", cwd=repo)
    git("commit", "-qm", "Draft", cwd=repo)
    git("mv", OLD, NEW, cwd=repo)
    git("commit", "-qm", "Rename to its id", cwd=repo)
    origin = tmp_path / "origin.git"
    git("clone", "-q", "--bare", repo, origin, cwd=tmp_path)
    git("remote", "add", "origin", origin, cwd=repo)

    res = cli("--root", repo, "purge", CASE, "--as-of", "2028-04-03", "--format", "json")
    assert res.code == 0, res.err
    steps = [[tuple(c) for c in s["commands"]] for s in json.loads(res.out)["steps"]]
    commit, (clone, filter_repo), (add_remote, push_all, push_tags) = steps[:3]
    assert filter_repo == (
        "git", "filter-repo", "--invert-paths", "--path", NEW, "--path", OLD,
    )  # fmt: skip
    for command in commit:
        subprocess.run(command, cwd=repo, check=True, capture_output=True)
    git("push", "-q", "origin", "main", cwd=repo)
    subprocess.run(clone, cwd=tmp_path, check=True, capture_output=True)
    work = tmp_path / clone[-1]
    for command in (filter_repo, add_remote, push_all, push_tags):
        subprocess.run(command, cwd=work, check=True, capture_output=True)
    assert "Robin Fictional" not in every_blob(origin)
    assert f"Handled with {CASE}" in every_blob(origin)  # a mention is not the record
    assert "purged: 2028-04-03" in git("show", "main:policy/deletion-log.yaml", cwd=origin)


def test_outside_git_only_the_current_path(cli, tmp_path):
    from casebook.privacy.purge import history_paths

    assert history_paths(tmp_path, CASE, NEW, "policy/deletion-log.yaml") == (NEW,)
