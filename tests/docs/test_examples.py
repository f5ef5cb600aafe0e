"""Docs that run: every shell example in README.md and docs/ runs on a throwaway demo casebook.

Each Markdown file's shell blocks run in order, in one fresh copy of the repository's demo
casebook (cases/, policy/, site/, schema/ ..., a git repository with one commit), with a
`casebook` on PATH that runs this checkout's code. A block must end with the exit code its
marker states (0 unless `<!-- exit: N -->`); a ```console block must also print the output it
shows. Blocks that cannot run here say so with `<!-- not-run: reason -->`, and NOT_RUN below
lists them all, so none is skipped silently. The conventions are in tests/docs/blocks.py.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, TOOLING
from tests.docs.blocks import DOCS, SHELL, Block, blocks, console_steps, shell_blocks

# Every block marked not-run, by file and first line: adding a marker means adding it here too.
NOT_RUN = {
    (
        "README.md",
        "python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/casebook check "
        "--as-of 2026-11-23",
    ),
    ("README.md", "bash .ci/install && .venv/bin/python -m pytest -q"),
    ("docs/deployment.md", "#!/bin/sh"),
    ("docs/deployment.md", "python3.11 -m venv /opt/casebook/venv"),
    ("docs/dependencies.md", "python3 -m pip install --require-hashes -r requirements/lock.txt"),
    (
        "docs/dependencies.md",
        "python3.11 -m venv /tmp/piptools && /tmp/piptools/bin/pip install pip-tools",
    ),
}

# Repository folders that are not part of a casebook (the tool and its own tests).
NOT_CASEBOOK = {"tooling", "tests", "benchmarks"}


def _run_files() -> list[Path]:
    return [d for d in DOCS if any(b.lang in SHELL and not b.not_run for b in blocks(d))]


@pytest.fixture
def casebook_copy(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A throwaway copy of the demo casebook as a git repository, and the environment to use."""
    root = tmp_path / "casebook"
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.split("\0")
    for rel in filter(None, tracked):
        src = REPO / rel
        if rel.split("/")[0] in NOT_CASEBOOK or not src.is_file():
            continue
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, root / rel)
    # A `casebook` on PATH that runs this checkout's code, whatever is installed.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "casebook"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m casebook "$@"\n')
    shim.chmod(0o755)
    env = {
        **os.environ,
        "PATH": os.pathsep.join([str(bin_dir), os.environ["PATH"]]),
        "PYTHONPATH": str(TOOLING),
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "GIT_AUTHOR_NAME": "Test Officer",
        "GIT_AUTHOR_EMAIL": "officer@council.example",
        "GIT_COMMITTER_NAME": "Test Officer",
        "GIT_COMMITTER_EMAIL": "officer@council.example",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "Demo"]):
        subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)
    return root, env


def _bash(script: str, root: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", script],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def _run(block: Block, root: Path, env: dict[str, str]) -> None:
    if block.lang != "console":
        proc = _bash(block.text, root, env)
        assert proc.returncode == block.exit_code, (
            f"{block.where}: exit {proc.returncode}, the docs say {block.exit_code}\n"
            f"{block.text}\nstdout:\n{proc.stdout[-3000:]}\nstderr:\n{proc.stderr[-3000:]}"
        )
        return
    steps = console_steps(block)
    assert steps, f"{block.where}: a console block with no `$ ` command"
    for n, step in enumerate(steps, 1):
        proc = _bash(step.command, root, env)
        want = block.exit_code if n == len(steps) else 0
        output = (proc.stdout + proc.stderr).splitlines()
        assert proc.returncode == want, (
            f"{block.where}: `{step.command}` exit {proc.returncode}, the docs say {want}\n"
            + "\n".join(output[-40:])
        )
        at = 0
        for line in step.expected:
            found = next((i for i in range(at, len(output)) if line in output[i]), None)
            assert found is not None, (
                f"{block.where}: `{step.command}` did not print (in order):\n  {line}\n"
                "it printed:\n" + "\n".join(output[:60])
            )
            at = found + 1


@pytest.mark.parametrize("doc", _run_files(), ids=lambda d: str(d.relative_to(REPO)))
def test_shell_examples_run_as_documented(
    doc: Path, casebook_copy: tuple[Path, dict[str, str]]
) -> None:
    root, env = casebook_copy
    for block in blocks(doc):
        if block.lang in SHELL and not block.not_run:
            _run(block, root, env)


def test_blocks_not_run_are_listed_with_a_reason() -> None:
    skipped = [b for b in shell_blocks() if b.not_run is not None]
    for b in skipped:
        assert len(b.not_run or "") >= 10, f"{b.where}: say why the block is not run"
    found = {(str(b.path.relative_to(REPO)), b.text.splitlines()[0]) for b in skipped}
    assert found == NOT_RUN, (
        "blocks marked not-run must be the ones NOT_RUN in this file lists:\n"
        + "\n".join(f"  {b.where}: {b.not_run}: {b.text.splitlines()[0]}" for b in skipped)
    )


def test_every_block_says_its_language() -> None:
    """A bare fence hides a command from the test; synopses are ```text, commands are ```sh."""
    problems = []
    for doc in DOCS:
        for b in blocks(doc):
            first = b.text.lstrip().splitlines()[0] if b.text.strip() else ""
            if not b.lang:
                problems.append(f"{b.where}: fence without a language (```sh, ```text ...)")
            elif b.lang not in SHELL and first.startswith(("casebook ", "$ ")) and "[" not in first:
                problems.append(f"{b.where}: a command in a ```{b.lang} block is never run")
    assert not problems, "\n".join(problems)
