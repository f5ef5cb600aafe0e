"""What the acceptance cases and lifecycle scenarios share: the policy rules' findings.

Each case and each checkpoint still gets its own casebook in a tmp folder (its own copy of
policy/ and its own case file) and its own `run_check`: reading every file, the case rules, the
cross-file and the casebook-wide rules run afresh each time. Only the policy rules
(``check.policy_rules.check_policy``: a fifth of a second a run, most of it parsing every letter
template) are remembered, under ``store.cases.fingerprint`` of the casebook's policy/ (the
content of every file in it, and the casebook code): the key the product's own record cache
keeps the same findings under (``store.cases._policy_findings``). Two runs share findings only
when their policy/ folders are byte for byte the same, so a fixture procedure laid over
policy/ (``appeal/policy/``) or a ledger a scenario writes gets findings of its own, and a
broken policy/ still fails.
"""

from __future__ import annotations

import pytest

from casebook.check import loading
from casebook.check.policy_rules import check_policy
from casebook.model.findings import Finding
from casebook.store.cases import fingerprint
from casebook.store.reader import Policy

# fingerprint(policy/ and code) -> the policy rules' findings (Finding is frozen: safe to share).
_FOUND: dict[str, tuple[Finding, ...]] = {}


def remembered_policy_rules(policy: Policy) -> list[Finding]:
    """``check_policy(policy)``, run once per distinct policy/ content; a fresh list each call."""
    key = fingerprint(policy.root)
    if key not in _FOUND:
        _FOUND[key] = tuple(check_policy(policy))
    return list(_FOUND[key])


@pytest.fixture(autouse=True)
def _policy_rules_once_per_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    """``check.loading.load`` (so `run_check` and in-process commands) uses the memo above."""
    monkeypatch.setattr(loading, "check_policy", remembered_policy_rules)
