"""Comparing words in text, the same way everywhere (the privacy guard, independence checks).

Text is compared after normalising: invisible format characters (soft hyphen, zero-width
space) dropped, look-alike letters folded to the Latin letter they imitate (NFKC, then
Unicode's confusables data from the ``confusable_homoglyphs`` package: Cyrillic "А" is "A"),
camel case split ("AlexExample" is "Alex Example"), accents dropped, lower case, every run of
characters that are not letters or digits made one space. So "Alex Example", "alex-example",
"ALEX_EXAMPLE", "AlexExample" and "Alex  Example" all match, while "Alexa" does not match
"Alex".
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from typing import Any

_NON_WORD = re.compile(r"[^0-9a-z]+")
# The end of a sentence or clause: a full stop, semicolon, colon, question or exclamation mark
# followed by white space (not "miles.haverford@", an e-mail address, and not a comma: "Okonjo,
# Ngozi" names someone).
_SENTENCE_END = re.compile(r"[.;:!?]\s+")
# A lower-case letter followed by an upper-case one: a word boundary in camel case.
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")


@functools.cache
def _latin(char: str) -> str:
    """The ASCII letter or digit ``char`` imitates (Unicode confusables), or ``char``."""
    # Imported here: the confusables table costs memory, and most text is plain ASCII.
    from confusable_homoglyphs.confusables import (  # type: ignore[import-untyped]
        confusables_data,
    )

    for glyph in confusables_data.get(char, ()):
        c = glyph.get("c", "")
        if c.isascii() and c.isalnum():
            # The data gives "l" for every capital I look-alike (Cyrillic "І", Greek "Ι"),
            # since "I" and "l" are confusable too; but ASCII text is not folded, so "Іan"
            # would never match "Ian". A capital letter imitates "I".
            if c == "l" and " CAPITAL " in unicodedata.name(char, ""):
                return "I"
            return str(c)
    # Latin letters the confusables data leaves alone but a reader takes for a plain letter:
    # "LATIN SMALL LETTER O WITH STROKE" (ø), "LATIN SMALL LETTER BARRED O" (ɵ).
    name = unicodedata.name(char, "")
    if name.startswith("LATIN ") and " LETTER " in name:
        last = name.split(" WITH ")[0].split()[-1]
        if len(last) == 1 and last.isalpha():
            return last.lower() if " SMALL " in name else last
    return char


def _ignorable(char: str) -> bool:
    """Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties.txt), plus format
    characters (category Cf): shown as nothing, so a name with one inside looks whole."""
    c = ord(char)
    return unicodedata.category(char) == "Cf" or any(lo <= c <= hi for lo, hi in _IGNORABLE)


# Default_Ignorable_Code_Point ranges (Unicode 15.1, DerivedCoreProperties.txt) that are not
# category Cf: combining grapheme joiner, Hangul fillers, Khmer inherent vowels, Mongolian
# free variation selectors, variation selectors, reserved ignorables.
_IGNORABLE = (
    (0x034F, 0x034F), (0x115F, 0x1160), (0x17B4, 0x17B5), (0x180B, 0x180F), (0x2065, 0x2065),
    (0x3164, 0x3164), (0xFE00, 0xFE0F), (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0x1BCA0, 0x1BCA3),
    (0xE0000, 0xE0FFF),
)  # fmt: skip


def skeleton(text: str) -> str:
    """``text`` with compatibility forms (NFKC: full-width letters, ligatures) and look-alike
    letters from other scripts replaced by the Latin letters they imitate, and invisible
    characters (format characters, category Cf: soft hyphen, zero-width space and joiners,
    word joiner, direction marks; and every other default-ignorable code point: variation
    selectors, the combining grapheme joiner, Hangul fillers) dropped: "Al\u00adex" and
    "Al\u034fex" show as "Alex" and must match it."""
    if text.isascii():  # nothing to fold or drop (NFKC leaves ASCII alone): most text
        return text
    text = unicodedata.normalize("NFKC", text)
    return "".join(
        c if c.isascii() else _latin(c) for c in text if c.isascii() or not _ignorable(c)
    )


@functools.lru_cache(maxsize=8192)
def normalise(text: str) -> str:
    """Words of ``text`` for matching, with a space at each end (cached: `check` compares
    each case's texts with every person's name, once per decision)."""
    if text.isascii():  # the same result without three passes over every character
        plain = _CAMEL.sub(" ", text).lower()
    else:
        plain = unicodedata.normalize("NFKD", _CAMEL.sub(" ", skeleton(text)))
        plain = "".join(c for c in plain if not unicodedata.combining(c)).casefold()
    return f" {_NON_WORD.sub(' ', plain).strip()} "


def mentions(haystack: str, needle: str) -> bool:
    """True when the words of ``needle`` appear together, whole, in ``haystack``."""
    words = normalise(needle)
    return words.strip() != "" and words in normalise(haystack)


def name_forms(*names: str) -> list[str]:
    """The normalised forms that count as naming someone called each of ``names`` in free
    text: the words in order ("Ngozi Okonjo", "ngozi.okonjo", "dir-okonjo" as an id) and,
    for a name of two words or more, surname first ("Okonjo, Ngozi"). A surname alone does not
    count: two people may share it."""
    out: list[str] = []
    for name in names:
        words = normalise(name).split()
        if not words:
            continue
        out.append(" ".join(words))
        if len(words) >= 2:
            out.append(" ".join([words[-1], *words[:-1]]))
    return list(dict.fromkeys(out))


class NameFinder:
    """Which of a set of people a text names (any of ``name_forms`` of their names), found in
    one scan of the text however many people there are.

    ``people``: (key, names) pairs, e.g. ("dir-okonjo", ("Ngozi Okonjo", "dir-okonjo")). A form
    two people share counts for the first."""

    def __init__(self, people: tuple[tuple[str, tuple[str, ...]], ...]) -> None:
        self._who: dict[str, str] = {}
        for key, names in people:
            for form in name_forms(*names):
                self._who.setdefault(form, key)
        # A lookahead finds every form, overlapping ones included ("ann lee" in "jo ann lee");
        # the space before it is matched, not looked ahead for, so the regular expression
        # engine skips to the next space instead of trying every form at every character.
        # The forms are one trie (``_trie``), so each character is tested once, not once per
        # form: the scan runs over every event of every case (issue 14).
        self._pattern = re.compile(f" (?=({_trie(self._who)}) )") if self._who else None

    def find(self, *texts: str) -> set[str]:
        """The keys of the people any of ``texts`` names (each text on its own, and each
        sentence of it: words of two texts, or of "... walked for miles. Haverford Road ...",
        never join into a name; a line break inside a name still joins it)."""
        if self._pattern is None:
            return set()
        hay = "|".join(normalise(part) for t in texts for part in _SENTENCE_END.split(t))
        return {self._who[m.group(1)] for m in self._pattern.finditer(hay)}


def _trie(forms: Iterable[str]) -> str:
    """A regular expression matching exactly ``forms``, as a trie: "ann lee|ann leeson|bo" is
    ``(?:ann\\ lee(?:son|)|bo)``. Where a form is the start of a longer one, the longer is tried
    first, as the longest-first alternation it replaces did (the space after a form decides:
    "ann lee" in "ann leeson" is not a match, "ann leeson" is)."""
    root: dict[str, Any] = {}
    for form in forms:
        node = root
        for char in form:
            node = node.setdefault(char, {})
        node[""] = {}  # a form ends here

    def branch(node: dict[str, Any]) -> str:
        parts = [re.escape(c) + branch(child) for c, child in sorted(node.items()) if c]
        if "" in node:
            parts.append("")  # ending here comes after every longer form
        return parts[0] if len(parts) == 1 else f"(?:{'|'.join(parts)})"

    return branch(root)


@functools.lru_cache(maxsize=8)
def name_finder(people: tuple[tuple[str, tuple[str, ...]], ...]) -> NameFinder:
    """A ``NameFinder`` for ``people``, kept for the next call with the same people."""
    return NameFinder(people)
