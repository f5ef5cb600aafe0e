"""Lifecycle scenarios: a case walked through its whole life under a real procedure.

Each ``*.yaml`` beside this file is one scenario, run against the repository's own policy/:

    description: what the scenario shows
    case: {id, procedure, service, person, referral, ...}   # the case without its events
    events: [...]                                            # its whole life, in date order
    log_reviews: [...]    # optional: entries of policy/log-reviews.yaml, also cut at each date
    checkpoints:
      - as_of: 2026-04-20
        state: monitoring-extended          # the derived state
        restrictions: [spoc]                # restriction types in force that day
        open: ["letter 2026-04-27", "review 2026-06-30..2026-09-30"]   # kind due[..latest]
        findings: ["warning letter events[5]", "error overdue @policy/log-reviews.yaml"]
        register: {breaches_summary: "3 contacts, 1 outside the arrangements"}
        retention: {deletion_due: 2029-05-28, action: deletion}
        action: purge                       # run `casebook purge` that day (optional)
        ground: erasure request             # --ground for the purge (optional)
        restore: true                       # put the record back first (tests purged-id)

At each checkpoint the case file holds the events dated on or before ``as_of`` (the record as
it stood that day), and ``casebook check`` runs as of that date. ``open`` lists the case's
open obligations, ``findings`` every finding (``severity rule field``, or ``@file`` for a
finding about another file); both are compared exactly. A new scenario is a new file.
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from casebook.check.loading import load
from casebook.check.run import run_check
from casebook.cli.main import run
from casebook.engine.obligations import obligations
from casebook.engine.retention import retention_status
from casebook.engine.timeline import timeline
from casebook.publish.register import register_rows

HERE = Path(__file__).parent
REPO = HERE.parents[2]
SCENARIOS = sorted(HERE.glob("*.yaml"))
KEYS = {
    "as_of",
    "state",
    "restrictions",
    "open",
    "findings",
    "register",
    "retention",
    "action",
    "ground",
    "restore",
    "gone",
}


def _load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert {"description", "case", "events", "checkpoints"} <= set(data), path
    assert set(data) <= {"description", "case", "events", "checkpoints", "log_reviews"}, path
    return data


def _finding(f: Any, case_file: str) -> str:
    where = f.field or "" if f.file == case_file else f"@{f.file}"
    return f"{f.severity} {f.rule} {where}".strip()


def _obligation(o: Any) -> str:
    return f"{o.kind} {o.due}" + (f"..{o.latest}" if o.latest else "")


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_lifecycle(path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scenario = _load(path)
    root = tmp_path / "book"
    shutil.copytree(REPO / "policy", root / "policy")
    # Like cases/, the ledgers are the demo's records, not policy: each scenario starts empty.
    for ledger in ("log-reviews.yaml", "deletion-log.yaml"):
        (root / "policy" / ledger).unlink(missing_ok=True)
    (root / "cases").mkdir()
    base, events = scenario["case"], scenario["events"]
    case_id = base["id"]
    case_file = f"cases/{case_id}.yaml"
    purged = False
    for cp in scenario["checkpoints"]:
        assert set(cp) <= KEYS, f"{path.name}: unknown checkpoint keys {set(cp) - KEYS}"
        as_of: date = cp["as_of"]
        label = f"{path.name} as of {as_of}"
        if "log_reviews" in scenario:
            held = [r for r in scenario["log_reviews"] if r["date"] <= as_of]
            ledger = root / "policy" / "log-reviews.yaml"
            ledger.write_text(yaml.safe_dump({"reviews": held}, sort_keys=False), "utf-8")
        if not purged or cp.get("restore"):
            record = {**base, "events": [e for e in events if e["date"] <= as_of]}
            (root / case_file).write_text(yaml.safe_dump(record, sort_keys=False), "utf-8")

        report = run_check(root, as_of, use_cache=False)
        found = sorted(_finding(f, case_file) for f in report.findings)
        assert found == sorted(cp.get("findings", [])), (
            label + "\n" + "\n".join(f.as_text() for f in report.findings)
        )
        book, _ = load(root, use_cache=False)
        assert book is not None
        cases = {c.id: c for c in book.cases()}
        if cp.get("gone"):
            assert case_id not in cases, label
            continue
        case = cases[case_id]
        proc = book.policy.procedures[case.procedure]
        derived = timeline(case, proc, as_of)
        if "state" in cp:
            assert derived.state == cp["state"], label
        if "restrictions" in cp:
            in_force = [x.restriction.type for x in derived.intervals if x.covers(as_of)]
            assert sorted(in_force) == sorted(cp["restrictions"]), label
        if "open" in cp:
            open_ = [
                _obligation(o) for o in obligations(book, as_of) if o.case == case_id and not o.met
            ]
            assert open_ == cp["open"], label
        if "register" in cp:
            (row,) = [r for r in register_rows(book, as_of) if r.case == case_id]
            data = row.as_json()
            for key, want in cp["register"].items():
                got = data[key]
                assert (str(got) if isinstance(want, date) else got) == (
                    want.isoformat() if isinstance(want, date) else want
                ), f"{label}: register {key}"
        if "retention" in cp:
            status = retention_status(derived, book.policy.settings)
            assert status is not None, label
            got = status.as_json(as_of)
            for key, want in cp["retention"].items():
                assert got[key] == (want.isoformat() if isinstance(want, date) else want), (
                    f"{label}: retention {key}"
                )
        if cp.get("action") == "purge":
            args = [
                "--root",
                str(root),
                "purge",
                case_id,
                "--as-of",
                as_of.isoformat(),
                "--format",
                "json",
            ]
            if cp.get("ground"):
                args += ["--ground", cp["ground"]]
            capsys.readouterr()
            assert run(args) == 0, capsys.readouterr().err
            out = json.loads(capsys.readouterr().out)
            assert out["tombstone"]["id"] == case_id
            person = base["person"]["name"]
            log = (root / "policy/deletion-log.yaml").read_text(encoding="utf-8")
            assert person not in log and case_id in log, label
            assert not (root / case_file).exists(), label
            purged = True
