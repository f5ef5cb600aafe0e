"""Is a set of people enough to take a decision? Used by `check` (the names recorded in the
YAML) and by `approvals` (the people who approved the pull request).

Every requirement of the approval must be met, each by different people: a Head of Service
cannot also be the independent signatory. The assignment is found by a small search, so the
order in which people are listed does not matter.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from casebook.model import Person
from casebook.model.procedure import Requirement


@dataclass(frozen=True, slots=True)
class Outcome:
    met: bool
    # requirement index -> the people who fill it
    assignment: dict[int, tuple[str, ...]] = field(default_factory=dict)
    # one line per requirement that could not be met, saying why
    missing: tuple[str, ...] = ()


def describe(req: Requirement) -> str:
    who = req.label or " or ".join(req.roles)
    count = f"{req.count} x " if req.count > 1 else ""
    return f"{count}{who}{' (independent of the case)' if req.independent else ''}"


def eligible(
    req: Requirement, pid: str, people: Mapping[str, Person], involved: Mapping[str, str]
) -> bool:
    person = people.get(pid)
    if person is None or not set(req.roles).intersection(person.roles):
        return False
    return not (req.independent and pid in involved)


def evaluate(
    requirements: list[Requirement],
    candidates: Iterable[str],
    people: Mapping[str, Person],
    involved: Mapping[str, str],
) -> Outcome:
    """Assign distinct candidates to every requirement, or explain what is missing."""
    pool = list(dict.fromkeys(candidates))
    # Fill the most constrained requirements first: fewer eligible people, fewer choices.
    order = sorted(
        range(len(requirements)),
        key=lambda i: sum(eligible(requirements[i], p, people, involved) for p in pool),
    )
    assignment: dict[int, tuple[str, ...]] = {}

    def search(k: int, used: frozenset[str]) -> bool:
        if k == len(order):
            return True
        i = order[k]
        req = requirements[i]
        options = [p for p in pool if p not in used and eligible(req, p, people, involved)]
        for combo in _combinations(options, req.count):
            assignment[i] = combo
            if search(k + 1, used | set(combo)):
                return True
        assignment.pop(i, None)
        return False

    if search(0, frozenset()):
        return Outcome(True, dict(assignment))
    return Outcome(False, {}, tuple(_explain(requirements, pool, people, involved)))


def _combinations(options: list[str], count: int) -> Iterable[tuple[str, ...]]:
    from itertools import combinations

    return combinations(options, count)


def _explain(
    requirements: list[Requirement],
    pool: list[str],
    people: Mapping[str, Person],
    involved: Mapping[str, str],
) -> list[str]:
    lines = []
    for req in requirements:
        holders = [p for p in pool if p in people and set(req.roles).intersection(people[p].roles)]
        ok = [p for p in holders if eligible(req, p, people, involved)]
        if len(ok) >= req.count:
            continue
        why = f"needs {describe(req)}"
        if req.independent:
            conflicted = [f"{p} (appears in {involved[p]})" for p in holders if p in involved]
            if conflicted:
                why += f"; not independent: {', '.join(conflicted)}"
        lines.append(why)
    if not lines:
        lines.append(
            "each requirement must be met by a different person: "
            + "; ".join(describe(r) for r in requirements)
        )
    return lines
