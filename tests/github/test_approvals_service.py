"""A pull request cannot choose its decider by changing the case's service in the same change:
"the relevant Head of Service" is judged against the service on the base branch as well as in
the change (found by a review that tried it, 2026-11-29)."""

from __future__ import annotations

import pytest

from casebook.github.approvals import BasePolicy, evaluate_change, record_changes
from casebook.model import Case
from casebook.model.people import People
from casebook.model.procedure import Procedure
from casebook.store.reader import validate
from casebook.store.yamlio import load_bytes
from tests.conftest import REPO

CASE = "cases/UP-2026-0001.yaml"
DECISION = """events:
  - date: 2026-05-08
    type: decision
    to: warned
    decided_by: [hos-duval]
    reasons: Persistent correspondence.
"""


def _model(text: str, model: type) -> object:
    loaded = validate("x", "", load_bytes(text.encode()), model)
    assert loaded.model is not None, loaded.findings
    return loaded.model


@pytest.fixture(scope="module")
def policy() -> BasePolicy:
    people = _model((REPO / "policy/people.yaml").read_text(encoding="utf-8"), People)
    procs = {}
    for path in (REPO / "policy/procedures").glob("*.yaml"):
        proc = _model(path.read_text(encoding="utf-8"), Procedure)
        procs[proc.id] = proc  # type: ignore[attr-defined]
    return BasePolicy(people, procs)  # type: ignore[arg-type]


def _missing(policy: BasePolicy, head_service: str) -> tuple[str, ...]:
    source = (REPO / CASE).read_text(encoding="utf-8")
    head = source[: source.index("events:")]
    assert "service: Housing\n" in head
    before = _model(head + "events: []\n", Case)
    after = _model(head.replace("service: Housing", f"service: {head_service}") + DECISION, Case)
    changes = list(record_changes(CASE, before, after))  # type: ignore[arg-type]
    results = [evaluate_change(ch, policy, {"hos-duval": "duval-council"}) for ch in changes]
    decided = [r for r in results if r.to == "warned"]
    assert len(decided) == 1
    return tuple(decided[0].missing)


@pytest.mark.parametrize("service", ["Housing", "Environmental Services", "highways"])
def test_another_services_head_cannot_decide_even_by_moving_the_case(
    policy: BasePolicy, service: str
) -> None:
    missing = _missing(policy, service)
    assert any("Head of Service" in m and "Housing" in m for m in missing), missing
