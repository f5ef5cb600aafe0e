"""Time the record commands on long cases against a parse baseline measured in the same run.

    python benchmarks/bench_records.py [--events 1000 10000] [--repeat 3]

For each N: a copy of the mini fixture casebook whose case has N contact events, then
- baseline: parse the case file with PyYAML's C loader (nothing else);
- log: plan and write `casebook log contact` on that case (splice, validate, every rule);
- fmt: `casebook fmt` of that file (ruamel.yaml round trip: the slow one, bounded by the
  record size limit, docs/limits.md);
- import: `casebook log contacts --csv` of 1,000 rows into the case (validate, write).
Reports each over the baseline. Linear edits keep log/baseline about the same for every N
(issue 13: it was 4.4 s at 1,000 events and over 5 minutes at 15,000). Best of --repeat runs.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tooling"))

from casebook.cli.main import run  # noqa: E402

CASE = "MC-2026-0001"
START = date(2026, 3, 17)


def make_book(where: Path, events: int) -> Path:
    """The mini casebook with ``events`` e-mail contacts appended to its case (block style)."""
    root = where / f"book-{events}"
    shutil.copytree(ROOT / "tests" / "fixtures" / "mini", root)
    path = root / "cases" / f"{CASE}.yaml"
    lines = []
    for i in range(events):
        day = START + timedelta(days=i // 20)
        lines.append(
            f"  - date: {day}\n    type: contact\n"
            f'    time: "{8 + (i % 20) // 2:02d}:{(i % 2) * 30:02d}"\n'
            f"    channel: email\n    to: mgr-basil\n    summary: Contact number {i}\n"
        )
    with path.open("a", encoding="utf-8") as fh:
        fh.write("".join(lines))
    return root


def csv_rows(path: Path, rows: int, after: date) -> Path:
    lines = ["date,time,channel,to,summary"]
    for i in range(rows):
        day = after + timedelta(days=1 + i // 20)
        lines.append(f"{day},{8 + (i % 20) // 2:02d}:{(i % 2) * 30:02d},email,mgr-basil,Row {i}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


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


def quiet(*args: str) -> None:
    """Run casebook in-process with its output thrown away; fail loudly on a bad exit code."""
    with open(os.devnull, "w") as null:
        out, err = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = null
        try:
            code = run(list(args))
        finally:
            sys.stdout, sys.stderr = out, err
    if code != 0:
        raise SystemExit(f"casebook {' '.join(args)} exited {code}")


def measure(where: Path, events: int, repeat: int) -> dict[str, float]:
    root = make_book(where, events)
    path = root / "cases" / f"{CASE}.yaml"
    original = path.read_bytes()
    last = START + timedelta(days=events // 20 + 1)
    as_of = str(last + timedelta(days=400))
    export = csv_rows(where / f"export-{events}.csv", 1000, last)

    def restore() -> None:
        path.write_bytes(original)

    baseline = best(lambda: yaml.load(path.read_bytes(), Loader=yaml.CSafeLoader), repeat)
    log_args = (
        "--root", str(root), "log", "contact", CASE, "--date", str(last), "--time", "12:00",
        "--channel", "email", "--to", "mgr-basil", "--summary", "Bench", "--as-of", as_of,
    )  # fmt: skip
    log = best(lambda: quiet(*log_args), repeat, restore)
    imported = best(
        lambda: quiet(
            "--root", str(root), "log", "contacts", CASE, "--csv", str(export), "--as-of", as_of
        ),
        repeat,
        restore,
    )
    fmt = best(lambda: quiet("--root", str(root), "fmt", str(path)), 1, restore)
    restore()
    return {
        "events": events,
        "bytes": len(original),
        "baseline_s": baseline,
        "log_s": log,
        "import_1000_s": imported,
        "fmt_s": fmt,
        "log_over_baseline": log / baseline,
        "import_over_baseline": imported / baseline,
        "fmt_over_baseline": fmt / baseline,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--events", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        results = [measure(Path(tmp), n, args.repeat) for n in args.events]
    print(
        f"{'events':>7} {'bytes':>10} {'parse s':>8} {'log s':>7} {'log/parse':>9} "
        f"{'import s':>8} {'fmt s':>7} {'fmt/parse':>9}"
    )
    for r in results:
        print(
            f"{r['events']:>7} {r['bytes']:>10,} {r['baseline_s']:>8.3f} {r['log_s']:>7.2f} "
            f"{r['log_over_baseline']:>9.1f} {r['import_1000_s']:>8.2f} {r['fmt_s']:>7.2f} "
            f"{r['fmt_over_baseline']:>9.1f}"
        )
    if len(results) >= 2:
        a, b = results[0], results[-1]
        growth = (b["log_s"] / a["log_s"]) / (b["events"] / a["events"])
        print(
            f"log time grew {b['log_s'] / a['log_s']:.1f}x for {b['events'] / a['events']:.0f}x "
            f"the events (1.0 = linear): {growth:.2f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
