"""Every casebook benchmark in one run: CPU time and peak memory of each command, as a table.

    python benchmarks/run_all.py [--cases 1000 10000] [--tooling DIR] [--no-site] [--keep DIR]
                                 [--repeat N]

For each N a synthetic casebook is generated (benchmarks/generate.py) and every command runs
in its own process, as a user would run it. For each: CPU seconds (user + system, of the
process and the children it waited for, e.g. MkDocs: os.wait4) and peak resident memory of
the largest of them. CPU time, not wall time: the machine is shared. Ratios:
- ``check`` cold over a parse-only baseline (PyYAML's C loader reading the same files);
- ``check`` warm (nothing changed) and after one file changed, over cold ``check``;
- the site builds over MkDocs Material building N stub pages (bench_site.stub_project);
- ``log contact`` on one case of 1,000 and of 10,000 events over parsing that file alone.
- casebook's own strict reader over the same baseline; for a cold governance build, the CPU
  of its MkDocs child and the floor (strict parse + that MkDocs) over the stub: no cold
  build that reads every case can cost less than the floor; and a governance build with
  nothing of the site cached but the records read by a `check` just before.
``--repeat N`` runs each row N times and keeps the least CPU time (other work on a shared
machine only ever adds to it) and the largest peak memory.
``--tooling`` runs another copy of the package (for before/after figures from one checkout).
``--keep DIR`` generates each casebook once into DIR/N and reuses it (10,000 cases take
minutes to generate); edits made by a run are undone first.
Bytecode is compiled once into a throwaway ``PYTHONPYCACHEPREFIX`` before measuring, as an
installed package would have it (PYTHONDONTWRITEBYTECODE would otherwise make every process
compile casebook's sources again: a quarter of a second each).

Figures before and after each change are in docs/decisions/ (0025, 0027, 0028; the site in
0029).
The record cache is put in a throwaway XDG_CACHE_HOME; "cold" clears it (and any in-tree
``.casebook-cache`` an older version writes).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tooling"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from generate import AS_OF, generate  # noqa: E402

PARSE = """
import sys, pathlib, yaml
for p in sorted(pathlib.Path(sys.argv[1], "cases").glob("*.yaml")):
    yaml.load(p.read_bytes(), Loader=yaml.CSafeLoader)
"""

# casebook's own strict reader on the same files, nothing else: the least any build that reads
# every case must spend (a cold governance site reads them all).
STRICT = """
import sys, pathlib
from casebook.store import yamlio
for p in sorted(pathlib.Path(sys.argv[1], "cases").glob("*.yaml")):
    yamlio.load_bytes(p.read_bytes())
"""

# Runs casebook in this process and, at exit, writes the CPU seconds of the children it waited
# for (MkDocs, run as a subprocess by `site build`) to the file named first, so a site build's
# cost splits into casebook's own and MkDocs'.
CHILDREN = """
import resource, runpy, sys
out = sys.argv.pop(1)
sys.argv[0] = "casebook"
try:
    runpy.run_module("casebook", run_name="__main__", alter_sys=True)
finally:
    c = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(out, "w") as f:
        f.write(repr(c.ru_utime + c.ru_stime))
