"""001: "Staff members should always refer behaviours which they believe are unacceptable to
their line manager": a capacity with ``by_line_manager`` needs the referral's ``by`` to be the
``line_manager`` (policy/people.yaml) of whoever raised it (``referral.reported_by``)."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

from casebook.check.run import run_check
from tests.conftest import REPO

GOOD = REPO / "tests/acceptance/referral-by/good/staff-referral-through-line-manager.yaml"
AS_OF = date(2026, 9, 25)


def _book(tmp_path: Path, case_text: str, people_edit: tuple[str, str] | None = None) -> Path:
    root = tmp_path / "book"
    shutil.copytree(REPO / "policy", root / "policy")
    if people_edit:
        people = root / "policy" / "people.yaml"
        text = people.read_text(encoding="utf-8")
        assert people_edit[0] in text
        people.write_text(text.replace(people_edit[0], people_edit[1], 1), encoding="utf-8")
    (root / "cases").mkdir()
    (root / "cases" / "CCM-2026-0101.yaml").write_text(case_text, encoding="utf-8")
    return root


def _errors(root: Path) -> list[tuple[str, str | None, str, str | None]]:
    report = run_check(root, AS_OF, use_cache=False)
    return [(f.rule, f.field, f.message, f.file) for f in report.findings if f.severity == "error"]


def test_the_line_managers_referral_passes(tmp_path):
    assert _errors(_book(tmp_path, GOOD.read_text(encoding="utf-8"))) == []


def test_a_reporter_without_a_line_manager_is_an_error(tmp_path):
    root = _book(
        tmp_path,
        GOOD.read_text(encoding="utf-8"),
        ("    line_manager: mgr-kowalczyk\n", ""),
    )
    [(rule, field, message, file)] = _errors(root)
    assert (rule, field, file) == ("referral-by", "referral.by", "cases/CCM-2026-0101.yaml")
    assert "policy/people.yaml gives no line_manager for them" in message


def test_a_referral_that_names_nobody_who_raised_it_is_an_error(tmp_path):
    text = GOOD.read_text(encoding="utf-8").replace("  reported_by: staff-lewis\n", "")
    [(rule, field, message, _)] = _errors(_book(tmp_path, text))
    assert (rule, field) == ("referral-by", "referral.by")
    assert "referral.reported_by" in message


def test_a_line_manager_who_is_nobody_is_a_policy_error(tmp_path):
    root = _book(
        tmp_path,
        GOOD.read_text(encoding="utf-8"),
        ("line_manager: mgr-kowalczyk", "line_manager: mgr-nobody"),
    )
    found = [e for e in _errors(root) if e[3] == "policy/people.yaml"]
    assert found and "line_manager 'mgr-nobody' is not a person in this file" in found[0][2]
