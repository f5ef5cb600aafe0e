"""Time `casebook check` against a parse-only baseline measured in the same run.

    python benchmarks/bench_check.py [--cases 1000 10000] [--policy policy] [--repeat 3]

For each N: generate a synthetic casebook (benchmarks/generate.py), then measure
- baseline: read every case file and parse it with PyYAML's C loader, nothing else;
- cold: `casebook check` with no cache (parse, validate, every rule);
- warm: `casebook check` again after one file changed (the cache is keyed by file content).
Reports cold/baseline (target <= 1.5) and warm/cold (target <= 0.2). Best of --repeat runs.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tooling"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from generate import AS_OF, generate  # noqa: E402

from casebook.check.run import run_check  # noqa: E402
from casebook.store.cache import forget  # noqa: E402


def parse_only(root: Path) -> int:
    n = 0
    for path in sorted((root / "cases").glob("*.yaml")):
        yaml.load(path.read_bytes(), Loader=yaml.CSafeLoader)
        n += 1
    return n


def best(
    fn: Callable[[], object], repeat: int, before: Callable[[], object] | None = None
) -> float:
    times = []
    for _ in range(repeat):
        if before:
            before()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def measure(root: Path, repeat: int, as_of: date = AS_OF) -> dict[str, float]:
    def clear() -> None:
        forget(root)

    baseline = best(lambda: parse_only(root), repeat)
    cold = best(lambda: run_check(root, as_of, use_cache=True), repeat, before=clear)
    report = run_check(root, as_of, use_cache=True)  # leaves a full cache behind
    victim = sorted((root / "cases").glob("*.yaml"))[0]
    original = victim.read_text(encoding="utf-8")
    counter = iter(range(10**6))

    def touch_one() -> None:
        victim.write_text(original + f"# edited {next(counter)}\n", encoding="utf-8")

    warm = best(lambda: run_check(root, as_of, use_cache=True), repeat, before=touch_one)
    return {
        "cases": report.cases,
        "findings": len(report.findings),
        "baseline_s": baseline,
        "cold_s": cold,
        "warm_s": warm,
        "cold_over_baseline": cold / baseline,
        "warm_over_cold": warm / cold,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--policy", type=Path, default=ROOT / "policy")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    for n in args.cases:
        with tempfile.TemporaryDirectory() as tmp:
            root = generate(Path(tmp) / "book", n, args.policy)
            r = measure(root, args.repeat)
        print(
            f"N={n:>6}: baseline {r['baseline_s']:.2f}s, check cold {r['cold_s']:.2f}s, "
            f"warm {r['warm_s']:.2f}s | cold/baseline {r['cold_over_baseline']:.2f} "
            f"(target <= 1.5), warm/cold {r['warm_over_cold']:.2f} (target <= 0.2); "
            f"{r['findings']} findings"
        )


if __name__ == "__main__":
    main()
