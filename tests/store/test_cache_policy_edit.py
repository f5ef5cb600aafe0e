"""A policy/ file edited while a command runs never leaves cached results under the wrong key.

The record cache keeps findings, site results and letters under ``store.cases.fingerprint``,
a digest of policy/'s bytes read at one moment; what they are made from is policy/ as read at
others (the procedures and people when the run starts, a template when the rules parse it).
Each test edits a file between two such reads, as an editor or a ``git checkout`` in another
window would, then shows the next run gives what a run without the cache gives.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from casebook.store import cases
from tests.conftest import REPO

AS_OF = ("--as-of", "2026-04-01")
PEOPLE = "policy/people.yaml"
TEMPLATE = "policy/letters/mini/stage-1-letter.md.j2"


def _edit_people(root: Path) -> None:
    """Rename the person the case names as its single point of contact."""
    path = root / PEOPLE
    text = path.read_text(encoding="utf-8")
    assert text.count("{id: mgr-basil, name: Basil Manager") == 1
    path.write_text(
        text.replace("{id: mgr-basil, name: Basil Manager", "{id: mgr-basil2, name: Basil Newname"),
        encoding="utf-8",
    )


def _check(cli, root: Path, *extra: str):
    res = cli("--root", root, "check", *AS_OF, *extra)
    return res.code, res.out


def test_an_edit_after_policy_is_read_is_not_cached_under_the_new_key(cli, mini, monkeypatch):
    """The procedures and people read, then the file edited, then the key (the fingerprint)
    taken from the new bytes: the findings of the old people must not be kept under it."""
    real = cases.load_policy

    def read_then_edit(root: Path):
        got = real(root)
        _edit_people(root)
        return got

    monkeypatch.setattr(cases, "load_policy", read_then_edit)
    first = _check(cli, mini)
    assert "unknown person 'mgr-basil'" not in first[1]  # judged by the people as read
    monkeypatch.setattr(cases, "load_policy", real)
    fresh = _check(cli, mini, "--no-cache")
    assert "unknown person 'mgr-basil'" in fresh[1]
    assert _check(cli, mini) == fresh  # not the findings of the people before the edit


def test_an_edit_after_the_key_is_taken_is_not_cached_under_the_old_key(cli, mini, monkeypatch):
    """The key taken, then a template edited before the rules parse it, then the edit undone
    (a branch checked out and back): the findings of the edited template must not come back
    under the key of the original bytes."""
    path = mini / TEMPLATE
    original = path.read_bytes()
    real = cases.fingerprint

    def key_then_edit(root: Path) -> str:
        got = real(root)
        path.write_bytes(original + b"\nStray words after the last block.\n")
        return got

    monkeypatch.setattr(cases, "fingerprint", key_then_edit)
    first = _check(cli, mini)
    assert "text outside {% block %}" in first[1]  # the rules read the edited template
    monkeypatch.setattr(cases, "fingerprint", real)
    path.write_bytes(original)
    fresh = _check(cli, mini, "--no-cache")
    assert "text outside" not in fresh[1]
    assert _check(cli, mini) == fresh  # not the findings of the edited template


@pytest.fixture
def book(mini: Path) -> Path:
    shutil.copytree(REPO / "site", mini / "site")
    return mini


def _page(root: Path, out: Path) -> str:
    return (out / "cases" / "MC-2026-0001" / "index.html").read_text(encoding="utf-8")


def test_the_next_governance_build_is_not_stale(cli, book, tmp_path, monkeypatch):
    """The site results cache (decision 30) is keyed by the same fingerprint: a build whose
    people were read before an edit must not hand its pages to the next build."""
    args = ("site", "build", "--audience", "governance", *AS_OF)
    real = cases.load_policy

    def read_then_edit(root: Path):
        got = real(root)
        path = root / PEOPLE
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("Basil Manager", "Basil Newname"), encoding="utf-8")
        return got

    monkeypatch.setattr(cases, "load_policy", read_then_edit)
    out = tmp_path / "first"
    assert cli("--root", book, *args, "--out", out).code == 0
    assert "Basil Manager" in _page(book, out)  # built from the people as read
    monkeypatch.setattr(cases, "load_policy", real)
    out = tmp_path / "second"
    res = cli("--root", book, *args, "--out", out)
    assert res.code == 0, res.err
    page = _page(book, out)
    assert "Basil Newname" in page and "Basil Manager" not in page


def test_a_letter_is_rendered_from_the_template_as_checked(tmp_path, monkeypatch):
    """The stray-text and item checks parse the template, then Jinja compiles it to render:
    two reads. An edit between them would render text no check saw (here: words outside the
    blocks, which Jinja drops without a word). One environment reads each file once."""
    from casebook.publish.letters import templates

    letters = tmp_path / "policy" / "letters"
    letters.mkdir(parents=True)
    (letters / "_base.md.j2").write_text("# Letter\n{% block body %}{% endblock %}\n")
    child = letters / "child.md.j2"
    child.write_text('{% extends "_base.md.j2" %}\n{% block body %}Checked.{% endblock %}\n')
    real = templates._template_facts

    def facts_then_edit(env, name):
        got = real(env, name)
        if name == "child.md.j2":
            child.write_text(
                '{% extends "_base.md.j2" %}\n{% block body %}Unchecked.{% endblock %}\nLost.\n'
            )
        return got

    monkeypatch.setattr(templates, "_template_facts", facts_then_edit)
    env = templates.make_env(tmp_path)
    text = templates.render_markdown(env, "child.md.j2", {}, [], {}, {}, "a letter").text
    assert "Checked." in text and "Unchecked." not in text


def test_the_stamps_see_a_file_in_a_subfolder_of_the_code(tmp_path: Path) -> None:
    # The code is stamped from its own folder (rel ""): a file edited in one of its subfolders
    # (casebook/publish/letters/letterhead.py) must change the stamp, or `casebook check` gives
    # the output of the code before the edit, and the cache commits results under the old code.
    import hashlib

    from casebook.store.cache import walk_stamp

    code = tmp_path / "code"
    (code / "publish" / "letters").mkdir(parents=True)
    module = code / "publish" / "letters" / "letterhead.py"
    module.write_text("A = 1\n")

    def stamp() -> str:
        h = hashlib.sha256()
        walk_stamp(code, "", h)
        return h.hexdigest()

    before = stamp()
    module.write_text("A = 22\n")
    assert stamp() != before
