"""Shared fixtures: throwaway casebooks in tmp dirs, and the CLI run in-process or as a process."""

from __future__ import annotations

import atexit
import hashlib
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:  # casebook is imported once TOOLING is on sys.path (below)
    from casebook.model.findings import Finding
    from casebook.store.reader import Policy

REPO = Path(__file__).resolve().parents[1]
TOOLING = REPO / "tooling"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

# Make `python -m casebook` in subprocesses use this checkout's code.
os.environ["PYTHONPATH"] = os.pathsep.join(
    [str(TOOLING), *filter(None, [os.environ.get("PYTHONPATH")])]
)
if str(TOOLING) not in sys.path:
    sys.path.insert(0, str(TOOLING))
# Tools installed beside this Python (pre-commit, git-filter-repo, ruff in .venv/bin) are found by
# subprocesses even when the virtual environment is not activated (`.venv/bin/python -m pytest`).
_BIN = str(Path(sys.executable).parent)
if _BIN not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = os.pathsep.join([_BIN, *filter(None, [os.environ.get("PATH")])])
# The record cache lives outside the casebook (store/cache.py): keep the tests' caches out of
# the user's ~/.cache, in one folder for the session (subprocesses inherit it).
_CACHE_HOME = tempfile.mkdtemp(prefix="casebook-test-cache-")
os.environ["XDG_CACHE_HOME"] = _CACHE_HOME
atexit.register(shutil.rmtree, _CACHE_HOME, True)


# digest of policy/ -> the policy rules' findings (see _policy_rules_once_per_policy).
_POLICY_FINDINGS: dict[str, tuple[Finding, ...]] = {}


def policy_digest(root: Path) -> str:
    """Everything under ``root``/policy: each entry's path, kind, and content (regular files) or
    target (links). Nothing but regular files is opened (a FIFO would block)."""
    h = hashlib.sha256()
    policy = root / "policy"
    entries = [policy]
    for folder, dirs, files in os.walk(policy, followlinks=False):
        dirs.sort()
        entries += [Path(folder) / name for name in sorted(dirs + files)]
    for path in entries:
        try:
            mode = os.lstat(path).st_mode
        except OSError as exc:
            h.update(f"{path.relative_to(root)}|{exc.strerror}\0".encode())
            continue
        h.update(f"{path.relative_to(root)}|{stat.S_IFMT(mode)}|".encode())
        if stat.S_ISREG(mode):
            h.update(hashlib.sha256(path.read_bytes()).digest())
        elif stat.S_ISLNK(mode):
            h.update(os.readlink(path).encode())
        h.update(b"\0")
    return h.hexdigest()


def remembered_policy_rules(policy: Policy) -> list[Finding]:
    """``check_policy(policy)``, run once per distinct policy/ content; a fresh list each call."""
    from casebook.check.policy_rules import check_policy

    key = policy_digest(policy.root)
    if key not in _POLICY_FINDINGS:
        _POLICY_FINDINGS[key] = tuple(check_policy(policy))
    return list(_POLICY_FINDINGS[key])


@pytest.fixture(autouse=True, scope="session")
def _policy_rules_once_per_policy() -> Iterator[None]:
    """In this process, the policy rules run once per distinct policy/ content.

    ``check.policy_rules.check_policy`` takes a fifth of a second a run (it parses every letter
    template) and almost every test loads a copy of the same policy/ (the demo's, the mini
    fixture's). Its findings depend on policy/ alone (the product's own record cache keeps
    them under a digest of policy/ and the code: ``store.cases._policy_findings``); here they
    are remembered under ``policy_digest`` of the casebook's policy/ (the code is the code
    this process has loaded). A test whose policy/ differs by one byte (a broken template, a
    fixture procedure, a ledger it wrote, a link where a file was) gets the rules run on it;
    everything else a command does (reading and validating every file, the case and
    casebook rules) still runs in each test. Commands run as processes are not affected.
    Findings are frozen dataclasses: sharing them is safe.
    """
    from casebook.check import loading

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(loading, "check_policy", remembered_policy_rules)
        yield


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


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="Rewrite golden files (tests/golden/) from the current output instead of comparing.",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    """True when golden files are to be rewritten (--update-golden or CASEBOOK_UPDATE_GOLDEN=1)."""
    return (
        bool(request.config.getoption("--update-golden"))
        or os.environ.get("CASEBOOK_UPDATE_GOLDEN") == "1"
    )


@pytest.fixture
def golden(update_golden: bool) -> Callable[[Path, bytes], None]:
    """Compare bytes with a golden file byte for byte, or rewrite it when updating."""

    def compare(path: Path, data: bytes) -> None:
        if update_golden:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            return
        assert path.is_file(), f"{path} missing: run pytest --update-golden and review the diff"
        expected = path.read_bytes()
        if data != expected:
            import difflib

            diff = "".join(
                difflib.unified_diff(
                    expected.decode("utf-8", "replace").splitlines(keepends=True),
                    data.decode("utf-8", "replace").splitlines(keepends=True),
                    str(path),
                    "rendered",
                )
            )
            raise AssertionError(
                f"{path} differs (pytest --update-golden rewrites it):\n{diff[:6000]}"
            )

    return compare
