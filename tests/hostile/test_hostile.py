"""The hostile-input suite: every `inputs/*.toml` run as `casebook` in a subprocess under limits.

The format of an input is in tests/hostile/README.md. Each input runs in a throwaway copy of a
fixture casebook, with RLIMIT_AS = 500 MB and RLIMIT_CPU = 5 s (issue 13: "each input under
5 s and 500 MB, measured in the suite"); going over either fails the test, as do a traceback,
an unexpected exit code, a missing expected message and a file left behind.
"""

from __future__ import annotations

import importlib
import os
import resource
import shutil
import signal
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FIXTURES, REPO

HERE = Path(__file__).resolve().parent
INPUTS = HERE / "inputs"
MEMORY = 500 * 1024 * 1024  # bytes of address space
TIMEOUT = 5.0  # seconds of CPU time (user + system)
# The wall clock is only a backstop for a process that blocks without using the CPU: on a
# shared two-core CI machine a 1 s run can take 4 s of wall time, so 5 s of wall time would fail
# healthy inputs. CPU time is what a hang (a loop, a bomb) spends.
WALL = 60.0
KEYS = {
    "about", "kind", "fixture", "git", "place", "input", "generate", "args", "stdin", "env",
    "exit", "expect", "forbid", "created", "timeout",
}  # fmt: skip
IGNORED = (".git", ".casebook-cache")


def specs() -> list[Any]:
    out = []
    for toml in sorted(INPUTS.glob("*.toml")):
        spec = tomllib.loads(toml.read_text(encoding="utf-8"))
        out.append(pytest.param(toml, spec, id=toml.stem))
    return out


def _limiter(cpu: float) -> Any:
    def limit() -> None:  # runs in the child before exec
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))
        # SIGXCPU at the soft limit kills the child (default action); SIGKILL a second later.
        seconds = max(1, int(cpu + 0.999))
        resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))

    return limit


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _files(root: Path) -> set[str]:
    return {
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if not p.is_dir() and not set(p.relative_to(root).parts) & set(IGNORED)
    }


def _input_bytes(toml: Path, spec: dict[str, Any]) -> bytes | None:
    if "generate" in spec:
        generate = importlib.import_module("tests.hostile.generate")
        data: bytes = getattr(generate, spec["generate"])()
        return data
    if "input" in spec:
        return (INPUTS / spec["input"]).read_bytes()
    beside = [p for p in INPUTS.glob(toml.stem + ".*") if p.suffix != ".toml"]
    beside = [p for p in beside if p.name.split(".", 1)[0] == toml.stem]
    assert len(beside) <= 1, f"{toml.name}: more than one input file beside it: {beside}"
    return beside[0].read_bytes() if beside else None


def _copy(fixture: str, dest: Path, git: bool) -> None:
    if fixture == "demo":
        dest.mkdir()
        shutil.copytree(REPO / "policy", dest / "policy")
        shutil.copytree(REPO / "cases", dest / "cases")
    else:
        shutil.copytree(FIXTURES / fixture, dest)
    if git:
        env = {**os.environ, "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.org"}
        env |= {"GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.org"}
        for cmd in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "fixture"]):
            subprocess.run(["git", *cmd], cwd=dest, check=True, env=env, capture_output=True)


def _internal(err: str) -> bool:
    # casebook prints "casebook: internal error: ..." for an unexpected exception, and the
    # traceback too under CASEBOOK_DEBUG=1 (set below, so that a failure shows where).
    return "Traceback" in err or "internal error" in err


def _report(name: str, problems: list[str]) -> None:
    """One line per input in $CASEBOOK_HOSTILE_REPORT, for the counts of issue 13's note."""
    if report := os.environ.get("CASEBOOK_HOSTILE_REPORT"):
        with Path(report).open("a", encoding="utf-8") as f:
            f.write(f"{name} {','.join(problems) or 'ok'}\n")


@pytest.mark.parametrize(("toml", "spec"), specs())
def test_hostile_input(toml: Path, spec: dict[str, Any], tmp_path: Path) -> None:
    unknown = set(spec) - KEYS
    assert not unknown, f"{toml.name}: unknown keys {sorted(unknown)} (see README.md)"
    root = tmp_path / "book"
    _copy(spec.get("fixture", "mini"), root, spec.get("git", True))
    data = _input_bytes(toml, spec)
    placed: Path | None = None
    if "place" in spec:
        assert data is not None, f"{toml.name}: place given but no input file or generator"
        placed = root / spec["place"]
        placed.parent.mkdir(parents=True, exist_ok=True)
        placed.write_bytes(data)
    before = _files(root)
    subst = {"{input}": str(placed or ""), "{root}": str(root)}
    args = []
    for arg in spec["args"]:
        for key, value in subst.items():
            arg = arg.replace(key, value)
        args.append(arg)
    env = {**os.environ, "CASEBOOK_DEBUG": "1", **spec.get("env", {})}
    if other := os.environ.get("CASEBOOK_HOSTILE_TOOLING"):
        env["PYTHONPATH"] = other  # measure another version of the package (before/after counts)
    timeout = float(spec.get("timeout", TIMEOUT))
    cpu0 = _cpu()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "casebook", "--root", str(root), *args],
            cwd=root,
            input=spec.get("stdin", "").encode(),
            capture_output=True,
            timeout=WALL,
            preexec_fn=_limiter(timeout),
            env=env,
        )
    except subprocess.TimeoutExpired:
        _report(toml.stem, ["hang"])
        pytest.fail(f"hang: {toml.stem} blocked for more than {WALL} s of wall time")
    cpu = _cpu() - cpu0
    out = proc.stdout.decode("utf-8", "replace")
    err = proc.stderr.decode("utf-8", "replace")
    shown = f"exit {proc.returncode}\n--- stdout\n{out[-3000:]}\n--- stderr\n{err[-3000:]}"
    after = _files(root)
    created = set(spec.get("created", []))
    both = out + err
    _report(
        toml.stem,
        [
            name
            for name, bad in (
                ("hang", proc.returncode in (-signal.SIGXCPU, -signal.SIGKILL) or cpu > timeout),
                ("over-memory", "MemoryError" in err),
                ("internal-error", _internal(err)),
                ("leftover", bool(after - before - created)),
                ("exit-code", proc.returncode != spec["exit"]),
                ("message", any(t not in both for t in spec.get("expect", []))),
            )
            if bad
        ],
    )
    if proc.returncode in (-signal.SIGXCPU, -signal.SIGKILL) or cpu > timeout:
        pytest.fail(f"hang: {toml.stem} used {cpu:.1f} s of CPU (limit {timeout} s)\n{shown}")
    if "MemoryError" in err or proc.returncode < 0:
        pytest.fail(f"over-memory or killed: {toml.stem} over {MEMORY >> 20} MB?\n{shown}")
    assert not _internal(err), f"internal error:\n{shown}"
    assert proc.returncode == spec["exit"], shown
    for text in spec.get("expect", []):
        assert text in both, f"expected {text!r} in the output:\n{shown}"
    for text in spec.get("forbid", []):
        assert text not in both, f"{text!r} must not be in the output:\n{shown}"
    assert after - before <= created, f"left behind: {sorted(after - before - created)}"
    assert before - after == set(), f"removed: {sorted(before - after)}"
