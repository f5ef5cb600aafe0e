"""The traceability tables in docs/traceability/ are generated from the procedure files and
kept up to date; each accounts for every sentence its procedure cites."""

from __future__ import annotations

import re

from casebook.model.common import COUNCIL_SETTING
from casebook.publish.traceability import markdown, proofs, resolves, trace
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


def test_every_breaks_header_names_a_key_of_its_procedure():
    """A ``# breaks: <procedure> <key>`` header that names no key (renamed, removed, mistyped)
    would claim a test for a row it does not prove."""
    policy = _policy()
    stale = []
    for proof in proofs(REPO):
        for pid, key in proof.breaks:
            if pid.startswith("<"):
                continue  # a placeholder in a docstring that explains the header
            procs = list(policy.procedures.values()) if pid == "*" else [policy.procedures.get(pid)]
            if procs == [None]:
                if "/policy/" not in proof.path and not _fixture(proof.path, pid):
                    stale.append(f"{proof.path}: no procedure {pid}")
                continue
            for proc in procs:
                if proc is not None and (pid != "*" or proc.staff_card) and not resolves(proc, key):
                    stale.append(f"{proof.path}: {pid} has no key {key}")
    assert not stale, "\n".join(stale)


def _fixture(path: str, pid: str) -> bool:
    # A rule's own fixture procedure (tests/acceptance/<rule>/policy/procedures/<id>.yaml).
    parts = path.split("/")
    return (REPO / "/".join(parts[:3]) / "policy" / "procedures" / f"{pid}.yaml").is_file()


def test_a_row_claims_a_test_only_for_its_own_key(tmp_path):
    """A bad case declaring it breaks one key proves that row (and the rows above it), not a
    sibling sentence of the same rule, which shows the case as "same rule, other sentence"."""
    policy = _policy()
    for proc in policy.procedures.values():
        _claims_are_declared(proc)
    # A procedure with two sentences under one rule: the case breaks the first one only.
    proc, row = next(
        (p, r)
        for p in policy.procedures.values()
        for rows in [trace(p, REPO)[0]]
        for r in rows
        if any(o.rule == r.rule and not _covers(r.keys[0], o.keys) for o in rows)
    )
    key = row.keys[0]
    root = tmp_path / "book"
    (root / "tests" / "acceptance" / "x" / "bad").mkdir(parents=True)
    case = root / "tests" / "acceptance" / "x" / "bad" / "c.yaml"
    case.write_text(f"# breaks: {proc.id} {key}.nothing\n# expect: {row.rule}\n")
    mine, _ = trace(proc, root)
    assert next(r for r in mine if r.keys == row.keys).test == "tests/acceptance/x/bad/c.yaml"
    others = [r for r in mine if r.rule == row.rule and not _covers(key, r.keys)]
    assert others
    assert all(r.test.startswith("same rule, other sentence: tests/acceptance/x") for r in others)


def _claims_are_declared(proc):
    rows, _ = trace(proc, REPO)
    for r in rows:
        if r.test.startswith("tests/"):
            heads = [
                line.split()[2:4]
                for line in (REPO / r.test).read_text(encoding="utf-8").splitlines()
                if line.startswith("# breaks: ")
            ]
            assert any(p in (proc.id, "*") and _covers(k, r.keys) for p, k in heads), r
        else:
            assert r.test.startswith(
                ("same rule, other sentence: ", "warning only", "no acceptance test yet", "-")
            )


def _covers(key: str, keys: tuple[str, ...]) -> bool:
    return any(key == k or key.startswith((k + ".", k + "[")) for k in keys)
