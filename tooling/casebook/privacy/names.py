"""Finding people's names and addresses in text, the same way everywhere.

Text is compared after normalising: invisible format characters (soft hyphen, zero-width
space) dropped, look-alike letters folded to the Latin letter they imitate (NFKC, then
Unicode's confusables data from the ``confusable_homoglyphs`` package: Cyrillic "А" is "A"),
camel case split ("AlexExample" is "Alex Example"), accents dropped, lower case,
every run of characters that are not letters or digits made one space. So "Alex Example",
"alex-example", "ALEX_EXAMPLE", "AlexExample" and "Alex  Example" all match, in a commit
message, a branch name or a case note, while "Alexa" does not match "Alex". E-mail addresses
normalise the same way ("alex example org").

``matches`` also tries the forms people write a name or address in (``variants``): surname
first ("Example, Alex"), the words run together ("alexexample"), an e-mail address without its
top-level domain or its local part alone, the first line of a postal address, a postcode.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

# The text normalisation lives in the model layer so that `check` (independence: a person
# named in a case's free text) matches names exactly as the guard does.
from casebook.model.textmatch import mentions, normalise, skeleton

__all__ = ["Identifier", "identifiers", "matches", "mentions", "normalise", "skeleton", "variants"]

_POSTCODE = re.compile(r"\b[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}\b", re.IGNORECASE)


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


def variants(ident: Identifier) -> list[str]:
    """The normalised forms of ``ident`` that count as naming it (see the module's text)."""
    words = normalise(ident.value).split()
    if not words:
        return []
    out = [" ".join(words)]
    if ident.kind in ("name", "known_as") and len(words) >= 2:
        out.append(" ".join([words[-1], *words[:-1]]))  # "Example, Alex Sam"
        out.append(f"{words[-1]} {words[0]}")  # "Example, Alex"
        out.append("".join(words))  # "alexexample", "fix/alexexample"
    elif ident.kind == "email" and "@" in ident.value:
        local, _, domain = ident.value.rpartition("@")
        local_words = normalise(local).split()
        labels = normalise(domain).split()
        if labels:
            out.append(" ".join([*local_words, labels[0]]))  # "alex@example" (no .org)
        # The local part alone, when it is specific: two words ("alex.example") or long.
        if len(local_words) >= 2 or len("".join(local_words)) >= 8:
            out.append(" ".join(local_words))
    elif ident.kind == "address":
        first = normalise(ident.value.split(",")[0]).split()
        if len(first) >= 3:  # "1 Example Street"
            out.append(" ".join(first))
        out += [normalise(m.group()).strip() for m in _POSTCODE.finditer(ident.value)]
    return list(dict.fromkeys(v for v in out if v))


def matches(text: str, ident: Identifier) -> bool:
    """Does ``text`` name this identifier? Phones match on their digits (at least 7)."""
    if ident.kind == "phone":
        d = digits(ident.value)
        return len(d) >= 7 and d in digits(text)
    hay = normalise(text)
    return any(f" {v} " in hay for v in variants(ident))
