"""Time `casebook site build` against MkDocs Material building stub pages, in the same run.

    python benchmarks/bench_site.py [--cases 1000 10000] [--policy policy] [--repeat 1]

For each N: generate a synthetic casebook (benchmarks/generate.py), then measure, each in its
own process (wall time, peak resident memory from os.wait4, size of the output):
- baseline: MkDocs Material, with the site's own base configuration, building N stub pages
  kept out of the navigation (plus an index page);
- staff: `casebook site build --audience staff` (a card per active case);
- governance: `casebook site build --audience governance` (a page per case, register, reports);
each "cold" (no record cache: every case file parsed and validated, as on a fresh CI
checkout) and "warm" (after `casebook check`, as when the site job follows the check); and
the governance site without letter texts (--no-letters), to show what rendering them costs.
Reports each build's ratio to the baseline in wall and CPU time (target <= 1.5), peak memory
(os.wait4: the largest process, mkdocs included) and output size. Best of --repeat runs.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tooling"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from generate import AS_OF, generate  # noqa: E402

from casebook.check.run import run_check  # noqa: E402
from casebook.store.cache import forget  # noqa: E402

ENV = {
    **os.environ,
    "PYTHONPATH": os.pathsep.join(
        filter(None, [str(ROOT / "tooling"), os.environ.get("PYTHONPATH")])
    ),
    "NO_MKDOCS_2_WARNING": "1",
}


@dataclass(frozen=True)
class Run:
    seconds: float
    cpu: float  # user + system seconds of the child and the processes it waited for
    peak_mb: float
    out_mb: float


def run(cmd: list[str], out: Path, cwd: Path | None = None) -> Run:
    """One build in a child process; peak memory of that child alone (os.wait4)."""
    shutil.rmtree(out, ignore_errors=True)
    # Output to a file, not a pipe: MkDocs lists every page left out of the navigation, and
    # a pipe nobody reads fills up and stops the child.
    with tempfile.TemporaryFile() as log:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=ENV, stdout=log, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            log.seek(0)
            tail = log.read().decode(errors="replace")[-3000:]
            raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{tail}")
    # On Linux the usage wait4 returns includes the child's own waited-for children (the
    # casebook CLI runs mkdocs as a child process): ru_maxrss is the largest of them.
    peak = usage.ru_maxrss / 1024
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file()) / 1e6
    return Run(seconds, usage.ru_utime + usage.ru_stime, peak, size)


def stub_project(base: Path, n: int) -> Path:
    """MkDocs Material with the site's base configuration and N stub pages out of the nav."""
    config = yaml.safe_load((ROOT / "site" / "mkdocs.yml").read_text(encoding="utf-8"))
    config["theme"].pop("custom_dir", None)
    config.pop("extra_css", None)
    config.pop("extra_javascript", None)
    config["nav"] = ["index.md"]
    docs = base / "docs"
    (docs / "cases").mkdir(parents=True)
    (docs / "index.md").write_text("# Stub site\n", encoding="utf-8")
    for i in range(1, n + 1):
        (docs / "cases" / f"STUB-{i:05d}.md").write_text(
            f"# Stub case {i}\n\nA stub page.\n", encoding="utf-8"
        )
    (base / "mkdocs.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    return base


def best(runs: list[Run]) -> Run:
    return min(runs, key=lambda r: r.seconds)


BUILDS = [  # (name, cache, audience, extra options)
    ("staff cold", "cold", "staff", []),
    ("governance cold", "cold", "governance", []),
    ("staff warm", "warm", "staff", []),
    ("governance warm", "warm", "governance", []),
    ("governance warm no-letters", "warm", "governance", ["--no-letters"]),
]


def measure(n: int, policy: Path, repeat: int, base: Path) -> dict[str, Run]:
    """Every build of a generated casebook of ``n`` cases, and the stub baseline."""
    root = generate(base / "casebook", n, policy)
    shutil.copytree(ROOT / "site", root / "site")
    stub = stub_project(base / "stub", n)
    mkdocs = [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(base / "stub-out")]
    results = {"baseline": best([run(mkdocs, base / "stub-out", cwd=stub) for _ in range(repeat)])}
    for name, cache, audience, extra in BUILDS:
        out = base / "out" / audience
        if cache == "warm":  # `casebook check` ran before, as when the site job follows it
            run_check(root, AS_OF)
        cmd = [sys.executable, "-m", "casebook", "--root", str(root), "site", "build"]
        cmd += ["--audience", audience, "--as-of", AS_OF.isoformat(), "--out", str(out), *extra]
        runs = []
        for _ in range(repeat):
            if cache == "cold":
                forget(root)
            runs.append(run(cmd, out))
        results[name] = best(runs)
    return results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, nargs="+", default=[1000, 10000])
    default_policy = ROOT / "policy"
    if not (default_policy / "procedures").is_dir():
        default_policy = ROOT / "tests" / "fixtures" / "mini" / "policy"
    ap.add_argument("--policy", type=Path, default=default_policy)
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    print(f"policy: {args.policy}; as of {AS_OF}; best of {args.repeat}")
    print(
        f"{'N':>6} {'build':<27} {'wall s':>8} {'ratio':>6} {'CPU s':>8} {'ratio':>6} "
        f"{'peak MB':>8} {'out MB':>8}"
    )
    for n in args.cases:
        with tempfile.TemporaryDirectory(prefix="bench-site-") as tmp:
            results = measure(n, args.policy, args.repeat, Path(tmp))
        b = results["baseline"]
        for name, r in results.items():
            print(
                f"{n:>6} {name:<27} {r.seconds:>8.1f} {r.seconds / b.seconds:>6.2f} "
                f"{r.cpu:>8.1f} {r.cpu / b.cpu:>6.2f} {r.peak_mb:>8.0f} {r.out_mb:>8.1f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
