"""Every path in policy/ is confined (issue 16, item 4): `check` reports it, the reader refuses.

Each attack points a policy path at a secret file outside the casebook: with ``..``, as an
absolute path, or through a symbolic link. `casebook check` names file, line and field; the
code that would read the file refuses too (a casebook that skipped `check` is still safe).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from casebook.check.loading import load as load_book
from casebook.errors import ConfigError
from casebook.publish.letters import render_letters
from casebook.publish.letters.render import Renderer, published_text
from casebook.publish.letters.templates import make_env
from casebook.publish.site.procedures import published_text as site_published_text
from casebook.publish.templating import ConfinedLoader, TemplateRefused
from casebook.store.paths import PathMissing, PathRefused, confined

from .helpers import ALLITEMS_CASE, copy_fixture, edit, load

SECRET = "TOPSECRET-9c1d"
PROC = "policy/procedures/allitems.yaml"


@pytest.fixture
def book_root(tmp_path: Path) -> Path:
    return copy_fixture("allitems", tmp_path)


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "outside" / "secret.txt"
    path.parent.mkdir()
    path.write_text(f"{SECRET}\n", encoding="utf-8")
    return path


def _findings(root: Path) -> list[str]:
    _, findings = load_book(root, use_cache=False)
    return [f.as_text() for f in findings if f.severity == "error"]


def _book_with(root: Path, text: str):
    """The casebook as loaded from a clean copy, its procedure's ``text:`` set to ``text``."""
    book = load(copy_fixture("allitems", root.parent / "clean"))
    book.root = root
    proc = book.policy.procedures["allitems"]
    book.policy.procedures["allitems"] = proc.model_copy(update={"text": text})
    return book


def _text_line(root: Path) -> int:
    lines = (root / PROC).read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if line.startswith("text:"))


def test_text_dot_dot_prints_no_file_into_the_enclosure(book_root, secret):
    # policy/published/ + ../../../outside/secret.txt is the secret file: today's attack.
    edit(book_root / PROC, "text: allitems.txt", "text: ../../../outside/secret.txt")
    assert (book_root / "policy/published/../../../outside/secret.txt").resolve() == secret
    errors = _findings(book_root)
    line = _text_line(book_root)
    assert any(e.startswith(f"{PROC}:{line}") and "'..'" in e and "text" in e for e in errors), (
        errors
    )
    # The reading code refuses on its own: a book loaded before the edit, given the new path.
    book = _book_with(book_root, "../../../outside/secret.txt")
    proc = book.policy.procedures["allitems"]
    assert published_text(book_root, proc) is None
    assert site_published_text(book_root, proc) is None
    with pytest.raises(ConfigError, match=r"goes outside policy/published/ with '\.\.'"):
        Renderer(book).enclosure("allitems", "md")


@pytest.mark.parametrize("how", ["absolute", "link", "linked-folder"])
def test_text_absolute_or_through_a_link_is_refused(book_root, secret, how):
    published = book_root / "policy/published"
    value = "allitems.txt"
    if how == "absolute":
        value = str(secret)
        expect = "is absolute"
    elif how == "link":
        (published / "allitems.txt").unlink()
        (published / "allitems.txt").symlink_to(secret)
        expect = "symbolic link"
    else:
        (published / "sub").symlink_to(secret.parent, target_is_directory=True)
        value = "sub/secret.txt"
        expect = "symbolic link"
    edit(book_root / PROC, "text: allitems.txt", f"text: {value}")
    errors = _findings(book_root)
    assert any(e.startswith(f"{PROC}:") and expect in e for e in errors), errors
    book = _book_with(book_root, value)
    assert published_text(book_root, book.policy.procedures["allitems"]) is None
    with pytest.raises(ConfigError, match=expect):
        Renderer(book).enclosure("allitems", "md")


@pytest.mark.parametrize(
    ("template", "expect"),
    [
        ("../../../outside/secret.txt", "'..'"),
        ("ABSOLUTE", "is absolute"),
    ],
)
def test_letter_template_path_is_confined(book_root, secret, template, expect):
    value = str(secret) if template == "ABSOLUTE" else template
    edit(
        book_root / PROC,
        "  monitoring-letter:\n    title: Monitoring letter\n",
        f"  monitoring-letter:\n    title: Monitoring letter\n    template: {value}\n",
    )
    errors = _findings(book_root)
    assert any(
        e.startswith(f"{PROC}:") and "template refused" in e and expect in e for e in errors
    ), errors


