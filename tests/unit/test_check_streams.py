"""`casebook check` holds one record at a time (issue 14): each record is validated once, judged,
and dropped; nothing after that (book-wide rules, the report) asks for a record again, which
would validate it anew and keep it (at 10,000 cases that was 170 MB)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from casebook.check.run import run_check
from casebook.model import Case
from casebook.store import cases as store_cases
from casebook.store.reader import read_model

AS_OF = date(2026, 11, 23)


@pytest.mark.parametrize("use_cache", [True, False], ids=["cold cache", "no cache"])
def test_each_record_is_validated_once_and_not_kept(
    demo: Path, use_cache: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads: list[str] = []
    from_cache: list[int] = []
    kept: list[store_cases.CaseFile] = []

    def counting_read(root: Path, path: Path, model: type, **kwargs: Any) -> object:
        if model is Case:
            reads.append(path.name)
        return read_model(root, path, model, **kwargs)

    original = Case.model_validate_json

    def counting_json(*args: object, **kwargs: object) -> Case:
        from_cache.append(1)
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(store_cases, "read_model", counting_read)
    monkeypatch.setattr(Case, "model_validate_json", counting_json)
    original_load = store_cases.load

    def keeping_load(*args: object, **kwargs: object) -> object:
        book, findings = original_load(*args, **kwargs)  # type: ignore[arg-type]
        if book is not None:
            kept.extend(book.files)
        return book, findings

    monkeypatch.setattr("casebook.check.loading.cases.load", keeping_load)
    report = run_check(demo, AS_OF, use_cache=use_cache)
    files = sorted(p.name for p in (demo / "cases").glob("*.yaml"))
    assert report.cases == len(files) > 10
    assert sorted(reads) == files  # each file read and validated once
    assert from_cache == []  # and never again from the cache
    assert kept and all(f._case is None and f._text is None for f in kept)  # nothing held
