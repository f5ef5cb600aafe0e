"""Case files, policy files and templates are regular files inside the repository (issue 12,
item 1): a symlink (out of the repository, to /dev/zero, or to another record whose bytes
differ from the link's own git blob), a FIFO or a device is refused with a finding naming the
file, and nothing is read through it. Each test runs the real command on a copy of the mini
casebook; a FIFO that were opened would hang the test (it has a timeout via run_process)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from casebook.store import safefile
from tests.conftest import FIXTURES, run_process

CASE2 = "cases/MC-2026-0002.yaml"


@pytest.fixture
def book(tmp_path: Path) -> Path:
    root = tmp_path / "casebook"
    shutil.copytree(FIXTURES / "mini", root)
    return root


def check_json(root: Path) -> tuple[int, list[dict[str, object]]]:
    res = run_process("--root", root, "check", "--as-of", "2026-04-01", "--format", "json")
    return res.code, json.loads(res.out)["findings"]


def file_type(findings: list[dict[str, object]], rel: str) -> list[dict[str, object]]:
    return [f for f in findings if f["rule"] == "file-type" and f["file"] == rel]


@pytest.mark.parametrize(
    "target",
    ["/dev/zero", "/etc/hostname", "MC-2026-0001.yaml", "../policy/people.yaml"],
    ids=["dev-zero", "outside", "other-record", "policy-file"],
)
def test_symlinked_case_file_is_refused(book, target):
    os.symlink(target, book / CASE2)
    code, findings = check_json(book)
    assert code == 1
    (f,) = file_type(findings, CASE2)
    assert "symbolic link" in str(f["message"]) and "nothing was read" in str(f["message"])


def test_fifo_case_file_is_refused_without_opening_it(book):
    os.mkfifo(book / CASE2)
    code, findings = check_json(book)  # would block forever if the FIFO were opened
    assert code == 1
    (f,) = file_type(findings, CASE2)
    assert "FIFO" in str(f["message"])


def test_device_as_a_procedure_file_is_refused(book):
    os.symlink("/dev/null", book / "policy/procedures/other.yaml")
    code, findings = check_json(book)
    assert code == 2 and file_type(findings, "policy/procedures/other.yaml")  # policy: exit 2


def test_symlinked_people_file_is_refused(book, tmp_path):
    real = tmp_path / "people.yaml"
    shutil.move(book / "policy/people.yaml", real)
    os.symlink(real, book / "policy/people.yaml")
    code, findings = check_json(book)
    assert code in (1, 2) and file_type(findings, "policy/people.yaml")


def test_symlinked_cases_folder_is_refused(book, tmp_path):
    shutil.move(book / "cases", tmp_path / "elsewhere")
    (book / "cases").symlink_to(tmp_path / "elsewhere")
    code, findings = check_json(book)
    assert code == 1
    assert file_type(findings, "cases/MC-2026-0001.yaml")


def test_symlinked_letter_template_is_refused(book, tmp_path):
    tpl = book / "policy/letters/mini/stage-1-letter.md.j2"
    outside = tmp_path / "evil.md.j2"
    outside.write_text(tpl.read_text(encoding="utf-8"), encoding="utf-8")
    tpl.unlink()
    tpl.symlink_to(outside)
    res = run_process("--root", book, "letters", "--as-of", "2026-04-01", "--out", tmp_path / "o")
    assert res.code in (1, 2)
    assert "policy/letters/mini/stage-1-letter.md.j2" in res.out + res.err
    assert "symbolic link" in res.out + res.err
    assert "Traceback" not in res.err


def test_symlinked_published_text_is_refused(book):
    text = book / "policy/published/mini.txt"
    text.unlink()
    text.symlink_to("/dev/zero")
    code, findings = check_json(book)
    assert code in (1, 2)
    assert any(
        f["rule"] == "file-type" and "policy/published/mini.txt" in str(f["message"])
        for f in findings
    )


def test_read_bytes_refuses_dot_dot_through_a_link(book, tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "x.yaml").write_text("secret: 1\n", encoding="utf-8")
    (book / "cases" / "link").symlink_to(tmp_path / "out")
    with pytest.raises(safefile.UnsafeFile):
        safefile.read_bytes(book, book / "cases" / "link" / "x.yaml")
    with pytest.raises(safefile.UnsafeFile):
        safefile.read_bytes(book, book / "cases" / ".." / ".." / "out" / "x.yaml")
    assert safefile.read_bytes(book, book / "cases" / "MC-2026-0001.yaml").startswith(b"#")


def test_site_pages_with_a_symlink_are_refused(book, tmp_path):
    pages = book / "pages"
    pages.mkdir()
    (pages / "secret.md").symlink_to("/etc/hostname")
    with pytest.raises(safefile.UnsafeFile, match=r"pages/secret\.md"):
        safefile.copy_tree(book, pages, tmp_path / "copy")


def test_a_link_in_policy_that_no_loader_reads_is_not_followed(book):
    # The findings cache's key hashed every file under policy/ with read_bytes, following
    # links: a link nothing else reads crashed `check` with a traceback (/proc/self/mem: EIO),
    # or read whatever it pointed at (a huge file, another user's data).
    baseline, _ = check_json(book)
    (book / "policy/notes.txt").symlink_to("/proc/self/mem")
    (book / "policy/loop").symlink_to("..")
    res = run_process("--root", book, "check", "--as-of", "2026-04-01", "--format", "json")
    assert "Traceback" not in res.err
    assert res.code == baseline


def test_the_findings_cache_key_covers_the_rules_in_every_layer():
    from casebook.store.cases import code_files

    names = {p.relative_to(p.parents[1]).as_posix() for p in code_files()}
    # The key once hashed only store/*.py: a changed rule in check/ served stale findings.
    assert {"check/run.py", "engine/replay.py", "store/cases.py"} <= names
