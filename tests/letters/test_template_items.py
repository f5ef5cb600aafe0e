"""Rule ``letter-template``: a letter template without the block of an item its procedure
requires stops ``casebook check``, before any letter is due. The items filled from the case's
mandatory fields or from the template's own words (statutory rights, the referral's account)
can never be missing from a case, so this is the case that breaks them: a template that drops
them."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from casebook.check.run import run_check
from tests.conftest import REPO

# breaks: managed-contact letters.stage-1-letter.required[service-impact]
# breaks: managed-contact letters.stage-1-letter.required[statutory-rights]
DROPS = [
    (
        "managed-contact/stage-1-letter.md.j2",
        '{% include "_parts/impact.md.j2" %}',
        "service-impact",
    ),
    (
        "managed-contact/stage-1-letter.md.j2",
        '{% include "_parts/rights.md.j2" %}',
        "statutory-rights",
    ),
]


@pytest.mark.parametrize(("template", "line", "item"), DROPS, ids=[d[2] for d in DROPS])
def test_a_template_without_a_required_item_fails_check(
    tmp_path: Path, template: str, line: str, item: str
) -> None:
    root = tmp_path / "book"
    shutil.copytree(REPO / "policy", root / "policy")
    (root / "cases").mkdir()
    path = root / "policy" / "letters" / template
    text = path.read_text(encoding="utf-8")
    assert line in text
    clean = run_check(root, date(2026, 11, 23), use_cache=False)
    assert not [f for f in clean.findings if f.rule == "letter-template"]
    path.write_text(text.replace(line, ""), encoding="utf-8")
    report = run_check(root, date(2026, 11, 23), use_cache=False)
    found = [f for f in report.findings if f.rule == "letter-template" and f.severity == "error"]
    assert any(item in f.message and f.file == f"policy/letters/{template}" for f in found), [
        f.as_text() for f in report.findings
    ]
