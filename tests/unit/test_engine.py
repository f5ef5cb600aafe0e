"""The engine's building blocks: calendar months, approval matching, derived state, the cache."""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest

from casebook.check.loading import load
from casebook.engine.authority import evaluate
from casebook.engine.replay import add_period, involved_before
from casebook.engine.timeline import timeline
from casebook.model import Case, Person
from casebook.model.procedure import Period, Requirement
from casebook.store.cache import CACHE_NAME, cache_dir


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2026, 8, 31), 3, date(2026, 11, 30)),
        (date(2026, 3, 9), 6, date(2026, 9, 9)),
        (date(2024, 2, 29), 24, date(2026, 2, 28)),
    ],
)
def test_calendar_months(start, months, expected):
    assert add_period(start, Period(months=months, source="council-setting: test")) == expected


def _people() -> dict[str, Person]:
    return {
        "hos": Person(id="hos", name="H", roles=["head-of-service"]),
        "sigo": Person(id="sigo", name="S", roles=["senior-ig-officer"]),
        "dir1": Person(id="dir1", name="D1", roles=["director"]),
        "dir2": Person(id="dir2", name="D2", roles=["director", "head-of-service"]),
        "mo": Person(id="mo", name="M", roles=["monitoring-officer"]),
    }


STAGE2 = [
    Requirement(roles=["head-of-service"], source="x" * 5),
    Requirement(roles=["senior-ig-officer"], source="x" * 5),
    Requirement(roles=["director", "monitoring-officer"], independent=True, source="x" * 5),
]


def test_each_requirement_needs_a_different_person():
    people = _people()
    assert evaluate(STAGE2, ["hos", "sigo", "dir1"], people, {}).met
    # dir2 holds both head-of-service and director but can only fill one part.
    assert not evaluate(STAGE2, ["dir2", "sigo"], people, {}).met


def test_assignment_does_not_depend_on_order():
    # A greedy assignment would give dir2 the director part and leave head-of-service empty.
    people = _people()
    outcome = evaluate(STAGE2, ["dir2", "sigo", "mo"], people, {})
    assert outcome.met
    assert outcome.assignment[0] == ("dir2",)
    assert outcome.assignment[2] == ("mo",)


def test_independence_explains_who_is_conflicted():
    people = _people()
    outcome = evaluate(STAGE2, ["hos", "sigo", "dir1"], people, {"dir1": "events[2]"})
    assert not outcome.met
    assert "dir1 (appears in events[2])" in outcome.missing[0]


def test_count_requires_that_many_people():
    people = _people()
    two = [Requirement(roles=["director"], count=2, source="x" * 5)]
    assert not evaluate(two, ["dir1"], people, {}).met
    assert evaluate(two, ["dir1", "dir2"], people, {}).met


def test_unknown_people_never_count():
    assert not evaluate(STAGE2, ["hos", "sigo", "ghost"], _people(), {}).met


def test_same_service_takes_the_head_of_the_case_service_only():
    """001: "the head of service for the department affected"."""
    people = {
        "hos-h": Person(id="hos-h", name="H", roles=["head-of-service"], service="Housing"),
        "hos-p": Person(id="hos-p", name="P", roles=["head-of-service"], service="Planning"),
        "hos-e": Person(
            id="hos-e",
            name="E",
            roles=["head-of-service"],
            service="Environmental Services",
            other_services=["Highways"],
        ),
        "hos-x": Person(id="hos-x", name="X", roles=["head-of-service"]),
    }
    req = [Requirement(roles=["head-of-service"], same_service=True, source="x" * 5)]
    assert evaluate(req, ["hos-h"], people, {}, " housing ").met
    assert evaluate(req, ["hos-e"], people, {}, "Highways").met
    outcome = evaluate(req, ["hos-p", "hos-x"], people, {}, "Housing")
    assert not outcome.met
    assert "hos-p (Planning)" in outcome.missing[0]
    assert "hos-x (no service in policy/people.yaml)" in outcome.missing[0]
    # Without the relation, any head of service will do.
    assert evaluate([req[0].model_copy(update={"same_service": False})], ["hos-p"], people, {}).met


