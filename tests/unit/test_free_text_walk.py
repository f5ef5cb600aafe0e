"""The free-text scan reads every string of a record from its models (``replay._strings``),
the same strings ``model_dump`` gives: nothing a person could be named in is skipped."""

from __future__ import annotations

from pathlib import Path

from casebook.engine.replay import _strings
from casebook.model import Case
from casebook.store.reader import read_model

ROOT = Path(__file__).resolve().parents[2]


def _dumped(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _dumped(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _dumped(v)]
    return []


def _records() -> list[Case]:
    paths = sorted((ROOT / "cases").glob("*.yaml"))
    paths += sorted((ROOT / "tests").glob("acceptance/**/*.yaml"))
    out = []
    for path in paths:
        model = read_model(path.parents[1], path, Case).model  # None: not a valid case
        if model is not None:
            out.append(model)
    return out


def test_same_strings_as_model_dump_for_every_record_here() -> None:
    records = _records()
    assert len(records) > 50  # the demo and the acceptance cases
    events = 0
    for case in records:
        assert _strings(case.referral, []) == _dumped(case.referral.model_dump())
        assert _strings(case.person, []) == _dumped(case.person.model_dump())
        for ev in case.events:
            assert _strings(ev, []) == _dumped(ev.model_dump(by_alias=True)), (case.id, ev)
            events += 1
    assert events > 500
