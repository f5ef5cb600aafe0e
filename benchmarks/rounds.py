"""The three ratios issue 14's targets turn on, measured in interleaved rounds.

    python benchmarks/rounds.py [--cases 1000] [--rounds 3] [--keep DIR] [--tooling DIR]
                                [--no-check] [--no-cold-site]

On a shared machine one `run_all.py` row can move by a factor of two with the load, and the
load moves between the row and its baseline. Here each round runs a command and its baseline
one right after the other, so both see about the same machine:

1. the parse-only baseline (PyYAML's C loader) then a cold ``check`` (record cache cleared);
2. the MkDocs stub build (``bench_site.stub_project``, N pages), then a cold governance site
   build (record cache cleared), then a warm one (the caches the cold build filled).

Each line gives a round's CPU seconds and ratios; the last line the least of each column
over all rounds (other work only ever adds CPU time). ``--no-check`` leaves out step 1 and
``--no-cold-site`` the cold site build (at 10,000 cases each takes minutes). Figures are in
docs/decisions/0031-cold-check-cost.md.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_site import stub_project  # noqa: E402
from generate import AS_OF  # noqa: E402
from run_all import PARSE, bench_env, casebook_of, run  # noqa: E402


@dataclass(frozen=True)
class Round:
    """CPU seconds (user + system, with waited-for children) of one round; None if not run."""

    baseline: float | None
    check_cold: float | None
    stub: float
    governance_warm: float
    governance_cold: float | None = None

    def line(self, label: str) -> str:
        out = f"{label}: "
        if self.baseline is not None and self.check_cold is not None:
            out += (
                f"baseline {self.baseline:.2f} check cold {self.check_cold:.2f} "
                f"({self.check_cold / self.baseline:.2f}x) | "
            )
        out += f"stub {self.stub:.2f} "
        if self.governance_cold is not None:
            cold, ratio = self.governance_cold, self.governance_cold / self.stub
            out += f"governance cold {cold:.2f} ({ratio:.2f}x) "
        warm, ratio = self.governance_warm, self.governance_warm / self.stub
        return out + f"governance warm {warm:.2f} ({ratio:.2f}x)"


def least(rounds: list[Round]) -> Round:
    """The least of each column over ``rounds``."""

    def low(values: list[float | None]) -> float | None:
        known = [v for v in values if v is not None]
        return min(known) if known else None

    return Round(
        low([r.baseline for r in rounds]),
        low([r.check_cold for r in rounds]),
        min(r.stub for r in rounds),
        min(r.governance_warm for r in rounds),
        low([r.governance_cold for r in rounds]),
    )


def interleaved(
    n: int,
    base: Path,
    tooling: Path,
    rounds: int,
    keep: Path | None = None,
    check: bool = True,
    cold_site: bool = True,
) -> list[Round]:
    """``rounds`` rounds on a generated casebook of ``n`` cases (kept under ``keep``)."""
    root = casebook_of(n, base, keep)
    shutil.copytree(ROOT / "site", root / "site")  # casebook_of leaves no site/ behind
    stub = stub_project(base / "stub", n)
    xdg = base / "xdg"
    env = bench_env(base, tooling)
    day = AS_OF.isoformat()
    casebook = [sys.executable, "-m", "casebook", "--root", str(root)]
    check_cmd = [*casebook, "check", "--as-of", day, "--format", "json"]
    site_cmd = [*casebook, "site", "build", "--audience", "governance", "--as-of", day]
    site_cmd += ["--out", str(base / "site-out")]
    stub_cmd = [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(base / "stub-out")]
    run(site_cmd, env)  # fill the caches (and the OS's file cache) before the first round
    out = []
    for _ in range(rounds):
        baseline = cold = None
        if check:
            baseline = run([sys.executable, "-c", PARSE, str(root)], env).cpu
            shutil.rmtree(xdg, ignore_errors=True)
            cold = run(check_cmd, env).cpu
        stub_cpu = run(stub_cmd, env, cwd=stub).cpu
        site_cold = None
        if cold_site:
            shutil.rmtree(xdg, ignore_errors=True)
            site_cold = run(site_cmd, env).cpu  # and fills the caches again for the warm build
        elif check:
            run(site_cmd, env)  # fill again what the cold check emptied
        out.append(Round(baseline, cold, stub_cpu, run(site_cmd, env).cpu, site_cold))
    shutil.rmtree(root / "site", ignore_errors=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="generate the casebook once into DIR/N")
    parser.add_argument("--tooling", type=Path, default=ROOT / "tooling")
    parser.add_argument("--no-check", action="store_true", help="leave out the cold checks")
    parser.add_argument(
        "--no-cold-site", action="store_true", help="leave out the cold governance builds"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="casebook-rounds-") as tmp:
        done = interleaved(
            args.cases,
            Path(tmp),
            args.tooling.resolve(),
            args.rounds,
            args.keep,
            check=not args.no_check,
            cold_site=not args.no_cold_site,
        )
    for i, r in enumerate(done, 1):
        print(r.line(f"round {i}"), flush=True)
    print(least(done).line("least of each"))


if __name__ == "__main__":
    main()
