"""Free-text prior knowledge cannot be hidden with invisible characters, is not invented from
two sentences, and counts retention flags (found by a review that tried, 2026-11-29)."""

from __future__ import annotations

import json
from datetime import date

import pytest

from casebook.model.textmatch import NameFinder

FINDER = NameFinder(
    (("dir-haverford", ("Miles Haverford", "dir-haverford")), ("tm-jones", ("Gareth Jones",)))
)


@pytest.mark.parametrize(
    "text",
    [
        "Discussed with Mi\u034fles Haverford",  # combining grapheme joiner
        "Discussed with Miles Haverfor\ufe00d",  # variation selector
        "Discussed with Mi\u3164les Haverford",  # Hangul filler
        "Discussed with Miles Haverf\U000e0041ord",  # tag character
        "Discussed with Miles Haverførd",  # o with stroke
        "Discussed with Miles\nHaverford",  # a line break inside the name still names him
        "miles.haverford@council.example",
        "Jones, Gareth agreed",
    ],
)
def test_names_hidden_by_invisible_or_lookalike_characters_are_found(text: str) -> None:
    assert FINDER.find(text)


@pytest.mark.parametrize(
    "text",
    [
        "Says he walked for miles. Haverford Road depot was shut",
        "Spoke to Mr Jones. Gareth later said he agreed",
        "Asked about miles; Haverford was not mentioned",
    ],
)
def test_two_sentences_do_not_make_a_name(text: str) -> None:
    assert FINDER.find(text) == set()


def test_a_retention_flag_makes_its_recorder_and_whoever_it_names_involved() -> None:
    from casebook.engine.replay import involved_before
    from casebook.model import Case
    from casebook.model.people import Person

    case = Case.model_validate_json(
        json.dumps(
            {
                "id": "MC-2026-0101",
                "procedure": "managed-contact",
                "service": "Housing",
                "person": {"name": "Robin Testperson", "contact": {"address": "3 Example Road"}},
                "referral": {
                    "date": "2026-01-02",
                    "by": "tm-farouk",
                    "capacity": "service",
                    "behaviours": ["threats"],
                    "account": "Calls.",
                },
                "retention_flags": [
                    {
                        "exception": "legal-hold",
                        "reason": "Legal hold asked for by Miles Haverford",
                        "recorded": "2026-01-05",
                        "by": "igo-mensah",
                    }
                ],
                "events": [
                    {
                        "date": "2026-02-01",
                        "type": "decision",
                        "to": "stage-1",
                        "decided_by": ["tm-farouk"],
                        "reasons": "Stage 1.",
                    },
                ],
            }
        )
    )
    people = {
        "dir-haverford": Person.model_validate(
            {"id": "dir-haverford", "name": "Miles Haverford", "roles": ["director"]}
        )
    }
    seen = involved_before(case, 0, people)
    assert seen["igo-mensah"] == "retention_flags[0].by"
    assert seen["dir-haverford"] == "retention_flags[0] (named in its text)"
    assert date(2026, 1, 5) < case.events[0].date


@pytest.mark.parametrize("capital_i", ["\u0406", "\u0399", "\uff29"])  # Cyrillic, Greek, full-width
def test_a_capital_i_look_alike_still_names_the_person(capital_i: str) -> None:
    # Found by the sweep: Unicode's confusables data folds every capital-I look-alike to
    # "l" (I and l are confusable too), while plain ASCII text is not folded, so
    # "\u0406vo \u0406ngram" in Cyrillic never matched "Ivo Ingram".
    finder = NameFinder((("dir-ingram", ("Ivo Ingram",)),))
    assert finder.find(f"Discussed with {capital_i}vo {capital_i}ngram")
    assert not NameFinder((("dir-lngram", ("Lvo Lngram",)),)).find(
        f"{capital_i}vo {capital_i}ngram"
    )
