"""Loading a casebook for a command: read it (``store``), then run the rules over policy/.

Every command works on a policy that passed its rules; ``casebook check`` reports the same
findings with the rest.
"""

from __future__ import annotations

from pathlib import Path

from casebook.check.policy_rules import check_policy
from casebook.errors import ConfigError
from casebook.model.findings import Finding
from casebook.store import cases
from casebook.store.cases import Casebook


def load(
    root: Path, use_cache: bool = True, visit: cases.Visitor | None = None
) -> tuple[Casebook | None, list[Finding]]:
    """Read policy and cases and check policy/. Returns (None, findings) when policy/ is
    unusable (an error among the findings). ``visit``: see ``store.cases.load``."""
    return cases.load(root, use_cache=use_cache, policy_rules=check_policy, visit=visit)


def require(root: Path) -> Casebook:
    """Load a casebook or raise ConfigError listing what is wrong with policy/."""
    book, findings = load(root)
    if book is None:
        errors = [f.as_text() for f in findings if f.severity == "error"]
        raise ConfigError("policy/ is not valid:\n" + "\n".join(errors))
    return book
