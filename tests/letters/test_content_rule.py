# ruff: noqa: E501
# (the YAML snippets below must match the fixture line for line)
"""Rule letter-content: removing the data any mandatory item needs makes `casebook check` fail,
naming the item and how to fix it. One case per item (policy/letter_items.py's vocabulary)."""

from __future__ import annotations

import json

import pytest

from casebook.model.letter_items import LETTER_ITEMS

from .helpers import ALLITEMS_AS_OF, ALLITEMS_CASE, copy_fixture, edit

CASE = f"cases/{ALLITEMS_CASE}.yaml"
PROC = "policy/procedures/allitems.yaml"
PEOPLE = "policy/people.yaml"
LETTERHEAD = "policy/letterhead/letterhead.yaml"
SPOC = (
    "      - {type: spoc, officer: cro-cam}\n      - {type: channels, allowed: [email, letter]}\n"
)
COUNCILLOR = (
    '      - {type: councillor-arrangement, summary: "Write to your ward councillor at the Civic '
    'Centre; we will pass letters on unopened."}\n'
)

# item -> [(file, old, new)]: the smallest change that takes away what the item is made from.
REMOVALS: dict[str, list[tuple[str, str, str]]] = {
    "behaviour-of-concern": [
        (CASE, "behaviours: [high-volume, scatter-gun]", "behaviours: [shouting]")
    ],
    "why-unacceptable": [
        (CASE, "  - {date: 2026-01-13, type: letter", "  - {date: 2026-01-10, type: letter"),
        (
            CASE,
            "events:\n",
            "events:\n  - {date: 2026-01-10, type: letter, letter: monitoring-letter, by: cro-cam, via: email}\n",
        ),
    ],
    "service-impact": [
        (
            CASE,
            "  account: 52 e-mails to 9 officers in three weeks about one closed planning complaint.\n",
            "",
        ),
    ],
    "expectations": [
        (CASE, "behaviours: [high-volume, scatter-gun]", "behaviours: [shouting]"),
        (
            CASE,
            SPOC,
            "      - {type: service-exception, officer: hos-hana, matter: the planning application}\n",
        ),
    ],
    "actions": [
        (
            CASE,
            "      - {type: closed-topic, topic: the 2025 planning complaint, handling: file}\n",
            "",
        ),
        (
            CASE,
            '      - {type: time-slot, days: [tue, thu], from: "10:00", to: "12:00", channel: phone}\n',
            "",
        ),
        (CASE, "      - {type: volume, max: 2, per: week, channel: email}\n", ""),
        (
            CASE,
            "    restrictions:\n      - {type: spoc, officer: cro-cam}\n    until",
            "    restrictions: []\n    until",
        ),
    ],
    "duration": [
        (
            PROC,
            '    period: {months: 3, may_be_shorter: true, source: "council-setting: fixture"}\n',
            "",
        ),
    ],
    "monitoring-period": [
        (
            PROC,
            '    period: {months: 3, may_be_shorter: true, source: "council-setting: fixture"}\n',
            "",
        ),
    ],
    "final-position": [
        (
            CASE,
            "    final_position: The complaint about the planning application is closed; the decision stands.\n",
            "",
        )
    ],
    "spoc": [
        (
            CASE,
            "      - {type: spoc, officer: cro-cam}\n      - {type: channels",
            "      - {type: channels",
        )
    ],
    "contact-arrangements": [
        (CASE, "    restrictions:\n" + SPOC + COUNCILLOR, "    restrictions: []\n")
    ],
    "possible-outcomes": [
        (
            PROC,
            "  - from: [monitoring]\n    to: sanctioned",
            "  - from: [referred]\n    to: sanctioned",
        )
    ],
    "sanction": [
        (
            CASE,
            "    restrictions:\n      - {type: spoc, officer: cro-cam}\n      - {type: volume, max: 2, per: week, channel: email}\n"
            '      - {type: time-slot, days: [tue, thu], from: "10:00", to: "12:00", channel: phone}\n'
            "      - {type: closed-topic, topic: the 2025 planning complaint, handling: file}\n    until: 2026-10-10\n",
            "    restrictions: []\n",
        ),
    ],
    "review-outcome": [
        (
            CASE,
            "events:\n",
            "events:\n  - {date: 2026-01-06, type: letter, letter: sanction-letter, by: cro-cam, via: post}\n",
        ),
    ],
    "thanks": [
        (
            CASE,
            "  - {date: 2026-10-12, type: decision, to: closed, decided_by: [ed-eli], reasons: Contact has been acceptable since the sanction.}\n",
            "",
        ),
    ],
    "policy-copy": [
        (
            "policy/published/allitems.txt",
            "A fixture procedure that requires every letter item casebook knows.\n",
            "  \n",
        )
    ],
    "how-to-challenge": [(LETTERHEAD, "complaints:", "# complaints:")],
    "ombudsman": [
        (LETTERHEAD, "ombudsman: {name: Local Government", "# ombudsman: {name: Local Government")
    ],
    "statutory-rights": [
        (
            "policy/letters/allitems/monitoring-letter.md.j2",
            "{% call item('statutory-rights') %}\nThis does not affect your legal rights to council services or information.\n{% endcall %}\n",
            "",
        ),
    ],
    "how-to-access-services": [
        (CASE, SPOC + COUNCILLOR, "      - {type: volume, max: 2, per: week}\n"),
        (LETTERHEAD, "website: www.council.example\n", ""),
    ],
    "councillor-arrangements": [(CASE, COUNCILLOR, "")],
}


