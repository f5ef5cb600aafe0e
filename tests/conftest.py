"""Shared fixtures: throwaway casebooks in tmp dirs, and the CLI run in-process or as a process."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TOOLING = REPO / "tooling"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

# Make `python -m casebook` in subprocesses use this checkout's code.
os.environ["PYTHONPATH"] = os.pathsep.join(
    [str(TOOLING), *filter(None, [os.environ.get("PYTHONPATH")])]
)
if str(TOOLING) not in sys.path:
    sys.path.insert(0, str(TOOLING))


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    """A copy of the small fixture casebook (one procedure, one clean case)."""
    root = tmp_path / "mini"
    shutil.copytree(FIXTURES / "mini", root)
    return root


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    """A copy of the repository's demo casebook (policy/ and cases/)."""
    root = tmp_path / "demo"
    root.mkdir()
    shutil.copytree(REPO / "policy", root / "policy")
    shutil.copytree(REPO / "cases", root / "cases")
    return root


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., Result]:
    """Run `casebook ARGS` in-process; returns exit code and captured output."""
    from casebook.cli.main import run

    def invoke(*args: str | Path) -> Result:
        capsys.readouterr()
        code = run([str(a) for a in args])
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return invoke


def run_process(*args: str | Path, cwd: Path | None = None) -> Result:
    """Run `python -m casebook ARGS` as a real process (for tracebacks and exit codes)."""
    proc = subprocess.run(
        [sys.executable, "-m", "casebook", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)
