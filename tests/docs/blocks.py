"""Fenced code blocks of README.md and docs/, with the markers that say how a test runs them.

A shell block is a fence opened with ```sh, ```bash, ```shell or ```console. Each is run by
tests/docs/test_examples.py unless the last non-blank line before its fence is a marker:

    <!-- not-run: REASON -->   not run (REASON says why, and what tests it instead, if anything)
    <!-- exit: N -->           run; the block must end with exit code N (default 0)

A ```console block is a transcript: lines starting with `$ ` are commands (a trailing `\\`
continues a command on the next line), the lines after a command are output it must print, in
order, each a substring of one line of stdout or stderr (a `...` line stands for lines left out).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import REPO

DOCS = [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]
SHELL = {"sh", "bash", "shell", "console"}

_FENCE = re.compile(r"^```([\w-]*)[^\n]*\n(.*?)^```[ \t]*$", re.M | re.S)
_MARKER = re.compile(r"^<!--\s*(not-run|exit):\s*(.*?)\s*-->$")


@dataclass(frozen=True)
class Block:
    """One fenced block: file, 1-based line of its opening fence, language, text, marker."""

    path: Path
    line: int
    lang: str
    text: str
    not_run: str | None  # the reason, when marked <!-- not-run: ... -->
    exit_code: int  # expected exit code (<!-- exit: N -->), 0 unless marked

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(REPO)}:{self.line}"


@dataclass(frozen=True)
class Step:
    """One command of a console transcript and the output lines it must print."""

    command: str
    expected: tuple[str, ...]


def blocks(path: Path) -> list[Block]:
    """Every fenced block of one Markdown file, in order."""
    text = path.read_text(encoding="utf-8")
    out = []
    for m in _FENCE.finditer(text):
        line = text.count("\n", 0, m.start()) + 1
        before = [ln.strip() for ln in text[: m.start()].splitlines() if ln.strip()]
        marker = _MARKER.match(before[-1]) if before else None
        not_run = marker.group(2) if marker and marker.group(1) == "not-run" else None
        exit_code = int(marker.group(2)) if marker and marker.group(1) == "exit" else 0
        out.append(Block(path, line, m.group(1), m.group(2), not_run, exit_code))
    return out


def shell_blocks() -> list[Block]:
    """Every shell block of README.md and docs/ (run or marked not-run)."""
    return [b for d in DOCS for b in blocks(d) if b.lang in SHELL]


def console_steps(block: Block) -> list[Step]:
    """A ```console transcript as commands, each with the output lines shown after it."""
    steps: list[Step] = []
    command: list[str] = []
    expected: list[str] = []
    lines = block.text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("$ "):
            if command:
                steps.append(Step("\n".join(command), tuple(expected)))
            command, expected = [line[2:]], []
            while command[-1].endswith("\\") and i + 1 < len(lines):
                i += 1
                command.append(lines[i])
        elif line.strip() and line.strip() != "...":
            if not command:
                raise ValueError(f"{block.where}: output before the first `$ ` command")
            expected.append(line.strip())
        i += 1
    if command:
        steps.append(Step("\n".join(command), tuple(expected)))
    return steps


def readme_commands() -> tuple[str, str]:
    """The README's two commands: its first two ```sh blocks (install and run; install and test)."""
    first, second = [b for b in blocks(REPO / "README.md") if b.lang == "sh"][:2]
    return first.text.strip(), second.text.strip()
