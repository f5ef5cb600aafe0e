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


def describe(req: Requirement, service: str | None = None) -> str:
    who = req.label or " or ".join(req.roles)
    count = f"{req.count} x " if req.count > 1 else ""
    where = f" (of the case's service, {service})" if req.same_service and service else ""
    return f"{count}{who}{where}{' (independent of the case)' if req.independent else ''}"


def same_service(person: Person, service: str | None) -> bool:
    """Does ``person`` work in ``service`` (the case's): their ``service`` or one of their
    ``other_services`` in policy/people.yaml? Compared without case or spacing differences; a
    person with no service never does."""
    if service is None:
        return False
    mine = [person.service, *person.other_services] if person.service else person.other_services
    want = " ".join(service.casefold().split())
    return any(" ".join(s.casefold().split()) == want for s in mine)


def eligible(
    req: Requirement,
    pid: str,
    people: Mapping[str, Person],
    involved: Mapping[str, str],
    service: str | None = None,
) -> bool:
    """May ``pid`` fill ``req``: holds one of its roles, is independent of the case where it
    asks (not in ``involved``), and works in the case's ``service`` where it asks."""
    person = people.get(pid)
    if person is None or not set(req.roles).intersection(person.roles):
        return False
    if req.same_service and not same_service(person, service):
        return False
    return not (req.independent and pid in involved)


def evaluate(
    requirements: list[Requirement],
    candidates: Iterable[str],
    people: Mapping[str, Person],
    involved: Mapping[str, str],
    service: str | None = None,
) -> Outcome:
    """Assign distinct candidates to every requirement, or explain what is missing.

    ``service``: the case's, for requirements with ``same_service``."""
    pool = list(dict.fromkeys(candidates))
    # Fill the most constrained requirements first: fewer eligible people, fewer choices.
    order = sorted(
        range(len(requirements)),
        key=lambda i: sum(eligible(requirements[i], p, people, involved, service) for p in pool),
    )
    assignment: dict[int, tuple[str, ...]] = {}

    def search(k: int, used: frozenset[str]) -> bool:
        if k == len(order):
            return True
        i = order[k]
        req = requirements[i]
        options = [p for p in pool if p not in used and eligible(req, p, people, involved, service)]
        for combo in _combinations(options, req.count):
            assignment[i] = combo
            if search(k + 1, used | set(combo)):
                return True
        assignment.pop(i, None)
        return False

    if search(0, frozenset()):
        return Outcome(True, dict(assignment))
    return Outcome(False, {}, tuple(_explain(requirements, pool, people, involved, service)))


def _combinations(options: list[str], count: int) -> Iterable[tuple[str, ...]]:
    from itertools import combinations

    return combinations(options, count)


def _explain(
    requirements: list[Requirement],
    pool: list[str],
    people: Mapping[str, Person],
    involved: Mapping[str, str],
    service: str | None,
) -> list[str]:
    lines = []
    for req in requirements:
        holders = [p for p in pool if p in people and set(req.roles).intersection(people[p].roles)]
        ok = [p for p in holders if eligible(req, p, people, involved, service)]
        if len(ok) >= req.count:
            continue
        why = f"needs {describe(req, service)}"
        if req.same_service:
            elsewhere = [
                f"{p} ({people[p].service or 'no service in policy/people.yaml'})"
                for p in holders
                if not same_service(people[p], service)
            ]
            if elsewhere:
                why += f"; of another service: {', '.join(elsewhere)}"
        if req.independent:
            conflicted = [f"{p} (appears in {involved[p]})" for p in holders if p in involved]
            if conflicted:
                why += f"; not independent: {', '.join(conflicted)}"
        lines.append(why)
    if not lines:
        lines.append(
            "each requirement must be met by a different person: "
            + "; ".join(describe(r, service) for r in requirements)
        )
    return lines