@pytest.mark.parametrize(
    "tag",
    [
        '{% include "../../../outside/secret.txt" %}',
        '{% include "ABSOLUTE" %}',
        '{% import "../../../outside/secret.txt" as x %}',
        '{% from "../../../outside/secret.txt" import y %}',
        '{% include "linked.md.j2" %}',
    ],
)
def test_partials_are_confined(book_root, secret, tag):
    letters = book_root / "policy/letters"
    (letters / "linked.md.j2").symlink_to(secret)
    edit(
        letters / "_base.md.j2",
        "{% block body %}",
        tag.replace("ABSOLUTE", str(secret)) + "\n{% block body %}",
    )
    errors = _findings(book_root)
    assert any("template refused" in e for e in errors), errors
    # Render with the hostile folder: the loader refuses, the secret is never printed.
    book = _book_with(book_root, "allitems.txt")
    with pytest.raises(ConfigError, match="template refused") as info:
        render_letters(book, ALLITEMS_CASE, "md")
    assert SECRET not in str(info.value)


def test_loader_refuses_what_jinjas_filesystem_loader_allows(book_root, secret):
    env = make_env(book_root)
    loader = env.loader
    assert isinstance(loader, ConfinedLoader)
    # jinja2.FileSystemLoader would read <folder>/etc/... for "/etc/..." and follow links.
    for name in (str(secret), "../x", "a/../../x", "a\\..\\x"):
        with pytest.raises(TemplateRefused):
            env.get_template(name)
    assert env.get_template("_base.md.j2") is not None


def test_letterhead_files_through_links_are_refused(book_root, secret):
    head = book_root / "policy/letterhead"
    (head / "letter.css").unlink()
    (head / "letter.css").symlink_to(secret)
    errors = _findings(book_root)
    assert any(
        e.startswith("policy/letterhead/letter.css") and "symbolic link" in e for e in errors
    ), errors
    with pytest.raises(ConfigError, match="symbolic link"):
        render_letters(_book_with(book_root, "allitems.txt"), ALLITEMS_CASE, "html")
    (head / "letter.css").unlink()
    (head / "letterhead.yaml").rename(book_root.parent / "outside" / "letterhead.yaml")
    (head / "letterhead.yaml").symlink_to(book_root.parent / "outside" / "letterhead.yaml")
    errors = _findings(book_root)
    assert any(
        e.startswith("policy/letterhead/letterhead.yaml") and "symbolic link" in e for e in errors
    ), errors


def test_settings_ledger_paths_are_confined_to_policy(book_root, secret):
    settings = book_root / "policy/settings.yaml"
    settings.write_text(
        "council: Test Council\ndeletion_log: policy/../../outside/secret.txt\n"
        f"log_reviews: {secret}\n",
        encoding="utf-8",
    )
    errors = _findings(book_root)
    assert any(
        e.startswith("policy/settings.yaml:2") and "'..'" in e and "deletion_log" in e
        for e in errors
    ), errors
    assert any(
        e.startswith("policy/settings.yaml:3") and "inside policy/" in e and "log_reviews" in e
        for e in errors
    ), errors


def test_policy_files_through_links_are_refused(book_root, tmp_path):
    people = book_root / "policy/people.yaml"
    moved = tmp_path / "outside-people.yaml"
    people.rename(moved)
    people.symlink_to(moved)
    errors = _findings(book_root)
    assert any(e.startswith("policy/people.yaml") and "symbolic link" in e for e in errors), errors


def test_confined_rules(tmp_path):
    (tmp_path / "policy/published").mkdir(parents=True)
    (tmp_path / "policy/published/a.txt").write_text("a", encoding="utf-8")
    (tmp_path / "policy/published/dir").mkdir()
    assert confined(tmp_path, "policy/published", "a.txt").name == "a.txt"
    assert confined(tmp_path, "policy/published", "./a.txt").name == "a.txt"
    for bad, why in [
        ("", "empty"),
        ("/etc/passwd", "absolute"),
        ("C:/x", "absolute"),
        ("~/x", "absolute"),
        ("..\\x", "backslash"),
        ("x/../a.txt", "'..'"),
        ("dir", "not a regular file"),
    ]:
        with pytest.raises(PathRefused, match=why):
            confined(tmp_path, "policy/published", bad)
    with pytest.raises(PathMissing):
        confined(tmp_path, "policy/published", "b.txt")
