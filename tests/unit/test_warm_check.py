"""A warm `check` (issue 14): the memo of the last run and the stat-first cache key must never
give a stale answer. Each test changes an input and shows the next run sees it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from casebook.cli import check as check_cli

AS_OF = ("--as-of", "2026-04-01")
CASE = "cases/MC-2026-0001.yaml"


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records each real run (not a replay from the memo)."""
    seen: list[str] = []
    real = check_cli._run

    def counted(root: Path, *args: object) -> tuple[int, str, list[str]]:
        seen.append(str(root))
        return real(root, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(check_cli, "_run", counted)
    return seen


def _check(cli, root: Path, *extra: str):  # type: ignore[no-untyped-def]
    res = cli("--root", root, "check", *AS_OF, "--format", "json", *extra)
    assert res.code in (0, 1), res.err
    return res


def test_nothing_changed_replays_the_same_output(cli, mini, runs):
    first = _check(cli, mini)
    second = _check(cli, mini)
    assert len(runs) == 1  # the second answer came from the memo
    assert second.out == first.out and second.code == first.code
    # Other options are another run; --no-cache always runs.
    _check(cli, mini, "--no-deadlines")
    _check(cli, mini, "--no-cache")
    assert len(runs) == 3


def test_an_edit_of_the_same_size_is_seen(cli, mini, runs):
    path = mini / CASE
    first = json.loads(_check(cli, mini).out)
    assert first["ok"], first
    text = path.read_text()
    # Same length, other person: the referral's officer becomes unknown (a reference error).
    edited = text.replace("by: mgr-amber\n  capacity", "by: mgr-zzzzz\n  capacity", 1)
    assert len(edited) == len(text) and edited != text
    st = path.stat()
    path.write_text(edited)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # even with its old mtime put back
    after = json.loads(_check(cli, mini).out)
    assert len(runs) == 2
    assert not after["ok"] and any("mgr-zzzzz" in f["message"] for f in after["findings"])


def test_a_new_case_file_and_a_policy_change_are_seen(cli, mini, runs):
    before = json.loads(_check(cli, mini).out)
    (mini / "cases/MC-2026-0002.yaml").write_text((mini / CASE).read_text())
    after = json.loads(_check(cli, mini).out)
    assert after["cases"] == before["cases"] + 1
    assert any(f["rule"] == "file-name" for f in after["findings"])
    people = mini / "policy/people.yaml"
    people.write_text(people.read_text() + "\n# a comment\n")
    _check(cli, mini)
    assert len(runs) == 3


def test_a_ledger_is_an_input(cli, mini, runs):
    # Ledgers must lie inside policy/ (store.paths); the memo also stamps them by name.
    (mini / "policy/deletion-log.yaml").write_text("purged: []\n")
    first = json.loads(_check(cli, mini).out)
    assert not any(f["rule"] == "purged-id" for f in first["findings"]), first
    log = (
        "purged:\n  - {id: MC-2026-0001, purged: 2026-03-30, by: mgr-amber, "
        "reason: retention period ended}\n"
    )
    (mini / "policy/deletion-log.yaml").write_text(log)
    second = json.loads(_check(cli, mini).out)
    assert len(runs) == 2
    assert any(f["rule"] in ("purged-id", "deletion-log") for f in second["findings"]), second


def test_a_touched_file_is_read_again_once(cli, mini):
    from casebook.store.cache import open_cache
    from casebook.store.cases import load

    _check(cli, mini)
    path = mini / CASE
    path.write_bytes(path.read_bytes())  # same bytes, new times
    book, _ = load(mini)
    assert book is not None and book.files[0].valid
    cache = open_cache(mini)
    assert cache is not None
    from casebook.store.cache import stat_key

    assert cache.by_stat(CASE, stat_key(path.stat())) == book.files[0].digest


def test_nothing_changed_builds_no_model(mini: Path, tmp_path: Path) -> None:
    """The memo's answer needs no pydantic model: a repeated `check` in a new process imports
    none (building them was most of its time; issue 14), and says the same as the first."""
    import subprocess
    import sys

    probe = (
        "import atexit, runpy, sys\n"
        "atexit.register(lambda: print('models:', sorted(m for m in sys.modules if "
        "m.startswith('casebook.model.') and m != 'casebook.model.findings')"
        " or 'pydantic' in sys.modules, file=sys.stderr))\n"
        "sys.argv = ['casebook', *sys.argv[1:]]\n"
        "runpy.run_module('casebook', run_name='__main__')\n"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    cmd = [sys.executable, "-c", probe, "--root", str(mini), "check", *AS_OF]
    first = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    second = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    assert first.returncode in (0, 1) and second.returncode == first.returncode, first.stderr
    assert second.stdout == first.stdout
    assert "models: ['casebook.model." in first.stderr  # the first run validated the files
    assert second.stderr.strip().endswith("models: False"), second.stderr
