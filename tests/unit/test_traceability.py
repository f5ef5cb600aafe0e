"""The traceability tables in docs/traceability/ are generated from the procedure files and
kept up to date; each accounts for every sentence its procedure cites."""

from __future__ import annotations

import re

from casebook.model.common import COUNCIL_SETTING
from casebook.publish.traceability import markdown, trace
from casebook.store.reader import load_policy
from tests.conftest import REPO


def _policy():
    policy, findings = load_policy(REPO)
    assert policy is not None, [f.as_text() for f in findings]
    return policy


def test_tables_are_up_to_date():
    policy = _policy()
    stale = []
    for pid, proc in policy.procedures.items():
        path = REPO / "docs" / "traceability" / f"{pid}.md"
        if not path.is_file() or path.read_text(encoding="utf-8") != markdown(proc, REPO):
            stale.append(pid)
    assert not stale, (
        f"regenerate with `python -m casebook.publish.traceability .`: {', '.join(stale)}"
    )
    tables = {p.stem for p in (REPO / "docs" / "traceability").glob("*.md")}
    assert tables == set(policy.procedures), "a table for a procedure that no longer exists"


def test_every_cited_sentence_has_a_row_with_a_rule():
    for proc in _policy().procedures.values():
        rows, settings = trace(proc, REPO)
        cited = {r.sentence for r in rows}
        table = markdown(proc, REPO)
        for g in proc.guidance:
            assert g.source in cited
        for r in rows:
            assert r.rule and r.test, r
            assert not r.sentence.startswith(COUNCIL_SETTING)
        assert len(re.findall(r"^\| `", table, re.M)) == len(settings)
