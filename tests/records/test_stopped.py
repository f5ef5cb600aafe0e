"""SIGTERM and Ctrl-C (SIGINT) stop a run cleanly: no temporary with personal data is left.

Real processes, real signals. The casebook process (and the MkDocs process it starts: both
read ``PYTHONPATH``) load a ``sitecustomize`` that can hold the run at a chosen point, so the
signal lands where the temporaries exist: as soon as the build folder appears beside
``--out``; while MkDocs builds (the child writes its process id to a file, then waits); while
``casebook letters`` writes a case's folder (``os.fsync`` waits).
"""

from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from casebook.store import temporary
from tests.conftest import REPO

HOOK = """
import os, time
if os.environ.get("CASEBOOK_TEST_HOLD_BUILDER"):
    with open("/proc/self/cmdline", "rb") as fh:
        argv = fh.read().split(b"\\0")
    if b"mkdocs" in argv and b"build" in argv:  # the site builder, not casebook itself
        with open(os.environ["CASEBOOK_TEST_HOLD_BUILDER"], "w") as fh:
            fh.write(str(os.getpid()))
        time.sleep(120)
if os.environ.get("CASEBOOK_TEST_HOLD_FSYNC"):
    _fsync = os.fsync
    def fsync(fd):
        if ".casebook-tmp." in os.readlink(f"/proc/self/fd/{fd}"):
            time.sleep(120)
        _fsync(fd)
    os.fsync = fsync
if os.environ.get("CASEBOOK_TEST_HOLD_SWAP"):
    # Hold just after the old output is set aside (renamed to a temporary), before the new
    # one takes its name: the moment when neither is at --out.
    _rename = os.rename
    def rename(src, dst, *a, **k):
        _rename(src, dst, *a, **k)
        src, dst = os.fspath(src), os.fspath(dst)
        if ".casebook-tmp." not in os.path.basename(src) and ".casebook-tmp." in dst:
            with open(os.environ["CASEBOOK_TEST_HOLD_SWAP"], "w") as fh:
                fh.write(dst)
            time.sleep(120)
    os.rename = rename
if os.environ.get("CASEBOOK_TEST_HOLD_UNLINK"):
    # Hold before a case file is removed (purge: after the tombstone is logged).
    _unlink = os.unlink
    def unlink(path, *a, **k):
        name = os.fspath(path)
        if "/cases/" in name and name.endswith(".yaml") and ".casebook-" not in name:
            with open(os.environ["CASEBOOK_TEST_HOLD_UNLINK"], "w") as fh:
                fh.write(name)
            time.sleep(120)
        _unlink(path, *a, **k)
    os.unlink = unlink
if os.environ.get("CASEBOOK_TEST_STOP_IN_IMPORT"):
    # SIGTERM to itself while a module is half imported (a command's modules are imported
    # when the command is looked up, so a signal in the first second lands in an import).
    import signal, sys
    class _Stop:
        done = False
        def find_spec(self, name, path=None, target=None):
            if name == os.environ["CASEBOOK_TEST_STOP_IN_IMPORT"] and not _Stop.done:
                _Stop.done = True
                os.kill(os.getpid(), signal.SIGTERM)
            return None
    sys.meta_path.insert(0, _Stop())
"""

pytestmark = pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="the hook needs /proc")


@pytest.fixture
def hook(tmp_path: Path) -> Path:
    folder = tmp_path / "hook"
    folder.mkdir()
    (folder / "sitecustomize.py").write_text(textwrap.dedent(HOOK))
    return folder


