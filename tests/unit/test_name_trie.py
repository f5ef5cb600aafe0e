"""The name finder's trie (``textmatch._trie``) finds exactly what a plain longest-first
alternation of the same forms finds (issue 14 made the scan a trie for speed)."""

from __future__ import annotations

import random
import re

import pytest

from casebook.model.textmatch import NameFinder, _trie

PEOPLE = (
    ("p1", ("Ann Lee", "p1")),
    ("p2", ("Ann Leeson", "ann-leeson")),
    ("p3", ("Jo Ann Lee", "jo-ann")),
    ("p4", ("Bo", "bo")),
    ("p5", ("Ngozi Okonjo", "dir-okonjo")),
    ("p6", ("A. N. Other", "mgr-other")),
)


def _plain(finder: NameFinder) -> re.Pattern[str]:
    forms = sorted(finder._who, key=len, reverse=True)
    return re.compile("(?= (" + "|".join(re.escape(f) for f in forms) + ") )")


def test_trie_matches_exactly_the_forms() -> None:
    pattern = re.compile(f"^(?:{_trie(['ann lee', 'ann leeson', 'bo'])})$")
    assert [w for w in ["ann lee", "ann leeson", "bo", "ann", "ann lees", "b", "bob"]
            if pattern.match(w)] == ["ann lee", "ann leeson", "bo"]  # fmt: skip


@pytest.mark.parametrize("seed", range(5))
def test_same_people_found_as_a_longest_first_alternation(seed: int) -> None:
    finder = NameFinder(PEOPLE)
    plain = _plain(finder)
    words = [w for form in finder._who for w in form.split()] + ["the", "son", "x", "leeson"]
    rng = random.Random(seed)
    matched = 0
    for _ in range(3000):
        hay = " " + " ".join(rng.choice(words) for _ in range(rng.randint(1, 10))) + " "
        want = {m.group(1) for m in plain.finditer(hay)}
        got = {m.group(1) for m in finder._pattern.finditer(hay)} if finder._pattern else set()
        assert got == want, hay
        matched += bool(want)
    assert matched > 300  # the random texts did name people


def test_overlapping_and_longer_forms() -> None:
    finder = NameFinder(PEOPLE)
    assert finder.find("Met Jo Ann Lee today") == {"p3", "p1"}
    assert finder.find("Ann Leeson called") == {"p2"}  # not Ann Lee: "leeson" is one word
    assert finder.find("Okonjo, Ngozi agreed") == {"p5"}
    assert finder.find("Ann. Lee") == set()  # two sentences never join into a name
