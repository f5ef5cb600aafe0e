"""Time `casebook due`, `casebook register` and breach detection against a parse-only baseline.

    python benchmarks/bench_time.py [--cases 10000] [--contacts 20000] [--repeat 3]

- On a synthetic casebook of --cases cases (benchmarks/generate.py): the baseline reads every
  case file and parses it with PyYAML's C loader, nothing else; then `casebook due` and
  `casebook register --format json` run in-process, cold (no cache) and warm (after `check` left
  its cache), and the derivation alone (obligations and register rows of an already loaded
  casebook).
- On one managed-contact case with --contacts incoming contacts: the baseline parses that one
  file; then breach detection alone (`breaches.analyse`) and `casebook check` of the casebook.
Every figure is the best of --repeat runs and is reported as a ratio to its baseline, measured in
the same run on the same files.
"""

from __future__ import annotations

import argparse
import contextlib
import io
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
sys.path.insert(0, str(ROOT / "benchmarks"))

from generate import AS_OF, generate  # noqa: E402

from casebook.check.loading import load  # noqa: E402
from casebook.check.run import run_check  # noqa: E402
from casebook.cli.main import run  # noqa: E402
from casebook.engine.breaches import analyse  # noqa: E402
from casebook.engine.obligations import obligations  # noqa: E402
from casebook.engine.timeline import timeline  # noqa: E402
from casebook.publish.register import register_rows  # noqa: E402
from casebook.store.cache import forget  # noqa: E402


def parse_only(paths: list[Path]) -> int:
    for path in paths:
        yaml.load(path.read_bytes(), Loader=yaml.CSafeLoader)
    return len(paths)


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


def command(*args: str) -> Callable[[], int]:
    def go() -> int:
        with contextlib.redirect_stdout(io.StringIO()):
            return run(list(args))

    return go


def bench_casebook(root: Path, repeat: int, as_of: date = AS_OF) -> dict[str, float]:
    paths = sorted((root / "cases").glob("*.yaml"))
    day = as_of.isoformat()

    def clear() -> None:
        forget(root)

    out: dict[str, float] = {"cases": len(paths)}
    out["baseline_s"] = best(lambda: parse_only(paths), repeat)
    due = command("--root", str(root), "due", "--as-of", day, "--format", "json")
    reg = command("--root", str(root), "register", "--as-of", day, "--format", "json")
    out["due_cold_s"] = best(due, repeat, before=clear)
    out["register_cold_s"] = best(reg, repeat, before=clear)
    run_check(root, as_of, use_cache=True)  # leaves a full cache behind
    out["due_warm_s"] = best(due, repeat)
    out["register_warm_s"] = best(reg, repeat)
    book, _ = load(root, use_cache=True)
    assert book is not None
    out["obligations"] = len(obligations(book, as_of))
    out["derive_due_s"] = best(lambda: obligations(book, as_of), repeat)
    out["derive_register_s"] = best(lambda: register_rows(book, as_of), repeat)
    return out


class _NoAliases(yaml.CSafeDumper):
    """Casebook files refuse anchors and aliases; write repeated values out in full."""

    def ignore_aliases(self, data: object) -> bool:
        return True


