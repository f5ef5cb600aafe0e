"""The procedures as data: each loads, each rule cites its published text, each is used."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from pydantic import BaseModel

from casebook.check.policy_rules import check_policy
from casebook.check.run import run_check
from casebook.engine.timeline import timeline
from casebook.model.common import COUNCIL_SETTING
from casebook.store.reader import load_policy
from tests.conftest import REPO

SHARED = REPO.parent / "shared" / "policies"
# Found, not named: every procedure file in policy/procedures/ (a council adds one without
# touching the tests).
PROCEDURES = sorted(p.stem for p in (REPO / "policy/procedures").glob("*.yaml"))


def _collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _sources(obj: object, path: str = "") -> list[tuple[str, str]]:
    """Every (path, source) pair in a model tree."""
    out: list[tuple[str, str]] = []
    if isinstance(obj, BaseModel):
        for name in type(obj).model_fields:
            value = getattr(obj, name)
            if name == "source" and isinstance(value, str):
                out.append((path or "<root>", value))
            else:
                out += _sources(value, f"{path}.{name}" if path else name)
    elif isinstance(obj, dict):
        for k, v in obj.items():
            out += _sources(v, f"{path}.{k}")
    elif isinstance(obj, list | tuple):
        for i, v in enumerate(obj):
            out += _sources(v, f"{path}[{i}]")
    return out


@pytest.fixture(scope="module")
def policy():
    pol, findings = load_policy(REPO)
    assert pol is not None, [f.as_text() for f in findings]
    findings += check_policy(pol)
    assert not [f for f in findings if f.severity == "error"], [f.as_text() for f in findings]
    return pol


def test_every_procedure_file_loads(policy):
    assert len(PROCEDURES) >= 5
    assert sorted(policy.procedures) == PROCEDURES


@pytest.mark.parametrize("proc_id", PROCEDURES)
def test_every_source_quotes_the_published_text(policy, proc_id):
    proc = policy.procedures[proc_id]
    text = _collapse((REPO / "policy/published" / proc.text).read_text(encoding="utf-8"))
    sources = _sources(proc)
    assert len(sources) > 20, "a procedure cites its text for every rule"
    missing = [
        f"{path}: {src!r}"
        for path, src in sources
        if not src.startswith(COUNCIL_SETTING) and _collapse(src) not in text
    ]
    assert not missing, "not found in the published text:\n" + "\n".join(missing)
    settings = [s for _, s in sources if s.startswith(COUNCIL_SETTING)]
    assert all(len(s) > len(COUNCIL_SETTING) + 10 for s in settings), "say why"


def test_behaviour_citations_quote_their_procedure(policy):
    texts = {
        pid: _collapse((REPO / "policy/published" / p.text).read_text(encoding="utf-8"))
        for pid, p in policy.procedures.items()
    }
    for b in policy.taxonomy.behaviours:
        for c in b.cited_in:
            assert c.procedure in texts, (b.id, c.procedure)
            if not c.source.startswith(COUNCIL_SETTING):
                assert _collapse(c.source) in texts[c.procedure], (b.id, c.source)


@pytest.mark.skipif(not SHARED.is_dir(), reason="shared/policies is not beside this checkout")
def test_published_copies_match_the_originals():
    readme = (REPO / "policy/published/README.md").read_text(encoding="utf-8")
    rows = re.findall(r"`([a-z-]+\.txt)` \| `([0-9a-f_]+\.txt)`", readme)
    assert len(rows) == 5
    for copy, original in rows:
        ours = (REPO / "policy/published" / copy).read_bytes()
        theirs = (SHARED / original).read_bytes()
        # The only permitted change is the redaction of real officers' names.
        redacted = re.sub(rb"\[name removed\]", b"", ours)
        assert len(redacted) <= len(theirs)
        if b"[name removed]" not in ours:
            assert ours == theirs, copy
        else:
            pattern = re.escape(ours).replace(re.escape(b"[name removed]"), b".{3,40}?")
            assert re.fullmatch(pattern, theirs, re.S), copy
        assert hashlib.sha256(theirs).hexdigest() in readme


def test_demo_casebook_is_clean_and_uses_every_state(policy):
    from datetime import date

    as_of = date(2026, 11, 23)
    report = run_check(REPO, as_of, use_cache=False)
    assert report.ok, "\n".join(f.as_text() for f in report.findings)
    # The demo logs some contacts outside the arrangements on purpose: those are warnings
    # (rule breach) that the register summarises; nothing else may be found.
    others = [f for f in report.findings if f.rule != "breach"]
    assert others == [], "\n".join(f.as_text() for f in others)
    assert all(f.severity == "warning" for f in report.findings)
    from casebook.check.loading import load

    book, _ = load(REPO, use_cache=False)
    assert book is not None
    visited: dict[str, set[str]] = {p: set() for p in PROCEDURES}
    for case in book.cases():
        proc = policy.procedures[case.procedure]
        visited[case.procedure].add(proc.initial)
        for step in timeline(case, proc).steps:
            visited[case.procedure].add(step.to_state)
    for pid in PROCEDURES:
        assert visited[pid] == set(policy.procedures[pid].states), pid


@pytest.mark.skipif(not SHARED.is_dir(), reason="shared/policies is not beside this checkout")
def test_demo_data_is_fictional():
    # The real officers named in the York text (not written here: this file is scanned too).
    york = (SHARED / "003_3bf152a3cf15831f.txt").read_text(encoding="utf-8")
    real = [n.encode() for n in re.findall(r"\(([A-Z][a-z]+ [A-Z][a-z]+)\)", york)]
    assert len(real) == 2
    for folder in ("cases", "policy", "tests"):
        for path in (REPO / folder).rglob("*"):
            if path.is_file():
                data = path.read_bytes()
                assert not any(name in data for name in real), path


def test_people_are_fictional_and_at_reserved_domains(policy):
    for p in policy.people.people:
        if p.email:
            assert str(p.email).endswith(".example"), p.id
    for path in Path(REPO / "cases").glob("*.yaml"):
        for email in re.findall(r"[\w.+-]+@[\w.-]+", path.read_text(encoding="utf-8")):
            assert email.endswith(("example.org", ".example", "example.com")), (path, email)
