"""Data-driven acceptance tests: each file under <rule>/{good,bad}/ is one case.

A case file is checked against the repository's own policy/ (every procedure in policy/procedures/),
with ``<rule>/policy/`` laid over it where a rule needs a fixture procedure (``appeal/``).
Header comments say what to expect:

    # as-of: 2026-06-01                      check date (default 2026-11-23)
    # expect: approval events[0].decided_by  an error of this rule on this field (bad files)
    # expect-warning: prior-step events[0].to
    # file: MC-2026-0002.yaml                name to give the file in cases/ (default: its id)
    # expect-text: item 'spoc'               an error's message says this (which letter item)
    # breaks: <procedure> <key>              the procedure key the case breaks (traceability),
                                             e.g. letters.stage-1-letter.required[spoc]

A good file must produce no findings at all (unless it lists expect-warning lines); a bad file
must produce exactly the errors it lists. A new case is a new file.
"""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import pytest

from casebook.check.run import run_check

HERE = Path(__file__).parent
REPO = HERE.parents[1]
FILES = sorted([*HERE.glob("*/good/*.yaml"), *HERE.glob("*/bad/*.yaml")])
HEADER = re.compile(r"^#\s*(as-of|expect|expect-warning|expect-text|file):\s*(.+?)\s*$", re.M)


def _header(text: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, value in HEADER.findall(text):
        out.setdefault(key, []).append(value)
    return out


def _pairs(values: list[str]) -> set[tuple[str, str | None]]:
    pairs: set[tuple[str, str | None]] = set()
    for v in values:
        rule, _, field = v.partition(" ")
        pairs.add((rule, field or None))
    return pairs


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(HERE)) for p in FILES])
def test_acceptance(path: Path, tmp_path: Path) -> None:
    kind = path.parent.name
    text = path.read_text(encoding="utf-8")
    head = _header(text)
    root = tmp_path / "book"
    shutil.copytree(REPO / "policy", root / "policy")
    fixture = path.parents[1] / "policy"
    if fixture.is_dir():
        shutil.copytree(fixture, root / "policy", dirs_exist_ok=True)
    (root / "cases").mkdir()
    m = re.search(r"^id:\s*(\S+)", text, re.M)
    name = head.get("file", [f"{m.group(1) if m else 'XX-0000-0000'}.yaml"])[0]
    (root / "cases" / name).write_text(text, encoding="utf-8")
    as_of = date.fromisoformat(head.get("as-of", ["2026-11-23"])[0])

    report = run_check(root, as_of, use_cache=False)
    errors = {(f.rule, f.field) for f in report.findings if f.severity == "error"}
    warnings = {(f.rule, f.field) for f in report.findings if f.severity == "warning"}
    shown = "\n".join(f.as_text() for f in report.findings)

    if kind == "good":
        assert not head.get("expect"), f"{path}: a good file cannot expect errors"
        assert errors == set(), shown
    else:
        assert head.get("expect"), f"{path}: a bad file must list what it expects"
        assert errors == _pairs(head["expect"]), shown
    assert warnings == _pairs(head.get("expect-warning", [])), shown
    # Several items of one letter fail at one field: the message names which one.
    said = [f.message for f in report.findings if f.severity == "error"]
    for text in head.get("expect-text", []):
        assert any(text in m for m in said), f"no error says {text!r}:\n{shown}"
    for f in report.findings:
        assert f.file == f"cases/{name}" and f.line is not None, f