def big_case(root: Path, contacts: int) -> Path:
    """One managed-contact case at stage 1 with ``contacts`` incoming contacts."""
    start = date(2024, 1, 8)
    # Mostly within the arrangements; about one contact in five breaks one of them.
    channels = ["email", "phone", "letter"] * 3 + ["webform"]
    events: list[dict[str, object]] = [
        {
            "date": start,
            "type": "decision",
            "to": "stage-1",
            "decided_by": ["tm-jones"],
            "consulted": ["sigo-khan"],
            "reasons": "Very high volume of contact to many officers.",
            "until": date(2027, 1, 8),
            "restrictions": [
                {"type": "spoc", "officer": "tm-jones"},
                {"type": "channels", "allowed": ["email", "phone", "letter"]},
                {"type": "volume", "max": 150, "per": "week"},
                {"type": "call-length", "minutes": 15},
                {"type": "closed-topic", "topic": "the 2023 complaint"},
            ],
        },
        {
            "date": start,
            "type": "letter",
            "letter": "stage-1-letter",
            "by": "tm-jones",
            "via": "email",
        },
    ]
    per_day = max(1, contacts // 1000 + 1)
    for i in range(contacts):
        day = start + timedelta(days=i // per_day)
        ev: dict[str, object] = {
            "date": day,
            "type": "contact",
            "time": f"{8 + i % 10:02d}:{i % 60:02d}",
            "channel": channels[i % 10],
            "to": "contact-centre" if i % 20 == 7 else "tm-jones",
            "summary": "Asked about the complaint",
        }
        if i % 50 == 0:
            ev["topic"] = "the 2023 complaint"
        if ev["channel"] == "phone":
            ev["minutes"] = 5 + i % 12
        events.append(ev)
    record = {
        "id": "MC-2024-0001",
        "procedure": "managed-contact",
        "service": "Council Tax",
        "person": {"name": "Kim Specimen"},
        "referral": {
            "date": start,
            "by": "tm-jones",
            "capacity": "service",
            "behaviours": ["high-volume"],
            "account": "Thousands of contacts.",
        },
        "events": events,
    }
    path = root / "cases" / "MC-2024-0001.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.dump(record, Dumper=_NoAliases, sort_keys=False), "utf-8")
    return path


def bench_breaches(root: Path, contacts: int, repeat: int, policy: Path) -> dict[str, float]:
    shutil.copytree(policy, root / "policy")
    for ledger in ("log-reviews.yaml", "deletion-log.yaml"):
        (root / "policy" / ledger).unlink(missing_ok=True)
    path = big_case(root, contacts)
    as_of = date(2026, 11, 23)
    out: dict[str, float] = {"contacts": contacts}
    out["baseline_s"] = best(lambda: parse_only([path]), repeat)
    book, findings = load(root, use_cache=False)
    assert book is not None, findings
    (case,) = book.cases()
    proc = book.policy.procedures[case.procedure]
    report = analyse(timeline(case, proc, as_of))
    out["breaches"] = len(report.breaches)
    out["analyse_s"] = best(lambda: analyse(timeline(case, proc, as_of)), repeat)
    out["check_s"] = best(lambda: run_check(root, as_of, use_cache=False), repeat)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=10000, help="0: only the one-case part")
    ap.add_argument("--contacts", type=int, default=20000)
    ap.add_argument("--policy", type=Path, default=ROOT / "policy")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    if args.cases > 0:  # --cases 0 skips the casebook part
        with tempfile.TemporaryDirectory() as tmp:
            root = generate(Path(tmp) / "book", args.cases, args.policy)
            r = bench_casebook(root, args.repeat)
        b = r["baseline_s"]
        print(
            f"N={int(r['cases'])} cases, {int(r['obligations'])} obligations; "
            f"parse-only baseline {b:.2f}s"
        )
        for name in ("due", "register"):
            cold, warm = r[f"{name}_cold_s"], r[f"{name}_warm_s"]
            derive = r[f"derive_{name}_s"]
            print(
                f"  casebook {name}: cold {cold:.2f}s ({cold / b:.2f}x), warm {warm:.2f}s "
                f"({warm / b:.2f}x); derivation alone {derive:.2f}s ({derive / b:.2f}x)"
            )
    with tempfile.TemporaryDirectory() as tmp:
        r = bench_breaches(Path(tmp) / "book", args.contacts, args.repeat, args.policy)
    b = r["baseline_s"]
    print(
        f"One case, {int(r['contacts'])} contacts, {int(r['breaches'])} breaches; "
        f"parse-only baseline {b:.2f}s"
    )
    print(
        f"  breach detection alone {r['analyse_s']:.3f}s ({r['analyse_s'] / b:.3f}x); "
        f"casebook check {r['check_s']:.2f}s ({r['check_s'] / b:.2f}x)"
    )


if __name__ == "__main__":
    main()
