"""`casebook letters` on the command line: folders, drafts, failures, exit codes."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import TOOLING

from .helpers import ALLITEMS_CASE, copy_fixture, edit

CASE = f"cases/{ALLITEMS_CASE}.yaml"


def test_writes_each_case_folder_and_the_enclosure(cli, tmp_path):
    root = copy_fixture("allitems", tmp_path)
    out = tmp_path / "out"
    res = cli("--root", root, "letters", "--format", "md", "--out", out)
    assert res.code == 0, res.err
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.md")) == [
        f"{ALLITEMS_CASE}/2026-01-13-monitoring-letter.md",
        f"{ALLITEMS_CASE}/2026-04-13-sanction-letter.md",
        f"{ALLITEMS_CASE}/2026-10-13-thank-you-letter.md",
        "enclosures/allitems.md",
    ]
    assert (
        "A fixture procedure that requires every letter item"
        in (out / "enclosures/allitems.md").read_text()
    )
    assert "Sam Sample" not in res.out + res.err  # case ids and counts only
    # Run again: the case folder is replaced whole (a stale file does not survive).
    (out / ALLITEMS_CASE / "stale.md").write_text("old")
    assert cli("--root", root, "letters", "--format", "md", "--out", out).code == 0
    assert not (out / ALLITEMS_CASE / "stale.md").exists()


def test_pending_letters_are_drafted(cli, tmp_path):
    root = copy_fixture("allitems", tmp_path)
    edit(
        root / CASE,
        "  - {date: 2026-10-13, type: letter, letter: thank-you-letter, by: cro-cam, via: email}\n",
        "",
    )
    out = tmp_path / "out"
    res = cli(
        "--root", root, "letters", "--pending", "--as-of", "2026-10-14", "--format", "md",
        "--out", out,
    )  # fmt: skip
    assert res.code == 0, res.err
    draft = out / ALLITEMS_CASE / "2026-10-14-thank-you-letter-draft.md"
    assert "14 October 2026" in draft.read_text()


def test_a_case_without_mandatory_content_fails_but_others_are_written(cli, tmp_path):
    root = copy_fixture("allitems", tmp_path)
    other = (root / CASE).read_text().replace("AI-2026-0001", "AI-2026-0002")
    (root / "cases/AI-2026-0002.yaml").write_text(
        other.replace(
            "      - {type: spoc, officer: cro-cam}\n      - {type: channels",
            "      - {type: channels",
            1,
        )
    )
    out = tmp_path / "out"
    res = cli("--root", root, "letters", "--format", "md", "--out", out)
    assert res.code == 1
    assert "AI-2026-0002" in res.err and "spoc" in res.err
    assert (out / ALLITEMS_CASE).is_dir() and not (out / "AI-2026-0002").exists()


def test_refuses_a_folder_it_did_not_make(cli, tmp_path):
    root = copy_fixture("allitems", tmp_path)
    mine = tmp_path / "documents"
    mine.mkdir()
    (mine / "thesis.txt").write_text("precious")
    res = cli("--root", root, "letters", "--out", mine)
    assert res.code == 2 and "not made by casebook" in res.err
    assert (mine / "thesis.txt").read_text() == "precious"


def test_unknown_case_is_a_usage_error(cli, tmp_path):
    root = copy_fixture("allitems", tmp_path)
    res = cli("--root", root, "letters", "AI-2099-0001", "--out", tmp_path / "out")
    assert res.code == 2 and "no case 'AI-2099-0001'" in res.err
    assert not (tmp_path / "out").exists()


def test_pdf_without_weasyprint_says_how_and_leaves_no_folder(tmp_path):
    """A real process in which WeasyPrint cannot be imported (as after the README's first
    command, which installs without the pdf extra)."""
    root = copy_fixture("allitems", tmp_path)
    blocker = tmp_path / "no-weasyprint" / "weasyprint"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text('raise ImportError("No module named weasyprint")\n')
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(blocker.parent), str(TOOLING)])}
    out = tmp_path / "out"

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "casebook", "--root", str(root), "letters", *args],
            env=env, capture_output=True, text=True, timeout=300,
        )  # fmt: skip

    res = run("--format", "pdf", "--out", str(out))
    assert res.returncode == 2, res.stderr
    assert "pip install -e '.[pdf]'" in res.stderr and "Traceback" not in res.stderr
    assert not out.exists()
    assert not (root / "out").exists()
    # The default format works on the same install.
    res = run("--out", str(out))
    assert res.returncode == 0, res.stderr
    written = sorted(p.suffix for p in (out / ALLITEMS_CASE).iterdir())
    assert written and set(written) == {".html"}


def test_a_letterhead_syntax_error_stops_the_run_once_with_its_line(cli, tmp_path):
    # Found by the sweep: a syntax error in letter.html.j2 was reported once per case, without
    # its line, and the run ended with exit 1 (a finding) instead of 2 (configuration).
    root = copy_fixture("allitems", tmp_path)
    other = (root / CASE).read_text().replace("AI-2026-0001", "AI-2026-0002")
    (root / "cases/AI-2026-0002.yaml").write_text(other)
    head = root / "policy/letterhead/letter.html.j2"
    lines = head.read_text().count("\n")
    with head.open("a") as f:
        f.write("{{ title( }}\n")
    out = tmp_path / "out"
    res = cli("--root", root, "letters", "--format", "html", "--out", out)
    assert res.code == 2, res.err
    assert res.err.count("letter.html.j2") == 1, res.err
    assert f"policy/letterhead/letter.html.j2:{lines + 1}:" in res.err
    assert not out.exists()  # nothing is made before the letterhead is known good
    # Markdown letters do not use the letterhead: they are still written.
    assert cli("--root", root, "letters", "--format", "md", "--out", out).code == 0
