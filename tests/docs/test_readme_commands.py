"""The README's two commands, exactly as written, on a clean clone (issue 17, "fresh machine").

The commands are read from README.md (its first two ```sh blocks), never copied here. Each runs
with `bash -c` in a `git clone` of this repository's HEAD, without this checkout on PYTHONPATH
and outside any virtual environment, so they use only what they install into the clone's .venv
(pip reuses its own cache, so a second run is fast).

The test command runs the whole suite; running that inside the suite would recurse. So the
test checks that it is `bash .ci/install && ` followed by the very line CI's .ci/run runs, then
runs it as written with PYTEST_ADDOPTS=--collect-only (pytest reads that variable): the install
is real and every test module is imported and collected in the fresh .venv, but no test runs.
CI runs the full suite through .ci/run.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.docs.blocks import readme_commands

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clean clone of this repository's HEAD, as a newcomer would have it."""
    root = tmp_path_factory.mktemp("readme") / "casebook"
    subprocess.run(["git", "clone", "-q", str(REPO), str(root)], check=True, timeout=300)
    return root


def _newcomer_env(**extra: str) -> dict[str, str]:
    """The environment of a fresh shell: no PYTHONPATH to this checkout, no venv active."""
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    return {**env, **extra}


def _bash(command: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", command], cwd=cwd, env=env, capture_output=True, text=True, timeout=1800
    )


def test_first_command_installs_and_checks_the_demo(clone: Path) -> None:
    command, _ = readme_commands()
    assert command.startswith("python3 -m venv .venv && "), command
    proc = _bash(command, clone, _newcomer_env())
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-4000:]
    # The demo as recorded, whatever today's date: its as-of date and no errors.
    assert "as of 2026-11-23: 0 error(s)" in out, out[-4000:]
    # The `casebook` that ran is the clone's own, installed in the clone's .venv.
    where = subprocess.run(
        [str(clone / ".venv/bin/python"), "-c", "import casebook; print(casebook.__file__)"],
        cwd=clone,
        env=_newcomer_env(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert Path(where).is_relative_to(clone / "tooling"), where


def test_second_command_is_what_ci_runs_and_installs_the_tests(clone: Path) -> None:
    _, command = readme_commands()
    install, _, test_line = command.partition(" && ")
    assert install == "bash .ci/install", command
    ci_lines = [ln.strip() for ln in (REPO / ".ci/run").read_text(encoding="utf-8").splitlines()]
    assert "bash .ci/install" in ci_lines and test_line in ci_lines, (
        f".ci/run must run the README's test command: {command}"
    )
    assert ci_lines.index("bash .ci/install") < ci_lines.index(test_line)
    proc = _bash(command, clone, _newcomer_env(PYTEST_ADDOPTS="--collect-only"))
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-4000:]
    collected = [ln for ln in out.splitlines() if "tests collected" in ln]
    assert collected and int(collected[-1].split()[0]) > 100, out[-4000:]
    assert (clone / "tests/node/node_modules/.bin/yaml-language-server").exists()
