"""docs/procedures.md "Adding a procedure (no code)", followed step by step on a new procedure:
copy the closest procedure, change what the guide says, and `casebook check` passes with a demo
case through it; the tests' discovery and the traceability table pick it up. No Python."""

from __future__ import annotations

import re
import shutil
from datetime import date

from casebook.check.run import run_check
from casebook.publish.traceability import markdown
from casebook.store.reader import load_policy
from tests.conftest import REPO

GUIDE = (REPO / "docs" / "procedures.md").read_text(encoding="utf-8")


def test_the_guide_has_the_steps_this_test_follows():
    section = GUIDE.split("## Adding a procedure (no code)", 1)[1].split("\n## ", 1)[0]
    for words in (
        "policy/published/<id>.txt",
        "policy/procedures/<id>.yaml",
        "case_prefix",
        "policy/letters/<id>/<letter-id>.md.j2",
        "casebook check",
        "python -m casebook.publish.traceability",
    ):
        assert words in section, words


def test_follow_the_guide_on_a_new_procedure(tmp_path):
    root = tmp_path / "book"
    shutil.copytree(REPO / "policy", root / "policy")
    (root / "cases").mkdir()
    new = "example-unacceptable-actions"
    # 1. The published text.
    shutil.copy(
        root / "policy/published/unacceptable-actions.txt", root / f"policy/published/{new}.txt"
    )
    # 5. Copy the closest procedure; new id, case prefix, title, text; its letter templates.
    text = (root / "policy/procedures/unacceptable-actions.yaml").read_text(encoding="utf-8")
    text = re.sub(r"^id: .*$", f"id: {new}", text, count=1, flags=re.M)
    text = re.sub(r"^case_prefix: .*$", "case_prefix: EUA", text, count=1, flags=re.M)
    text = re.sub(
        r"^title: .*$", "title: Example policy on unacceptable actions", text, count=1, flags=re.M
    )
    text = re.sub(r"^text: .*$", f"text: {new}.txt", text, count=1, flags=re.M)
    (root / f"policy/procedures/{new}.yaml").write_text(text, encoding="utf-8")
    shutil.copytree(root / "policy/letters/unacceptable-actions", root / f"policy/letters/{new}")
    policy, findings = load_policy(root)
    assert policy is not None and new in policy.procedures, [f.as_text() for f in findings]
    # 7. A demo case through it (the Torfaen demo case, renumbered).
    case = (REPO / "cases/UA-2026-0001.yaml").read_text(encoding="utf-8")
    case = case.replace("UA-2026-0001", "EUA-2026-0001").replace(
        "procedure: unacceptable-actions", f"procedure: {new}"
    )
    (root / "cases/EUA-2026-0001.yaml").write_text(case, encoding="utf-8")
    report = run_check(root, date(2026, 11, 23), use_cache=False)
    assert report.ok, "\n".join(f.as_text() for f in report.findings)
    assert report.findings == [], "\n".join(f.as_text() for f in report.findings)
    # 8. Its traceability table.
    assert f"policy/procedures/{new}.yaml" in markdown(policy.procedures[new], REPO)
    # A step the guide requires, skipped, fails: without the letter templates check says so.
    shutil.rmtree(root / f"policy/letters/{new}")
    report = run_check(root, date(2026, 11, 23), use_cache=False)
    assert not report.ok