def test_prior_knowledge_includes_names_in_free_text():
    """002: "no prior knowledge of the customer/issue", judged over the whole record."""
    people = {
        "dir-a": Person(id="dir-a", name="Ada Quill", roles=["director"]),
        "dir-b": Person(id="dir-b", name="Ben Quill", roles=["director"]),
        "dir-c": Person(id="dir-c", name="Cy Moss", roles=["director"]),
        "dir-d": Person(id="dir-d", name="Dee Park", roles=["director"]),
    }
    case = Case.model_validate(
        {
            "id": "MC-2026-0001",
            "procedure": "managed-contact",
            "service": "Housing",
            "person": {"name": "Sam Example"},
            "referral": {
                "date": date(2026, 1, 5),
                "by": "tm-x",
                "capacity": "service",
                "behaviours": ["threats"],
                "account": "The customer says QUILL, Ada promised a reply.",
            },
            "events": [
                {"date": date(2026, 1, 6), "type": "note", "by": "tm-x", "text": "Told dir-c."},
                {"date": date(2026, 1, 7), "type": "note", "by": "tm-x", "text": "Quill is away."},
                {"date": date(2026, 1, 9), "type": "note", "by": "tm-x", "text": "Dee Park saw."},
            ],
        }
    )
    involved = involved_before(case, 2, people)
    assert involved["dir-a"] == "referral (named in its text)"  # surname first, any case
    assert involved["dir-c"] == "events[0] (named in its text)"  # by id
    assert "dir-b" not in involved  # a shared surname alone names nobody
    assert "dir-d" not in involved  # named only after the decision at events[2]
    assert "dir-a" not in involved_before(case, 2)  # structured fields only, without people


def test_derived_state_and_restrictions_follow_the_decisions(mini):
    book, _ = load(mini, use_cache=False)
    case = book.cases()[0]
    proc = book.policy.procedures["mini"]
    assert timeline(case, proc, date(2026, 3, 8)).state == "referred"
    d = timeline(case, proc, date(2026, 3, 9))
    assert (d.state, d.since) == ("stage-1", date(2026, 3, 9))
    kinds = [r.type for r in d.in_force(date(2026, 3, 20))]
    assert kinds == ["spoc", "channels"]
    assert d.in_force(date(2026, 3, 8)) == []


def test_cache_is_keyed_by_content_and_forgets_deleted_files(mini):
    case_file = mini / "cases/MC-2026-0001.yaml"
    book, _ = load(mini)
    assert _rows(mini) == ["cases/MC-2026-0001.yaml"]
    assert not (mini / ".casebook-cache").exists()  # outside the work tree

    # A changed file is re-read, not served from the cache.
    case_file.write_text(case_file.read_text().replace("service: Planning", "service: Housing"))
    book, _ = load(mini)
    assert book.cases()[0].service == "Housing"

    # A file with errors is never cached; a deleted file leaves the cache.
    case_file.write_text("id: [broken")
    book, findings = load(mini)
    assert book.cases() == [] and findings
    assert _rows(mini) == []


def _rows(root, what="rel"):
    db = sqlite3.connect(cache_dir(root) / CACHE_NAME)
    try:
        return [r[0] for r in db.execute(f"SELECT {what} FROM files ORDER BY rel")]
    finally:
        db.close()


def test_rule_findings_are_cached_per_content_policy_and_date(mini):
    from casebook.check.run import run_check

    case_file = mini / "cases/MC-2026-0001.yaml"
    case_file.write_text(
        case_file.read_text().replace("decided_by: [mgr-amber]", "decided_by: [mgr-basil]")
    )
    first = run_check(mini, date(2026, 4, 1))
    (key,) = _rows(mini, "findings_key")
    assert key.endswith("|2026-04-01")
    assert run_check(mini, date(2026, 4, 1)).findings == first.findings  # served from cache

    # A policy change must not be answered from the cache: mgr-basil gains no role, so the
    # approval finding stays; giving him the manager role clears it.
    people = mini / "policy/people.yaml"
    people.write_text(
        people.read_text().replace(
            "{id: mgr-basil, name: Basil Manager, roles: [manager]",
            "{id: mgr-basil, name: Basil Manager, roles: [manager, senior-ig-officer]",
        )
    )
    assert [f.rule for f in first.findings if f.severity == "error"] == []
    case_file.write_text(case_file.read_text().replace("consulted: [sigo-cora]", "consulted: []"))
    before = {f.rule for f in run_check(mini, date(2026, 4, 1)).findings}
    people.write_text(
        people.read_text().replace("roles: [manager, senior-ig-officer]", "roles: [manager]")
    )
    after = {f.rule for f in run_check(mini, date(2026, 4, 1)).findings}
    assert "approval" not in before and "approval" in after
