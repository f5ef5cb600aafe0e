"""The benchmarks run (small N). Figures are reported by hand-run benchmarks, not asserted."""

from __future__ import annotations

import sys

import pytest

from tests.conftest import FIXTURES, REPO

sys.path.insert(0, str(REPO / "benchmarks"))


@pytest.mark.slow
def test_check_benchmark_runs_on_a_generated_casebook(tmp_path):
    from bench_check import measure
    from generate import generate

    root = generate(tmp_path / "book", 40, REPO / "policy")
    result = measure(root, repeat=1)
    assert result["cases"] == 40
    assert result["cold_over_baseline"] > 0 and result["warm_over_cold"] > 0


@pytest.mark.slow
def test_generated_cases_are_valid_against_the_real_procedures(tmp_path):
    from datetime import date

    from generate import generate

    from casebook.check.run import run_check

    root = generate(tmp_path / "book", 30, REPO / "policy", seed=7)
    report = run_check(root, date(2026, 11, 23), use_cache=False)
    structural = [
        f
        for f in report.findings
        if f.rule
        in {"schema", "reference", "transition", "approval", "restriction", "letter-content"}
    ]
    assert structural == [], "\n".join(f.as_text() for f in structural)
    assert FIXTURES.is_dir()


@pytest.mark.slow
def test_site_benchmark_runs_on_a_generated_casebook(tmp_path):
    from bench_site import BUILDS, measure

    results = measure(12, REPO / "policy", 1, tmp_path)
    assert set(results) == {"baseline", *(name for name, *_ in BUILDS)}
    assert all(r.seconds > 0 and r.cpu > 0 and r.peak_mb > 0 for r in results.values())
    # The no-letters build really leaves the letters out.
    assert results["governance warm no-letters"].out_mb < results["governance warm"].out_mb


@pytest.mark.slow
def test_run_all_keeps_the_least_cpu_of_repeated_runs(tmp_path, monkeypatch):
    """``run_all.measure`` (the table issue 14 asks for) on a small casebook, and ``best``, which
    keeps the least CPU of repeated runs (the `log` rows, which build cases of 10,000 events,
    are measured by hand-run benchmarks)."""
    import run_all
    from run_all import Run, best, measure

    monkeypatch.setattr(run_all, "log_rows", lambda base, env: [])
    rows = measure(6, tmp_path, REPO / "tooling", site=False)  # one run a row: best() below
    names = [name for name, *_ in rows]
    assert names[:4] == [
        "parse-only baseline",
        "casebook's strict parse only",
        "check cold",
        "check warm, nothing changed",
    ]
    assert "check warm, one file changed" in names and "register (warm cache)" in names
    assert all(r.cpu > 0 and r.peak_mb > 0 and r.code in (0, 1) for _, r, _, _ in rows)
    runs = iter([Run(3.0, 50.0, 0), Run(1.0, 10.0, 0), Run(2.0, 20.0, 0)])
    got = best(3, lambda: next(runs))
    assert (got.cpu, got.peak_mb) == (1.0, 50.0)  # the least CPU, the largest peak


@pytest.mark.slow
def test_run_all_splits_a_cold_governance_build_into_mkdocs_and_the_floor(tmp_path, monkeypatch):
    """The site rows: MkDocs' share of a cold governance build is measured in the build's own
    process (its children), and the floor is the strict parse plus that share."""
    import run_all
    from run_all import measure

    monkeypatch.setattr(run_all, "log_rows", lambda base, env: [])
    rows = {
        name.strip(): (r, ratio)
        for name, r, _, ratio in measure(3, tmp_path, REPO / "tooling", site=True)
    }
    whole, _ = rows["site governance cold"]
    mkdocs, _ = rows["of a cold governance build, MkDocs"]
    floor, _ = rows["floor: strict parse + that MkDocs"]
    strict, _ = rows["casebook's strict parse only"]
    assert 0 < mkdocs.cpu < whole.cpu * 1.5  # a child of one build, not the whole run again
    assert floor.cpu == pytest.approx(strict.cpu + mkdocs.cpu)
    checked, _ = rows["site governance, records cached by check"]
    assert checked.cpu > 0 and checked.code == 0


@pytest.mark.slow
def test_interleaved_rounds_run_and_keep_the_least_of_each_column(tmp_path):
    """``benchmarks/rounds.py``, whose figures ADR 31 quotes, on a small casebook."""
    from rounds import Round, interleaved, least

    (got,) = interleaved(5, tmp_path, REPO / "tooling", rounds=1)
    assert got.baseline and got.check_cold and got.stub > 0 and got.governance_warm > 0
    # Both measured; not compared: at 5 cases on a busy machine either may take longer.
    assert got.governance_cold and got.governance_cold > 0
    line = got.line("round 1")
    assert "check cold" in line and "governance cold" in line and "governance warm" in line
    assert not (tmp_path / "casebook" / "site").exists()  # the copied site/ is removed again
    low = least(
        [Round(2.0, 5.0, 4.0, 6.0, 9.0), Round(1.0, 7.0, 3.0, 9.0, 8.0), Round(None, None, 5, 5)]
    )
    assert low == Round(1.0, 5.0, 3.0, 5.0, 8.0)
    assert "check cold" not in Round(None, None, 1.0, 2.0).line("r")