# Items whose data the case schema itself requires: removing it is a schema error.
SCHEMA_GUARDED = {"service-impact": "referral.account"}


def test_every_item_has_a_removal_case():
    assert set(REMOVALS) == set(LETTER_ITEMS)


def check(cli, root):
    res = cli("--root", root, "check", "--no-cache", "--as-of", ALLITEMS_AS_OF, "--format", "json")
    return res.code, json.loads(res.out)


def test_fixture_is_clean(cli, tmp_path):
    code, report = check(cli, copy_fixture("allitems", tmp_path))
    assert code == 0, report["findings"]
    # One letter warning: not yet due. (The fixture's case also closes two days after its
    # period ended and its procedure states no retention: the time rules warn about those.)
    letters = [f["rule"] for f in report["findings"] if f["rule"] not in {"late", "retention"}]
    assert letters == ["notify"]
    assert all(f["severity"] == "warning" for f in report["findings"])


@pytest.mark.parametrize("item", sorted(REMOVALS))
def test_removing_the_data_of_an_item_fails_check(cli, tmp_path, item):
    root = copy_fixture("allitems", tmp_path)
    for rel, old, new in REMOVALS[item]:
        edit(root / rel, old, new)
    code, report = check(cli, root)
    assert code != 0, report
    errors = [f for f in report["findings"] if f["severity"] == "error"]
    hits = [
        f
        for f in errors
        if (f["rule"] == "letter-content" and f"(item {item!r})" in f["message"])
        or (f["rule"] == "letter-template" and item in f["message"])
        or (item in SCHEMA_GUARDED and f["rule"] == "schema")
    ]
    assert hits, errors
    hit = hits[0]
    if hit["rule"] == "schema":  # the schema already makes the data mandatory
        assert code == 1 and hit["field"] == SCHEMA_GUARDED[item]
    elif hit["rule"] == "letter-content":
        assert code == 1
        assert hit["file"] == CASE and hit["line"] and hit["field"].startswith("events[")
        assert f"(item {item!r})" in hit["message"] and "to fix:" in hit["message"]
    else:  # the procedure's own data or a template: the policy is at fault (exit 2)
        assert code == 2


def test_a_letter_due_but_not_recorded_is_checked_too(cli, tmp_path):
    root = copy_fixture("allitems", tmp_path)
    case = root / CASE
    edit(
        case,
        "  - {date: 2026-01-13, type: letter, letter: monitoring-letter, by: cro-cam, via: post-and-email}\n",
        "",
    )
    edit(
        case,
        "      - {type: spoc, officer: cro-cam}\n      - {type: channels",
        "      - {type: channels",
    )
    _, report = check(cli, root)
    warnings = [f for f in report["findings"] if f["rule"] == "letter-content"]
    assert warnings and all(f["severity"] == "warning" for f in warnings), report
    assert "due after this decision" in warnings[0]["message"]


def test_a_posted_letter_needs_an_address(cli, tmp_path):
    root = copy_fixture("allitems", tmp_path)
    edit(root / CASE, ', address: "2 Sample Road, Sampleton, XX2 2XX"', "")
    code, report = check(cli, root)
    hits = [f for f in report["findings"] if f["rule"] == "letter-content"]
    assert code == 1 and hits and "no postal address" in hits[0]["message"]
    assert hits[0]["field"].endswith(".via")
