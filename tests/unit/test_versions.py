"""Procedure versions (``versions:``): which version is in force on a day, what a version
replaces, and the policy checks that hold each version to the procedure's ids."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from casebook.check.run import run_check
from casebook.model.procedure import Procedure

REPO = Path(__file__).parents[2]
FIXTURE = REPO / "tests/acceptance/version/policy/procedures/restrict-contact-versions.yaml"


def _raw() -> dict[str, object]:
    data = yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_version_in_force_by_date() -> None:
    proc = Procedure.model_validate(_raw())
    before, on = proc.at(date(2026, 9, 30)), proc.at(date(2026, 10, 1))
    assert before is proc and before.version == "2024"
    assert on.version == "2026" and on.versions == []
    assert before.states["restricted"].review is not None
    assert before.states["restricted"].review.every.months == 6
    assert on.states["restricted"].review is not None
    assert on.states["restricted"].review.every.months == 3
    # Replaced: the letter's title and the transitions; kept: everything else.
    assert on.letters["restriction-letter"].title != before.letters["restriction-letter"].title
    assert on.letters["warning-letter"] == before.letters["warning-letter"]
    t = on.transition("warned", "restricted")
    assert t is not None and t.approval.requires[0].roles == ["director"]
    assert on.appeals == before.appeals and on.channels == before.channels


def test_versions_must_be_in_date_order() -> None:
    raw = _raw()
    versions = raw["versions"]
    assert isinstance(versions, list)
    later = {**versions[0], "id": "2027", "effective": date(2025, 1, 1)}
    raw["versions"] = [*versions, later]
    with pytest.raises(ValidationError, match="oldest first"):
        Procedure.model_validate(raw)


def test_a_version_cannot_add_a_state() -> None:
    raw = _raw()
    versions = raw["versions"]
    assert isinstance(versions, list)
    states = dict(versions[0]["states"])
    states["suspended"] = states["restricted"]
    raw["versions"] = [{**versions[0], "states": states}]
    with pytest.raises(ValidationError, match="adds states suspended"):
        Procedure.model_validate(raw)


def test_check_reports_a_broken_version(tmp_path: Path) -> None:
    """A revision's transition naming an unknown letter is a policy error naming the version."""
    root = tmp_path / "book"
    shutil.copytree(REPO / "policy", root / "policy")
    shutil.copytree(FIXTURE.parents[1], root / "policy", dirs_exist_ok=True)
    (root / "cases").mkdir()
    path = root / "policy/procedures/restrict-contact-versions.yaml"
    text = path.read_text(encoding="utf-8")
    broken = text.replace(
        "label: Restrict contact (a Director, from 2026)\n", "label: Restrict contact\n"
    ).replace("        letters: [restriction-letter]\n", "        letters: [no-such-letter]\n", 1)
    assert broken != text
    path.write_text(broken, encoding="utf-8")
    report = run_check(root, date(2026, 11, 23), use_cache=False)
    msgs = [f.message for f in report.findings if f.severity == "error"]
    assert any(m.startswith("version 2026: letter 'no-such-letter'") for m in msgs), msgs
