"""A letter says each restriction of the decision once, and leaves none out.

The procedures make both "the decision taken and its effect" (item ``actions``) and "who they
can contact, how and when" (``contact-arrangements``) mandatory in some letters; both are worded
from the same restrictions, and the letters used to print each restriction twice (three times
for the councillor arrangement). This renders every letter of every procedure recorded in every
case of the demo casebook and of the fixture casebooks that have their own letter templates,
and fails if a restriction's words appear twice in a letter, or if a letter that must give the
decision's effect (``actions``, ``contact-arrangements`` or ``sanction``) leaves a restriction
out.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from casebook.model import restrictions as r
from casebook.publish.letters import Renderer, phrases
from casebook.publish.letters.mdtext import escape
from tests.conftest import REPO

from .helpers import FIXTURES, load

# Items whose block says what the decision does: a letter with one of them must say every
# restriction of the decision.
_EFFECT = {"actions", "contact-arrangements", "sanction"}

BOOKS = {
    "demo": REPO,
    **{
        p.name: p
        for p in sorted(FIXTURES.iterdir())
        if (p / "policy" / "letters").is_dir() and (p / "cases").is_dir()
    },
}


@cache
def _letters(name: str) -> list[tuple[str, str, list[str], list[str]]]:
    """(where, letter Markdown, required items, each restriction's words) for every recorded
    letter of every case of the book."""
    book = load(BOOKS[name])
    renderer = Renderer(book)
    people = book.policy.people.by_id()
    out = []
    for case in book.cases():
        procedure = book.policy.procedures[case.procedure]
        channels = {c.id: c.label for c in procedure.channels}
        for job in renderer.jobs(case):
            md, _ = renderer.markdown(case, job)
            spec = procedure.letters[job.letter_id]
            words = []
            if job.step is not None:
                decided = job.step.decision.date
                for x in job.step.decision.restrictions:
                    if isinstance(x, r.CouncillorArrangement):
                        words.append(escape(phrases.full_stop(x.summary)))
                    else:
                        line = phrases.arrangement(x, people, channels, decided, procedure.measures)
                        words.append(escape(line))
            where = f"{name}: {case.id} {job.letter_id} of {job.date}"
            out.append((where, md, [i.item for i in spec.required], words))
    return out


@pytest.mark.parametrize("name", sorted(BOOKS))
def test_no_restriction_is_said_twice(name):
    letters = _letters(name)
    if name == "demo":  # every procedure's letters are in it; a fixture may have no restriction
        assert any(words for _, _, _, words in letters), "no demo letter follows a restriction"
    twice = [
        f"{where}: {w!r} appears {md.count(w)} times"
        for where, md, _, words in letters
        for w in dict.fromkeys(words)
        if md.count(w) > 1
    ]
    assert not twice, "\n".join(twice)


@pytest.mark.parametrize("name", sorted(BOOKS))
def test_a_letter_giving_the_decision_leaves_no_restriction_out(name):
    checked = 0
    gaps = []
    for where, md, required, words in _letters(name):
        if not _EFFECT & set(required):
            continue
        checked += len(words)
        gaps += [f"{where}: {w!r} is not in the letter" for w in words if w not in md]
    if name == "demo":
        assert checked, "no demo letter that must give the decision's effect has restrictions"
    assert not gaps, "\n".join(gaps)


def test_the_check_sees_a_repeat(tmp_path: Path):
    """The test above can fail: the channel-block letter as it was (actions, then the contact
    arrangements, then the councillor) repeats every restriction."""
    import shutil

    root = tmp_path / "book"
    shutil.copytree(REPO / "policy", root / "policy")
    shutil.copytree(REPO / "cases", root / "cases")
    tmpl = root / "policy/letters/restricted-contact/channel-block-letter.md.j2"
    text = tmpl.read_text(encoding="utf-8")
    old = '{% include "_parts/decision.md.j2" %}'
    assert old in text
    tmpl.write_text(
        text.replace(
            old,
            '{% include "_parts/actions.md.j2" %}\n\n'
            '{% include "_parts/contact-arrangements.md.j2" %}\n\n'
            '{% include "_parts/councillor.md.j2" %}',
        ),
        encoding="utf-8",
    )
    BOOKS["repeat"] = root
    try:
        with pytest.raises(AssertionError, match="appears 2 times"):
            test_no_restriction_is_said_twice("repeat")
    finally:
        del BOOKS["repeat"]
        _letters.cache_clear()


def test_a_councils_own_measure_is_said_once_under_other_arrangements(tmp_path: Path):
    """A measure the procedure declares (``measures:``) is neither who, how nor when: the
    decision part prints it once, under "Other arrangements", with the lines the decision's
    `actions` would have printed."""
    import shutil

    from casebook.publish.letters import Renderer

    from .helpers import edit

    root = tmp_path / "book"
    shutil.copytree(REPO / "policy", root / "policy")
    (root / "cases").mkdir()
    shutil.copy(REPO / "cases/MCR-2026-0001.yaml", root / "cases")
    proc = root / "policy/procedures/managing-customer-relations.yaml"
    edit(proc, "restrictions: [spoc, channels,", "restrictions: [weekly-summary, spoc, channels,")
    proc.write_text(
        proc.read_text(encoding="utf-8")
        + "measures:\n  weekly-summary:\n    label: A weekly summary\n"
        '    letter: "We will send you a summary of your open requests every Friday{until}."\n'
        '    source: "council-setting: a test measure"\n',
        encoding="utf-8",
    )
    edit(
        root / "cases/MCR-2026-0001.yaml",
        "        allowed: [email, letter]\n",
        "        allowed: [email, letter]\n      - type: weekly-summary\n",
    )
    book = load(root)
    renderer = Renderer(book)
    case = renderer.case("MCR-2026-0001")
    job = next(j for j in renderer.jobs(case) if j.letter_id == "decision-letter")
    md, items = renderer.markdown(case, job)
    said = "We will send you a summary of your open requests every Friday"
    assert md.count(said) == 1, md
    assert md.index("**Other arrangements**") < md.index(said)
    assert said in items["actions"] and said in items["contact-arrangements"]


def test_every_councillor_arrangement_is_said(tmp_path: Path):
    """A decision may make two councillor arrangements (`casebook check` accepts it): the
    channel-block letter says each once (it used to print only the first)."""
    import shutil

    from casebook.publish.letters import Renderer

    from .helpers import edit

    root = tmp_path / "book"
    shutil.copytree(REPO / "policy", root / "policy")
    (root / "cases").mkdir()
    shutil.copy(REPO / "cases/RC-2026-0001.yaml", root / "cases")
    first = (
        "Letters to the ward councillor via Democratic Services, forwarded unopened within two "
        "working days"
    )
    second = "Calls to the cabinet member through their office"
    edit(
        root / "cases/RC-2026-0001.yaml",
        f"        summary: {first}\n",
        f"        summary: {first}\n"
        f"      - type: councillor-arrangement\n        summary: {second}\n",
    )
    book = load(root)
    renderer = Renderer(book)
    case = renderer.case("RC-2026-0001")
    job = next(j for j in renderer.jobs(case) if j.letter_id == "channel-block-letter")
    md, _ = renderer.markdown(case, job)
    assert md.count(f"{first}.") == 1, md
    assert md.count(f"{second}.") == 1, md
