"""A YAML file under cases/ that casebook would not read (in a sub-folder, or named .yml) is an
error naming it, not a case that silently drops out of every command (found by an outside
review: a case moved to cases/sub/ vanished from `check` and from the site)."""

from __future__ import annotations

import shutil
from pathlib import Path

from casebook.store.cases import unread_case_files


def test_a_case_in_a_sub_folder_or_named_yml_is_an_error(demo: Path, cli) -> None:  # type: ignore[no-untyped-def]
    cases = demo / "cases"
    first, second = sorted(cases.glob("*.yaml"))[:2]
    (cases / "2026").mkdir()
    shutil.move(first, cases / "2026" / first.name)
    second.rename(second.with_suffix(".yml"))
    (cases / "README.md").write_text("Case files go here.\n", encoding="utf-8")
    (cases / ".gitkeep").write_text("", encoding="utf-8")

    found = unread_case_files(demo)
    assert [(f.file, f.rule, f.severity) for f in found] == [
        (f"cases/{second.stem}.yml", "file-name", "error"),
        (f"cases/2026/{first.name}", "file-name", "error"),
    ]
    assert f"move it to cases/{first.name}" in found[1].message

    result = cli("--root", demo, "check", "--as-of", "2026-11-23")
    assert result.code == 1
    assert f"cases/2026/{first.name} is not read" in result.out
    assert f"cases/{second.stem}.yml is not read" in result.out


def test_the_demo_has_none(demo: Path) -> None:
    assert unread_case_files(demo) == []


def test_case_files_are_what_glob_finds_in_the_same_order(tmp_path):
    """``case_files`` sorts names as strings; the result is ``sorted(glob("*.yaml"))``."""
    from casebook.store.reader import case_files

    cases = tmp_path / "cases"
    cases.mkdir()
    names = ["b.yaml", "A.yaml", "a.yaml", ".hidden.yaml", "x.YAML", "y.yml", "é.yaml", "0.yaml"]
    names += ["MC-2026-0010.yaml", "MC-2026-0002.yaml", "z.yaml.bak", "_.yaml"]
    for name in names:
        (cases / name).write_text("x", encoding="utf-8")
    (cases / "dir.yaml").mkdir()
    assert case_files(tmp_path) == sorted(cases.glob("*.yaml"))
    assert [p.name for p in case_files(tmp_path)][:3] == [".hidden.yaml", "0.yaml", "A.yaml"]
