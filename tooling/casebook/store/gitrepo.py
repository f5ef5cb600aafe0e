"""The git repository that holds a casebook, behind a small protocol.

Paths given to and returned by ``Git`` are relative to the casebook root (``cases/X.yaml``),
even when the casebook is a folder inside a larger repository.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Protocol

from casebook.errors import ConfigError, UsageError

# git's file modes for a regular file (not executable, executable).
REGULAR_MODES = frozenset({0o100644, 0o100755})
_SYMLINK, _GITLINK = 0o120000, 0o160000


class NotRegularFile(Exception):
    """A path in a commit that is not a regular file (a symlink, a submodule, a folder)."""

    def __init__(self, path: str, rev: str, kind: str) -> None:
        super().__init__(
            f"{path} at {rev[:12]} is {kind}, not a regular file; casebook reads records only "
            "from regular files in the repository (replace it with the file itself)"
        )
        self.path, self.rev, self.kind = path, rev, kind


def _kind(mode: int, obj: object) -> str:
    if mode == _SYMLINK:
        return "a symbolic link (git mode 120000)"
    if mode == _GITLINK:
        return "a submodule (git mode 160000)"
    if type(obj).__name__ == "Tree":
        return "a folder"
    return f"an entry of git mode {mode:o}"


@dataclass(frozen=True, slots=True)
class Change:
    """One file changed between two commits (``status`` is git's: A, M, D, R, C, T)."""

    status: str
    old_path: str | None
    new_path: str | None


@dataclass(frozen=True, slots=True)
class LogEntry:
    sha: str
    parents: tuple[str, ...]
    date: str  # ISO 8601 with the committer's offset (author date)
    author: str
    subject: str
    path: str  # the file's path in this commit (it may have been renamed since)


class Git(Protocol):
    def resolve(self, rev: str) -> str: ...

    def merge_base(self, a: str, b: str) -> str: ...

    def changed(self, base: str, head: str, under: str) -> list[Change]: ...

    def read(self, rev: str, path: str) -> bytes | None: ...

    def list_dir(self, rev: str, path: str) -> list[str]: ...

    def file_log(self, path: str, rev: str = "HEAD") -> list[LogEntry]: ...

    def first_parent_chain(self, rev: str = "HEAD") -> list[str]: ...

    def is_ancestor(self, a: str, b: str) -> bool: ...

    def message(self, sha: str) -> str: ...

    def messages(self, base: str, head: str) -> list[tuple[str, str]]: ...


class GitRepo:
    """``Git`` over a real repository with gitpython."""

    def __init__(self, root: Path) -> None:
        import git

        try:
            self.repo = git.Repo(root, search_parent_directories=True)
        except (git.InvalidGitRepositoryError, git.NoSuchPathError):
            raise ConfigError(
                f"{root} is not inside a git repository; the casebook must be a git clone"
            ) from None
        top = Path(self.repo.working_tree_dir or root).resolve()
        rel = Path(root).resolve().relative_to(top).as_posix()
        self.prefix = "" if rel == "." else rel + "/"
        self._git = self.repo.git

    def _full(self, path: str) -> str:
        return self.prefix + path

    def _rel(self, path: str) -> str:
        return path[len(self.prefix) :] if path.startswith(self.prefix) else path

    def resolve(self, rev: str) -> str:
        import git

        try:
            return str(self._git.rev_parse("--verify", "--quiet", f"{rev}^{{commit}}")).strip()
        except git.GitCommandError:
            raise UsageError(
                f"{rev!r} is not a commit in this clone; fetch it first "
                "(in GitHub Actions: actions/checkout with fetch-depth: 0)"
            ) from None

    def merge_base(self, a: str, b: str) -> str:
        import git

        try:
            return str(self._git.merge_base(a, b)).strip()
        except git.GitCommandError:
            raise UsageError(
                f"{a[:12]} and {b[:12]} have no common history in this clone; "
                "fetch the whole history (fetch-depth: 0)"
            ) from None

    def changed(self, base: str, head: str, under: str) -> list[Change]:
        out = str(self._git.diff("--name-status", "-z", "-M", base, head, "--", self._full(under)))
        parts = out.split("\0")
        changes: list[Change] = []
        i = 0
        while i < len(parts) and parts[i]:
            status = parts[i]
            kind = status[0]
            if kind in "RC":
                old, new = parts[i + 1], parts[i + 2]
                changes.append(Change(kind, self._rel(old), self._rel(new)))
                i += 3
            else:
                path = self._rel(parts[i + 1])
                changes.append(
                    Change(kind, None if kind == "A" else path, None if kind == "D" else path)
                )
                i += 2
        return changes

    def read(self, rev: str, path: str) -> bytes | None:
        """The file's bytes at ``rev``; None when absent; ``NotRegularFile`` when the entry is
        a symlink (mode 120000: its blob is the link's target, not a record), a submodule or a
        folder. Nothing is ever read through a link."""
        import git

        try:
            obj = self.repo.commit(rev).tree / self._full(path)
        except (KeyError, ValueError, git.BadName):
            return None
        mode = getattr(obj, "mode", 0)
        if not isinstance(obj, git.Blob) or mode not in REGULAR_MODES:
            raise NotRegularFile(path, rev, _kind(mode, obj))
        data: bytes = obj.data_stream.read()
        return data

    def list_dir(self, rev: str, path: str) -> list[str]:
        import git

        try:
            tree = self.repo.commit(rev).tree / self._full(path).rstrip("/")
        except KeyError:
            return []
        if not isinstance(tree, git.Tree):
            return []
        return sorted(self._rel(str(PurePosixPath(self._full(path)) / b.name)) for b in tree.blobs)

    def file_log(self, path: str, rev: str = "HEAD") -> list[LogEntry]:
        sep, end = "\x1f", "\x1e"
        fmt = end + sep.join(["%H", "%P", "%aI", "%an", "%s"])
        out = str(
            self._git.log(
                rev,
                "--follow",
                "--topo-order",
                f"--format={fmt}",
                "--name-only",
                "--",
                self._full(path),
            )
        )
        entries = []
        for chunk in out.split(end):
            chunk = chunk.strip("\n")
            if not chunk:
                continue
            head, _, names = chunk.partition("\n")
            fields = head.split(sep)
            if len(fields) < 5:
                continue
            files = [n for n in names.splitlines() if n.strip()]
            entries.append(
                LogEntry(
                    sha=fields[0],
                    parents=tuple(fields[1].split()),
                    date=fields[2],
                    author=fields[3],
                    subject=fields[4],
                    path=self._rel(files[0]) if files else path,
                )
            )
        return entries

    def first_parent_chain(self, rev: str = "HEAD") -> list[str]:
        return str(self._git.rev_list("--first-parent", rev)).split()

    def is_ancestor(self, a: str, b: str) -> bool:
        return bool(self.repo.is_ancestor(self.repo.commit(a), self.repo.commit(b)))

    def message(self, sha: str) -> str:
        return str(self.repo.commit(sha).message)

    def messages(self, base: str, head: str) -> list[tuple[str, str]]:
        """(sha, message) of every commit reachable from ``head`` and not from ``base``: a pull
        request's own commits when ``base`` is its fork point."""
        return [(c.hexsha, str(c.message)) for c in self.repo.iter_commits(f"{base}..{head}")]
