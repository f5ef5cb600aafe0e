"""Finding people's names and addresses in text, the same way everywhere.

Text is compared after normalising: accents dropped, lower case, every run of characters that
are not letters or digits made one space. So "Alex Example", "alex-example", "ALEX_EXAMPLE"
and "Alex  Example" all match, in a commit message, a branch name or a case note, while "Alexa"
does not match "Alex". E-mail addresses normalise the same way ("alex example org").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

_NON_WORD = re.compile(r"[^0-9a-z]+")


def normalise(text: str) -> str:
    """Words of ``text`` for matching, with a space at each end."""
    plain = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in plain if not unicodedata.combining(c)).casefold()
    return f" {_NON_WORD.sub(' ', plain).strip()} "


def mentions(haystack: str, needle: str) -> bool:
    """True when the words of ``needle`` appear together, whole, in ``haystack``."""
    words = normalise(needle)
    return words.strip() != "" and words in normalise(haystack)


@dataclass(frozen=True, slots=True)
class Identifier:
    """One way of naming a member of the public, and where it is recorded."""

    value: str
    kind: str  # "name", "known_as", "email", "phone", "address"
    file: str
    field: str  # "person.name", "person.representatives[0].name"
    case: str | None


def identifiers(raw: Any, file: str) -> Iterator[Identifier]:
    """Names, e-mails, phones and addresses of the members of the public in one case's data.

    Reads the raw YAML data (not the model) so that it also works on a case with schema errors.
    """
    if not isinstance(raw, dict):
        return
    case_id = raw.get("id") if isinstance(raw.get("id"), str) else None
    person = raw.get("person")
    if isinstance(person, dict):
        yield from _person(person, "person", file, case_id)
        reps = person.get("representatives")
        if isinstance(reps, list):
            for i, rep in enumerate(reps):
                if isinstance(rep, dict):
                    yield from _person(rep, f"person.representatives[{i}]", file, case_id)


def _person(p: dict[str, Any], where: str, file: str, case_id: str | None) -> Iterator[Identifier]:
    def one(value: Any, kind: str, field: str) -> Iterator[Identifier]:
        if isinstance(value, str) and value.strip():
            yield Identifier(value.strip(), kind, file, field, case_id)

    yield from one(p.get("name"), "name", f"{where}.name")
    known = p.get("known_as")
    if isinstance(known, list):
        for i, k in enumerate(known):
            yield from one(k, "known_as", f"{where}.known_as[{i}]")
    contact = p.get("contact")
    if isinstance(contact, dict):
        yield from one(contact.get("email"), "email", f"{where}.contact.email")
        yield from one(contact.get("phone"), "phone", f"{where}.contact.phone")
        yield from one(contact.get("address"), "address", f"{where}.contact.address")


def digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


def matches(text: str, ident: Identifier) -> bool:
    """Does ``text`` name this identifier? Phones match on their digits (at least 7)."""
    if ident.kind == "phone":
        d = digits(ident.value)
        return len(d) >= 7 and d in digits(text)
    return mentions(text, ident.value)
