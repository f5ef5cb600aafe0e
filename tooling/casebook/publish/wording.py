"""Small pieces of plain English shared by staff cards (``handling``) and letters (``letters``)."""

from __future__ import annotations

import re

from casebook.model import Person, Restriction


def join_or(items: list[str]) -> str:
    """``a``, ``a or b``, ``a, b or c``."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " or " + items[-1]


def join_and(items: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def name_of(people: dict[str, Person], pid: str) -> str:
    """A person's name; an unknown id as written (``check`` reports it)."""
    p = people.get(pid)
    return p.name if p else pid


_FIELD = re.compile(r"\{([a-z_]+(?:\.[a-z0-9-]+)?)\}")


def wording_fields(template: str) -> list[str]:
    """The ``{field}`` names a measure's wording uses, in order (``details.NAME`` kept whole)."""
    return _FIELD.findall(template)


def fill_wording(
    template: str,
    x: Restriction,
    until: str,
    values: dict[str, dict[str, str]] | None = None,
) -> str:
    """A procedure's wording for a measure (``measures.<id>.letter`` ...) with ``{field}``
    replaced by the restriction's parameter (in the words ``values[field]`` gives for it),
    ``{until}`` by ``until``; an absent value is empty. A field no restriction has is refused
    by `check` (rule policy) before any letter."""

    def value(m: re.Match[str]) -> str:
        name = m.group(1)
        if name == "until":
            return until
        if name.startswith("details."):
            details = getattr(x, "details", {}) or {}
            return str(details.get(name.partition(".")[2], ""))
        got = getattr(x, name, None)
        if got is None:
            return ""
        words = (values or {}).get(name, {})
        if isinstance(got, list):
            return join_and([words.get(str(v), str(v)) for v in got])
        return words.get(str(got), str(got))

    return _FIELD.sub(value, template)
