"""Issue 13 kind 5: writes survive `kill -9` and full or read-only disks.

The kill is real: the casebook process is started with a ``sitecustomize`` that sends itself
SIGKILL at a chosen point (after the temporary copy of the record is written and flushed, or
while MkDocs builds the site), so what is left on disk is what a power cut or an OOM kill
leaves. The next run must remove it, and git must never offer it for commit meanwhile.
"""

from __future__ import annotations

import errno
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from casebook.store import temporary
from tests.conftest import REPO

CASE = "MC-2026-0001"
LOG = (
    "log", "contact", CASE, "--date", "2026-03-20", "--time", "09:30", "--channel", "email",
    "--to", "mgr-basil", "--summary", "Asked about the complaint", "--as-of", "2026-04-01",
)  # fmt: skip

# Loaded by the interpreter at start-up when its folder is on PYTHONPATH.
KILLER = """
import os, signal
WHEN = os.environ.get("CASEBOOK_TEST_KILL")
if WHEN == "fsync":
    _fsync = os.fsync
    def fsync(fd):
        _fsync(fd)
        # The record's temporary, not the cache's (written first by `log`).
        if "/cases/" in os.readlink(f"/proc/self/fd/{fd}"):
            os.kill(os.getpid(), signal.SIGKILL)
    os.fsync = fsync
elif WHEN == "mkdocs":
    import subprocess
    _run = subprocess.run
    def run(cmd, *a, **k):
        if "--strict" in cmd:
            os.kill(os.getpid(), signal.SIGKILL)
        return _run(cmd, *a, **k)
    subprocess.run = run
"""


def casebook(root: Path, *args: str, kill: str | None = None, hook: Path | None = None):
    env = dict(os.environ)
    if kill:
        assert hook is not None
        env["CASEBOOK_TEST_KILL"] = kill
        env["PYTHONPATH"] = os.pathsep.join([str(hook), env.get("PYTHONPATH", "")])
    return subprocess.run(
        [sys.executable, "-m", "casebook", "--root", str(root), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


@pytest.fixture
def hook(tmp_path: Path) -> Path:
    folder = tmp_path / "hook"
    folder.mkdir()
    (folder / "sitecustomize.py").write_text(textwrap.dedent(KILLER))
    return folder


def temporaries(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.name.startswith(temporary.PREFIX))


def git_repo(root: Path) -> None:
    shutil.copy(REPO / ".gitignore", root / ".gitignore")
    for cmd in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "start"]):
        subprocess.run(
            ["git", "-c", "user.name=T", "-c", "user.email=t@example.org", *cmd],
            cwd=root,
            check=True,
        )


@pytest.mark.parametrize("command", [LOG, ("fmt",)])
@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="the hook needs /proc")
def test_kill_9_during_a_write_leaves_nothing_git_would_commit(mini, hook, command):
    path = mini / "cases" / f"{CASE}.yaml"
    if command == ("fmt",):
        path.write_text(path.read_text().replace("service: Planning", "service:    Planning"))
    git_repo(mini)
    before = path.read_bytes()
    res = casebook(mini, *command, kill="fsync", hook=hook)
    assert res.returncode == -signal.SIGKILL
    left = temporaries(mini / "cases")
    assert len(left) == 1 and left[0].stat().st_size > 0  # the copy of the record, flushed
    assert path.read_bytes() == before  # the record itself is whole
    status = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"],
        cwd=mini,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert status == ""  # ignored: never committed by `git add -A`
    # The next run removes it (its process is gone) and does its work.
    res = casebook(mini, *command)
    assert res.returncode == 0, res.stderr
    assert temporaries(mini / "cases") == []
    assert path.read_bytes() != before


def test_kill_9_during_site_build_is_cleaned_by_the_next_build(mini, hook):
    shutil.copytree(REPO / "site", mini / "site")
    out = mini / "_site" / "staff"
    res = casebook(mini, "site", "build", "--as-of", "2026-04-01", kill="mkdocs", hook=hook)
    assert res.returncode == -signal.SIGKILL
    assert len(temporaries(out.parent)) == 1  # the build folder, beside --out
    res = casebook(mini, "site", "build", "--as-of", "2026-04-01")
    assert res.returncode == 0, res.stderr
    assert [p.name for p in out.parent.iterdir()] == ["staff"]


def test_a_running_process_temporaries_are_left_alone(tmp_path):
    live = tmp_path / f"{temporary.PREFIX}{os.getppid()}.abc.x.yaml"
    mine = tmp_path / f"{temporary.PREFIX}{os.getpid()}.abc.x.yaml"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    gone = tmp_path / f"{temporary.PREFIX}{dead.pid}.abc.x.yaml"
    for p in (live, mine, gone):
        p.write_text("x")
    assert temporary.clean_stale(tmp_path) == [gone]
    assert live.exists() and mine.exists()


def _failing(code: int):
    def fsync(fd: int) -> None:
        raise OSError(code, os.strerror(code))

    return fsync


@pytest.mark.parametrize(
    ("code", "words", "exit_code"),
    [
        (errno.ENOSPC, "the disk is full", 1),
        (errno.EACCES, "permission denied", 2),
        (errno.EROFS, "read-only file system", 2),
    ],
)
def test_full_or_refusing_disk_is_said_plainly(cli, mini, monkeypatch, code, words, exit_code):
    path = mini / "cases" / f"{CASE}.yaml"
    before = path.read_bytes()
    monkeypatch.setattr(os, "fsync", _failing(code))
    res = cli("--root", mini, *LOG)
    assert res.code == exit_code, res.err
    assert words in res.err and "internal error" not in res.err
    assert path.read_bytes() == before
    assert temporaries(mini / "cases") == []


def test_site_build_into_an_unwritable_folder_is_said_plainly(cli, mini, monkeypatch):
    shutil.copytree(REPO / "site", mini / "site")

    def refuse(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", str(mini / "_site"))

    monkeypatch.setattr(temporary.tempfile, "mkdtemp", refuse)
    res = cli("--root", mini, "site", "build", "--as-of", "2026-04-01")
    assert res.code == 2
    assert res.err.startswith("casebook: permission denied: ") and "Traceback" not in res.err


def _mount_tmpfs(where: Path, size: str) -> bool:
    where.mkdir()
    if os.geteuid() != 0 or not shutil.which("mount"):
        return False
    res = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
        capture_output=True,
        check=False,
    )
    return res.returncode == 0


def test_a_really_full_disk(tmp_path, mini):
    """On a real 1 MB tmpfs (when this machine lets us mount one): site build and log."""
    disk = tmp_path / "disk"
    if not _mount_tmpfs(disk, "1m"):
        pytest.skip("cannot mount a tmpfs here")
    try:
        root = disk / "mini"
        shutil.copytree(mini, root)
        with (disk / "filler").open("wb", buffering=0) as fh:  # fill what is left
            try:
                while True:
                    fh.write(b"\0" * 4096)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
        res = casebook(root, *LOG)
        assert res.returncode == 1, res.stderr
        assert "casebook: the disk is full" in res.stderr and "Traceback" not in res.stderr
        assert temporaries(root / "cases") == []
    finally:
        subprocess.run(["umount", str(disk)], check=False)
