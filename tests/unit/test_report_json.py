"""`casebook check --format json` is written one finding at a time (issue 14) and must be the
same bytes as ``json.dumps(report.as_json(), indent=2, ensure_ascii=False)``."""

from __future__ import annotations

import json
from datetime import date

import pytest

from casebook.check.run import CheckReport
from casebook.cli.check import report_json
from casebook.model.findings import Finding

AWKWARD = [
    Finding("error", "schema", 'a "quoted" message\nover two lines', "MC-1", "cases/MC-1.yaml", 3),
    Finding("warning", "breach", "Zoë’s call at 09:00 — outside the slot", "MC-2", None, None),
    Finding("error", "io", "tab\there, backslash \\ and </script>", None, "cases/x.yaml", None,
            ("events", 3, "to")),
]  # fmt: skip


@pytest.mark.parametrize(
    "findings", [[], AWKWARD[:1], AWKWARD, AWKWARD * 1500], ids=["none", "one", "three", "4500"]
)
def test_same_bytes_as_json_dumps(findings: list[Finding]) -> None:
    report = CheckReport(date(2026, 11, 23), 3, findings, policy_ok=True)
    want = json.dumps(report.as_json(), indent=2, ensure_ascii=False).encode() + b"\n"
    assert report_json(report) == want


def test_demo_check_json_parses_and_matches(cli, demo) -> None:
    args = ("--root", demo, "check", "--as-of", "2026-11-23", "--format", "json")
    result = cli(*args)
    assert cli(*args).out == result.out  # the memo gives the same bytes again
    data = json.loads(result.out)
    assert data["cases"] > 10 and len(data["findings"]) > 10
    assert result.out == json.dumps(data, indent=2, ensure_ascii=False) + "\n"
