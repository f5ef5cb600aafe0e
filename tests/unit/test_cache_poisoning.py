"""A cache committed in a pull request is never believed (issue 12, item 1; decision 25).

The attack: a pull request force-adds a cache mapping an unchanged case file's digest to a
different record, hoping that `check`, the register and the site read the record from the cache
instead of the file. The cache lives outside the work tree (store/cache.py), so nothing a pull
request commits is ever read as a cache.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from casebook.store import cache as cache_mod
from tests.conftest import FIXTURES, REPO, run_process

CASE = "cases/MC-2026-0001.yaml"
AS_OF = "2026-04-01"


def git(cwd: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Test",
        "GIT_AUTHOR_EMAIL": "test@example.org",
        "GIT_COMMITTER_NAME": "Test",
        "GIT_COMMITTER_EMAIL": "test@example.org",
    }
    done = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout


def poisoned_record(root: Path) -> str:
    """The real record with another service and person: what the attacker wants believed."""
    import yaml

    data = yaml.safe_load((root / CASE).read_text())
    data["service"] = "Poisoned Service"
    data["person"]["name"] = "Poisoned Name"
    return json.dumps(data, default=str)


def plant(root: Path) -> None:
    """Every cache layout casebook has used, in the tree, claiming the unchanged file."""
    digest = hashlib.sha256((root / CASE).read_bytes()).hexdigest()
    record = poisoned_record(root)
    legacy = root / ".casebook-cache"
    legacy.mkdir(exist_ok=True)
    entry = {
        "digest": digest,
        "id": "MC-2026-0001",
        "procedure": "mini",
        "case": record,
        "findings_key": "x",
        "findings": [],
    }
    from casebook import __version__

    (legacy / "cases.json").write_text(
        json.dumps({"version": f"{__version__}/2", "files": {CASE: entry}})
    )
    # And the current layout, as if the cache folder were inside the tree.
    db = sqlite3.connect(legacy / cache_mod.CACHE_NAME)
    db.executescript(cache_mod._SCHEMA)
    db.execute("INSERT INTO meta VALUES ('version', ?)", (cache_mod.CACHE_VERSION,))
    db.execute(
        "INSERT INTO files (rel, digest, case_id, procedure, record) VALUES (?, ?, ?, ?, ?)",
        (CASE, digest, "MC-2026-0001", "mini", record),
    )
    db.commit()
    db.close()


@pytest.fixture
def origin(tmp_path: Path) -> Path:
    root = tmp_path / "origin"
    shutil.copytree(FIXTURES / "mini", root)
    shutil.copytree(REPO / "site", root / "site")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "casebook")
    return root


def outputs(root: Path) -> tuple[str, str]:
    check = run_process("--root", root, "check", "--as-of", AS_OF, "--format", "json")
    register = run_process("--root", root, "register", "--as-of", AS_OF, "--format", "json")
    assert check.code in (0, 1) and register.code == 0, check.err + register.err
    return check.out, register.out


@pytest.mark.slow
def test_a_committed_cache_is_never_believed(origin: Path, tmp_path: Path) -> None:
    honest = outputs(origin)  # also fills the real cache of this clone
    # The pull request: the case file unchanged, a poisoned cache force-added beside it.
    git(origin, "checkout", "-qb", "pr")
    plant(origin)
    git(origin, "add", "-f", ".casebook-cache")
    git(origin, "commit", "-qm", "Tidy up")
    assert ".casebook-cache/cases.json" in git(origin, "ls-files")
    # CI: a fresh clone of the pull request, and the author's own clone, both ignore it.
    ci = tmp_path / "ci"
    git(tmp_path, "clone", "-q", "-b", "pr", str(origin), str(ci))
    for root in (ci, origin):
        check, register = outputs(root)
        assert "Poisoned" not in check + register
        assert json.loads(check)["findings"] == json.loads(honest[0])["findings"]
        assert json.loads(register) == json.loads(honest[1])
        assert "Planning" in register
    out = tmp_path / "site"
    res = run_process(
        "--root", ci, "site", "build", "--audience", "governance", "--as-of", AS_OF,
        "--out", out, "--no-letters",
    )  # fmt: skip
    assert res.code == 0, res.err
    pages = "".join(p.read_text() for p in out.rglob("*.html"))
    assert "Planning" in pages and "Poisoned" not in pages


def test_a_cache_folder_inside_the_casebook_is_refused(
    mini: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(mini / "cache"))
    assert cache_mod.cache_dir(mini) is None
    res = run_process("--root", mini, "check", "--as-of", AS_OF)
    assert res.code == 0, res.err
    assert not (mini / "cache").exists()
    monkeypatch.setenv("XDG_CACHE_HOME", str(mini.parent / "elsewhere"))
    folder = cache_mod.cache_dir(mini)
    assert folder is not None and mini not in folder.parents


def test_a_cached_record_the_models_no_longer_accept_is_read_again(
    mini: Path, cli: Callable[..., object]
) -> None:
    """A row written by other models (an older casebook from main, a damaged row) is not an
    internal error: the file itself is read (and the row's models digest keeps such rows out
    in the first place: CACHE_VERSION)."""
    from casebook.store.cache import CACHE_VERSION, cache_dir

    assert CACHE_VERSION.count("/") == 2  # version / layout / models digest
    first = cli("--root", mini, "register", "--as-of", "2026-04-01", "--format", "json")
    folder = cache_dir(mini)
    assert folder is not None
    db = sqlite3.connect(folder / "cache.sqlite")
    with db:
        changed = db.execute(
            "UPDATE files SET record = json_set(record, '$.no_such_field', 1)"
        ).rowcount
        db.execute("DELETE FROM runs")
    db.close()
    assert changed >= 1
    again = cli("--root", mini, "register", "--as-of", "2026-04-01", "--format", "json")
    assert (again.code, again.out) == (first.code, first.out)  # type: ignore[attr-defined]
    assert "internal error" not in again.err  # type: ignore[attr-defined]
