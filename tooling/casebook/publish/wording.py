"""Small pieces of plain English shared by staff cards (``handling``) and letters (``letters``)."""

from __future__ import annotations

from casebook.model import Person


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
