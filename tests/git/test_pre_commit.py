"""The pre-commit hooks in a real git repository: `casebook check` and the guard run on commit."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, TOOLING

pytestmark = pytest.mark.skipif(shutil.which("pre-commit") is None, reason="pre-commit missing")


@pytest.fixture
def repo(mini: Path, tmp_path: Path) -> tuple[Path, dict[str, str]]:
    shutil.copy(REPO / ".pre-commit-config.yaml", mini / ".pre-commit-config.yaml")
    # A `casebook` on PATH that runs this checkout's code (CI installs the package instead).
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "casebook"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m casebook "$@"\n')
    shim.chmod(0o755)
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": str(TOOLING),
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "GIT_AUTHOR_NAME": "Test Officer",
        "GIT_AUTHOR_EMAIL": "officer@council.example",
        "GIT_COMMITTER_NAME": "Test Officer",
        "GIT_COMMITTER_EMAIL": "officer@council.example",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    git(mini, env, "init", "-q", "-b", "main")
    git(mini, env, "add", "-A")
    git(mini, env, "commit", "-q", "--no-verify", "-m", "Initial casebook")
    out = subprocess.run(
        ["pre-commit", "install"], cwd=mini, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert (mini / ".git/hooks/commit-msg").exists()
    return mini, env


def git(root: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(["git", *args], cwd=root, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def commit(root: Path, env: dict[str, str], message: str) -> subprocess.CompletedProcess[str]:
    subprocess.run(["git", "add", "-A"], cwd=root, env=env, check=True)
    return subprocess.run(
        ["git", "commit", "-q", "-m", message], cwd=root, env=env, capture_output=True, text=True
    )


def test_hooks_refuse_bad_records_and_names_and_allow_good_commits(repo):
    root, env = repo
    case = root / "cases/MC-2026-0001.yaml"
    good = case.read_text()
    head = git(root, env, "rev-parse", "HEAD").stdout

    case.write_text(good.replace("decided_by: [mgr-amber]", "decided_by: [nobody]"))
    res = commit(root, env, "MC-2026-0001: record the decision")
    assert res.returncode != 0
    assert "unknown person 'nobody'" in res.stdout + res.stderr

    case.write_text(good + "  - {date: 2026-03-20, type: note, by: mgr-amber, text: Chased}\n")
    res = commit(root, env, "Log the chase for Alex Example")
    assert res.returncode != 0
    out = res.stdout + res.stderr
    assert "commit message contains a name recorded in cases/MC-2026-0001.yaml" in out
    assert git(root, env, "rev-parse", "HEAD").stdout == head

    git(root, env, "checkout", "-q", "-b", "case/MC-2026-0001-alex-example")
    res = commit(root, env, "MC-2026-0001: log the chase")
    assert res.returncode != 0
    assert "branch name contains a name" in res.stdout + res.stderr

    git(root, env, "checkout", "-q", "-b", "case/MC-2026-0001-chase")
    res = commit(root, env, "MC-2026-0001: log the chase\n\n# Alex Example (a git comment line)")
    assert res.returncode == 0, res.stdout + res.stderr
    assert git(root, env, "rev-parse", "HEAD").stdout != head


def test_hook_repository_definition_names_the_commands():
    import yaml

    hooks = {h["id"]: h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
    assert hooks["casebook-check"]["entry"] == "casebook check --no-deadlines"
    assert hooks["casebook-guard-commit-msg"]["stages"] == ["commit-msg"]
    assert hooks["casebook-guard-branch"]["entry"] == "casebook guard branch"
    config = yaml.safe_load((REPO / ".pre-commit-config.yaml").read_text())
    local = {h["id"]: h for h in config["repos"][0]["hooks"]}
    assert set(local) == set(hooks)
    for hid, hook in hooks.items():
        assert local[hid]["entry"] == hook["entry"]