def start(root: Path, args: tuple[str, ...], hook: Path, **hold: str) -> subprocess.Popen[str]:
    env = {**os.environ, **hold}
    env["PYTHONPATH"] = os.pathsep.join([str(hook), env.get("PYTHONPATH", "")])
    # A session of its own: SIGINT is sent to the whole group, as Ctrl-C in a terminal does.
    return subprocess.Popen(
        [sys.executable, "-m", "casebook", "--root", str(root), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,
    )


def wait_for(what, proc: subprocess.Popen[str], timeout: float = 120.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = what()
        if found:
            return found
        assert proc.poll() is None, f"the run ended first: {proc.communicate()}"
        time.sleep(0.005)
    proc.kill()
    raise AssertionError("timed out")


def temporaries(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.name.startswith(temporary.PREFIX))


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def send(proc: subprocess.Popen[str], sig: signal.Signals) -> tuple[str, str]:
    if sig == signal.SIGINT:
        os.killpg(proc.pid, sig)  # Ctrl-C: casebook and its builder both get it
    else:
        proc.send_signal(sig)  # `kill PID`, a CI cancel: casebook only
    return proc.communicate(timeout=120)


def assert_stopped(proc: subprocess.Popen[str], sig: signal.Signals, err: str) -> None:
    assert proc.returncode == 128 + sig, err
    assert err.splitlines() == [
        f"casebook: stopped by {sig.name}; temporary files removed, finished files and the "
        "previous output left as they were"
    ]


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.fixture
def book(mini: Path) -> Path:
    shutil.copytree(REPO / "site", mini / "site")
    return mini


SIGNALS = [signal.SIGTERM, signal.SIGINT]


@pytest.mark.parametrize("sig", SIGNALS, ids=lambda s: s.name)
@pytest.mark.parametrize("audience", ["governance", "staff"])
def test_stopped_as_soon_as_the_build_folder_appears(cli, book, hook, tmp_path, sig, audience):
    out = tmp_path / "public" / audience
    args = ("site", "build", "--audience", audience, "--out", str(out), "--as-of", "2026-04-01")
    assert cli("--root", book, *args).code == 0
    before = snapshot(out)
    proc = start(book, args, hook)
    work = wait_for(lambda: temporaries(out.parent), proc)[0]
    # SIGKILL cannot be caught: meanwhile, other users of the machine cannot read the pages.
    assert stat.S_IMODE(work.stat().st_mode) == 0o700
    _out, err = send(proc, sig)
    assert_stopped(proc, sig, err)
    assert temporaries(out.parent) == []
    assert snapshot(out) == before


@pytest.mark.parametrize("sig", SIGNALS, ids=lambda s: s.name)
def test_stopped_while_mkdocs_builds_stops_mkdocs_too(cli, book, hook, tmp_path, sig):
    out = tmp_path / "public" / "governance"
    args = ("site", "build", "--audience", "governance", "--out", str(out), "--as-of", "2026-04-01")
    assert cli("--root", book, *args).code == 0
    before = snapshot(out)
    held = tmp_path / "builder.pid"
    proc = start(book, args, hook, CASEBOOK_TEST_HOLD_BUILDER=str(held))
    wait_for(lambda: held.is_file() and held.read_text(), proc)
    builder = int(held.read_text())
    work = temporaries(out.parent)
    assert len(work) == 1 and (work[0] / "docs" / "cases").is_dir()  # pages written
    _out, err = send(proc, sig)
    assert_stopped(proc, sig, err)
    assert gone(builder)  # killed and reaped before casebook exited
    assert temporaries(out.parent) == []
    assert snapshot(out) == before


@pytest.mark.parametrize("sig", SIGNALS, ids=lambda s: s.name)
def test_stopped_while_letters_are_written(cli, mini, hook, tmp_path, sig):
    out = tmp_path / "letters"
    args = ("letters", "--format", "md", "--out", str(out))
    assert cli("--root", mini, *args).code == 0
    before = snapshot(out)
    proc = start(mini, args, hook, CASEBOOK_TEST_HOLD_FSYNC="1")
    work = wait_for(lambda: temporaries(out), proc)[0]
    assert stat.S_IMODE(work.stat().st_mode) == 0o700
    _out, err = send(proc, sig)
    assert_stopped(proc, sig, err)
    assert temporaries(out) == []
    assert snapshot(out) == before


def test_the_next_letters_run_removes_a_killed_runs_temporaries(cli, mini, tmp_path):
    """What SIGKILL leaves (a folder named for a process that has ended) goes next run."""
    out = tmp_path / "letters"
    args = ("letters", "--format", "md", "--out", str(out))
    assert cli("--root", mini, *args).code == 0
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = out / f"{temporary.PREFIX}{dead.pid}.abcd.MC-2026-0001"
    stale.mkdir(mode=0o700)
    (stale / "2026-03-01-letter.md").write_text("Dear Ivy")
    assert cli("--root", mini, *args).code == 0
    assert temporaries(out) == []


def test_a_signal_outside_a_run_keeps_its_usual_meaning() -> None:
    """The handlers are casebook's only while a command runs (tests call `run` in-process)."""
    from casebook.cli.main import run

    before = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    run(["--version"])
    assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)) == before


