"""The time benchmark runs (small N). Figures are reported by hand-run benchmarks."""

from __future__ import annotations

import sys

import pytest

from tests.conftest import REPO

sys.path.insert(0, str(REPO / "benchmarks"))


@pytest.mark.slow
def test_time_benchmark_runs(tmp_path):
    from bench_time import bench_breaches, bench_casebook
    from generate import generate

    root = generate(tmp_path / "book", 6, REPO / "policy")
    r = bench_casebook(root, repeat=1)
    assert r["cases"] == 6 and r["obligations"] > 0
    assert r["due_cold_s"] > 0 and r["register_warm_s"] > 0
    b = bench_breaches(tmp_path / "one", 300, 1, REPO / "policy")
    assert b["contacts"] == 300
    assert 0 < b["breaches"] < 300