"""


@dataclass(frozen=True)
class Run:
    cpu: float  # user + system seconds, the process and its waited-for children
    peak_mb: float  # largest resident set among them
    code: int


def run(cmd: list[str], env: dict[str, str], cwd: Path | None = None) -> Run:
    with tempfile.TemporaryFile() as log:  # a file, not a pipe nobody reads
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
        code = os.waitstatus_to_exitcode(status)
        if code not in (0, 1):
            log.seek(0)
            tail = log.read().decode(errors="replace")[-2000:]
            raise SystemExit(f"{' '.join(cmd)} failed ({code}):\n{tail}")
    return Run(usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, code)


def casebook_of(n: int, base: Path, keep: Path | None) -> Path:
    """A generated casebook of ``n`` cases: kept under ``keep`` when given."""
    if keep is None:
        return generate(base / "casebook", n, ROOT / "policy")
    root = keep / str(n)
    if not (root / "cases").is_dir():
        generate(root, n, ROOT / "policy")
    victim = sorted((root / "cases").glob("*.yaml"))[0]
    text = victim.read_text(encoding="utf-8")
    while text.endswith("# edited\n"):
        text = text[: -len("# edited\n")]
    victim.write_text(text, encoding="utf-8")
    shutil.rmtree(root / "site", ignore_errors=True)
    return root


def bench_env(base: Path, tooling: Path) -> dict[str, str]:
    """The environment every measured command runs in: ``tooling``'s casebook, the record
    cache in ``base/xdg``, bytecode in ``base/pycache``, compiled once here (not measured), as
    an installed package would be."""
    env = {
        **os.environ,
        "PYTHONPATH": str(tooling),
        "XDG_CACHE_HOME": str(base / "xdg"),
        "NO_MKDOCS_2_WARNING": "1",
        "PYTHONPYCACHEPREFIX": str(base / "pycache"),
    }
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    run([sys.executable, "-m", "compileall", "-q", str(tooling)], env)
    return env


def best(repeat: int, make: Callable[[], Run]) -> Run:
    """The run with the least CPU time of ``repeat`` (each made by ``make``, setup included),
    with the largest peak memory seen: on a shared machine, other work only ever adds CPU time,
    so the least is the closest to the command's own cost (as ``timeit`` takes the minimum)."""
    runs = [make() for _ in range(max(1, repeat))]
    least = min(runs, key=lambda r: r.cpu)
    return Run(least.cpu, max(r.peak_mb for r in runs), least.code)