@pytest.mark.parametrize("sig", SIGNALS, ids=lambda s: s.name)
@pytest.mark.parametrize("what", ["letters", "site"])
def test_stopped_between_the_two_renames_of_a_swap_keeps_the_old_output(
    cli, book, hook, tmp_path, sig, what
):
    # The old output is renamed aside, then the new one takes its name. A signal in between
    # raised out of the first rename, past the code that puts the old one back: the new one
    # was removed as a temporary, and so was the old one (its name is a temporary's).
    if what == "site":
        out = tmp_path / "public" / "governance"
        args: tuple[str, ...] = ("site", "build", "--audience", "governance", "--out", str(out))
        target = out
    else:
        out = tmp_path / "letters"
        args = ("letters", "--format", "md", "--out", str(out))
        target = out / "MC-2026-0001"
    args += ("--as-of", "2026-04-01")
    assert cli("--root", book, *args).code == 0
    before = snapshot(out)
    assert snapshot(target)
    held = tmp_path / "swap"
    proc = start(book, args, hook, CASEBOOK_TEST_HOLD_SWAP=str(held))
    wait_for(lambda: held.is_file() and held.read_text(), proc)
    assert not target.exists()  # the moment when neither is in place
    _out, err = send(proc, sig)
    assert_stopped(proc, sig, err)
    assert snapshot(out) == before
    assert temporaries(out.parent) == [] and temporaries(out) == []


def test_a_purge_stopped_after_its_tombstone_is_finished_by_running_it_again(
    cli, mini, hook, tmp_path
):
    # Stopped between logging the tombstone and removing the record, a purge left both; run
    # again it refused ("already in the deletion log"), so the record stayed for ever.
    args = ("purge", "MC-2026-0001", "--ground", "erasure request", "--as-of", "2026-04-01")
    held = tmp_path / "unlink"
    proc = start(mini, args, hook, CASEBOOK_TEST_HOLD_UNLINK=str(held))
    wait_for(lambda: held.is_file() and held.read_text(), proc)
    _out, err = send(proc, signal.SIGTERM)
    assert_stopped(proc, signal.SIGTERM, err)
    record = mini / "cases" / "MC-2026-0001.yaml"
    log = mini / "policy" / "deletion-log.yaml"
    assert record.is_file() and "MC-2026-0001" in log.read_text()
    res = cli("--root", mini, *args)
    assert res.code == 0, res.err
    assert "tombstone was already in policy/deletion-log.yaml" in res.out
    assert not record.exists()
    assert log.read_text().count("id: MC-2026-0001") == 1
    assert cli("--root", mini, "check", "--as-of", "2026-04-01").code == 0


@pytest.mark.parametrize("fmt", [(), ("--format", "json")], ids=["text", "json"])
def test_stopped_while_a_command_is_being_imported(mini, hook, tmp_path, fmt):
    # Stopped inside `import yaml` (as the site command's modules were imported), reporting
    # the stop looked the command up again to see if it takes --format json: that imported the
    # half-imported modules again, and the run ended on a traceback with exit 1.
    args = ("site", "build", "--audience", "governance", "--out", str(tmp_path / "out"), *fmt)
    proc = start(mini, args, hook, CASEBOOK_TEST_STOP_IN_IMPORT="yaml.cyaml")
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 143, err
    assert "Traceback" not in err
    if fmt:
        assert '"exit_code": 143' in out and err == ""
    else:
        assert_stopped(proc, signal.SIGTERM, err)
