"""Fixtures for the GitHub-facing commands: a local fake GitHub, and real throwaway git repos."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import git
import pytest

from tests.conftest import FIXTURES
from tests.github.server import FakeGitHub, Running, serve


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch) -> Iterator[Running]:
    """A fake GitHub on 127.0.0.1; the test fails if any exchange broke GitHub's description."""
    fake = FakeGitHub()
    with serve(fake) as running:
        monkeypatch.setenv("GITHUB_API_URL", running.url)
        monkeypatch.setenv("GITHUB_TOKEN", "test-token")
        for var in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID"):
            monkeypatch.delenv(var, raising=False)
        yield running
        assert fake.violations == [], "\n".join(fake.violations)


@dataclass
class CaseRepo:
    """A real git repository holding a casebook (the mini fixture) on branch main."""

    root: Path
    repo: git.Repo

    def write(self, rel: str, text: str) -> None:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    def read(self, rel: str) -> str:
        return (self.root / rel).read_text(encoding="utf-8")

    def append(self, rel: str, text: str) -> None:
        self.write(rel, self.read(rel).rstrip("\n") + "\n" + text.strip("\n") + "\n")

    def commit(self, message: str, who: str = "Gov Officer") -> str:
        self.repo.git.add("-A")
        actor = git.Actor(who, f"{who.lower().replace(' ', '.')}@council.example")
        c = self.repo.index.commit(message, author=actor, committer=actor)
        return c.hexsha

    def branch(self, name: str, start: str = "main") -> None:
        self.repo.git.checkout("-b", name, start)

    def checkout(self, name: str) -> None:
        self.repo.git.checkout(name)


@pytest.fixture
def case_repo(tmp_path: Path) -> CaseRepo:
    root = tmp_path / "casebook"
    shutil.copytree(FIXTURES / "mini", root)
    repo = git.Repo.init(root, initial_branch="main")
    with repo.config_writer() as cw:
        cw.set_value("user", "name", "Test")
        cw.set_value("user", "email", "test@council.example")
        cw.set_value("commit", "gpgsign", "false")
    cr = CaseRepo(root, repo)
    cr.commit("Initial casebook")
    return cr