def measure(
    n: int, base: Path, tooling: Path, site: bool, keep: Path | None = None, repeat: int = 1
) -> list[tuple[str, Run, str, float]]:
    """Rows of (name, run, ratio name, ratio) for one casebook of ``n`` cases, each row the
    best of ``repeat`` runs (``best``)."""
    root = casebook_of(n, base, keep)
    xdg = base / "xdg"
    env = bench_env(base, tooling)
    day = AS_OF.isoformat()
    casebook = [sys.executable, "-m", "casebook", "--root", str(root)]

    def clear() -> None:
        shutil.rmtree(xdg, ignore_errors=True)
        shutil.rmtree(root / ".casebook-cache", ignore_errors=True)

    def cleared(cmd: list[str], cwd: Path | None = None) -> Run:
        clear()
        return run(cmd, env, cwd)

    check = [*casebook, "check", "--as-of", day, "--format", "json"]
    rows: list[tuple[str, Run, str, float]] = []
    baseline = best(repeat, lambda: run([sys.executable, "-c", PARSE, str(root)], env))
    rows.append(("parse-only baseline", baseline, "", 1.0))
    strict = best(repeat, lambda: run([sys.executable, "-c", STRICT, str(root)], env))
    rows.append(("casebook's strict parse only", strict, "/baseline", strict.cpu / baseline.cpu))
    cold = best(repeat, lambda: cleared(check))
    rows.append(("check cold", cold, "/baseline", cold.cpu / baseline.cpu))
    warm = best(repeat, lambda: run(check, env))
    rows.append(("check warm, nothing changed", warm, "/cold", warm.cpu / cold.cpu))
    victim = sorted((root / "cases").glob("*.yaml"))[0]

    def edited() -> Run:  # a new change each time (a comment line more: same record)
        victim.write_text(victim.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
        return run(check, env)

    edit = best(repeat, edited)
    rows.append(("check warm, one file changed", edit, "/cold", edit.cpu / cold.cpu))
    for name in ("due", "register"):
        cmd = [*casebook, name, "--as-of", day, "--format", "json"]
        r = best(repeat, lambda cmd=cmd: run(cmd, env))
        rows.append((f"{name} (warm cache)", r, "/baseline", r.cpu / baseline.cpu))
    rows += log_rows(base, env)
    if site:
        from bench_site import stub_project

        shutil.copytree(ROOT / "site", root / "site")
        stub = stub_project(base / "stub", n)
        mk = [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(base / "stub-out")]
        stub_run = best(repeat, lambda: run(mk, env, cwd=stub))
        rows.append(("mkdocs stub pages", stub_run, "", 1.0))
        for audience in ("staff", "governance"):
            out = base / "out" / audience
            cmd = [*casebook, "site", "build", "--audience", audience, "--as-of", day]
            cmd += ["--out", str(out)]

            def build(cold: bool, cmd: list[str] = cmd, out: Path = out) -> Run:
                shutil.rmtree(out, ignore_errors=True)
                return cleared(cmd) if cold else run(cmd, env)

            for state in ("cold", "warm"):  # warm: after the cold builds, same date and code
                r = best(repeat, lambda state=state: build(state == "cold"))
                rows.append((f"site {audience} {state}", r, "/stub", r.cpu / stub_run.cpu))
        # A governance build with no pages or letters cached but the records read by an
        # earlier `check` (as on an officer's machine; CI builds on a fresh runner are cold).
        gov = [*casebook, "site", "build", "--audience", "governance", "--as-of", day]
        gov += ["--out", str(base / "out" / "governance")]

        def checked_first() -> Run:
            clear()
            run(check, env)  # not measured
            shutil.rmtree(base / "out" / "governance", ignore_errors=True)
            return run(gov, env)

        r = best(repeat, checked_first)
        name = "site governance, records cached by check"
        rows.append((name, r, "/stub", r.cpu / stub_run.cpu))
        # What a cold governance build cannot go below: reading every case (the strict parse)
        # plus MkDocs on the pages it writes (the children of one cold build, measured apart).
        spent = base / "children"
        wrapped = [sys.executable, "-c", CHILDREN, str(spent), *gov[3:]]
        whole = cleared(wrapped)
        mkdocs = float(spent.read_text())
        part = Run(mkdocs, whole.peak_mb, whole.code)
        rows.append(("  of a cold governance build, MkDocs", part, "/stub", mkdocs / stub_run.cpu))
        floor = Run(strict.cpu + mkdocs, max(strict.peak_mb, whole.peak_mb), 0)
        rows.append(
            ("  floor: strict parse + that MkDocs", floor, "/stub", floor.cpu / stub_run.cpu)
        )
    return rows


def log_rows(base: Path, env: dict[str, str]) -> list[tuple[str, Run, str, float]]:
    """``casebook log contact`` on one case of 1,000 and of 10,000 events (the mini fixture
    casebook, bench_records.make_book), over parsing that case file alone in a process."""
    from bench_records import CASE, START, make_book

    out: list[tuple[str, Run, str, float]] = []
    for events in (1000, 10000):
        root = make_book(base / "log", events)
        path = root / "cases" / f"{CASE}.yaml"
        one = "import sys, yaml; yaml.load(open(sys.argv[1], 'rb'), Loader=yaml.CSafeLoader)"
        baseline = run([sys.executable, "-c", one, str(path)], env)
        out.append((f"parse one case of {events:,} events", baseline, "", 1.0))
        last = START + timedelta(days=events // 20 + 1)
        r = run(
            [
                sys.executable, "-m", "casebook", "--root", str(root), "log", "contact", CASE,
                "--date", str(last), "--time", "12:00", "--channel", "email",
                "--to", "mgr-basil", "--summary", "Bench",
                "--as-of", str(last + timedelta(days=400)),
            ],
            env,
        )  # fmt: skip
        out.append((f"log contact, case of {events:,} events", r, "/parse", r.cpu / baseline.cpu))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, nargs="+", default=[1000])
    ap.add_argument("--tooling", type=Path, default=ROOT / "tooling")
    ap.add_argument("--no-site", action="store_true")
    ap.add_argument("--keep", type=Path, help="generate casebooks here once and reuse them")
    ap.add_argument(
        "--repeat", type=int, default=1, help="run each row this many times, keep the least CPU"
    )
    args = ap.parse_args()
    print(f"tooling: {args.tooling}; as of {AS_OF}; best of {args.repeat}")
    print("| N | command | CPU s | ratio | peak MB |\n| --- | --- | --- | --- | --- |")
    for n in args.cases:
        with tempfile.TemporaryDirectory(prefix="bench-all-") as tmp:
            for name, r, what, ratio in measure(
                n, Path(tmp), args.tooling, not args.no_site, args.keep, args.repeat
            ):
                shown = f"{ratio:.2f} {what}" if what else ""
                print(f"| {n} | {name} | {r.cpu:.2f} | {shown} | {r.peak_mb:.0f} |", flush=True)


if __name__ == "__main__":
    main()
