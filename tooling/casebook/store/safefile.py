"""The one way casebook reads a file of the casebook tree: a regular file inside the root.

Records are judged as git holds them. A symbolic link is stored by git as the path it points
to, not as the record: reading through it would judge a file outside the repository
(``/etc/...``), a device (``/dev/zero``, which never ends) or another record under a second
name. A FIFO blocks whoever opens it. So every case, policy file, template, letterhead,
ledger, published text and site configuration is read here:

1. every component of the path below the casebook root is ``lstat``-ed *before* anything is
   opened: a symlink anywhere on the way, or a final entry that is not a regular file (FIFO,
   device, socket, folder), is refused (``UnsafeFile``) and nothing is opened;
2. the file is opened with ``O_NOFOLLOW | O_NONBLOCK`` (a link or FIFO swapped in after the
   check cannot be followed or block), and ``fstat`` must show the same regular file.

``UnsafeFile`` is a ``ConfigError`` (exit 2 with a message naming the file); loaders that
report findings turn it into one with rule ``file-type`` (``unsafe_finding``).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from casebook.errors import ConfigError
from casebook.model.findings import Finding

RULE = "file-type"


class UnsafeFile(ConfigError):
    """A path of the casebook tree that is not a regular file inside it."""

    def __init__(self, rel: str, why: str) -> None:
        super().__init__(
            f"{rel}: {why}; casebook reads only regular files inside the repository "
            "(replace it with the file itself)"
        )
        self.rel, self.why = rel, why


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "not a regular file"


def _absolute(path: Path) -> Path:
    # Lexical, like os.path.abspath: resolve() would follow the very links being checked.
    return Path(os.path.abspath(path))  # noqa: PTH100


def _relative(root: Path | str, path: Path | str) -> tuple[str, str]:
    """(the lexical absolute root, ``path`` relative to it with ``/``), or UnsafeFile if
    outside. Strings, not ``pathlib``: every command does this for every case file, and three
    ``Path`` objects per part were a tenth of a warm check of 1,000 cases (issue 14)."""
    base = os.path.abspath(root)  # noqa: PTH100 - lexical: resolve() would follow the links
    full = os.path.abspath(path)  # noqa: PTH100
    if full == base:
        return base, "."
    prefix = base if base.endswith(os.sep) else base + os.sep
    if not full.startswith(prefix):
        raise UnsafeFile(str(path), f"is outside the casebook at {root}")
    return base, full[len(prefix) :].replace(os.sep, "/")


def relative(root: Path, path: Path) -> str:
    """``path`` relative to ``root`` (without resolving links), or UnsafeFile if outside."""
    return _relative(root, path)[1]


def check_regular(root: Path, path: Path) -> os.stat_result:
    """lstat each component below ``root``; the stat of the regular file, or UnsafeFile.

    A missing file raises ``FileNotFoundError`` (callers report absence their own way).
    """
    here, rel = _relative(root, path)
    parts = [p for p in rel.split("/") if p]
    if not parts or ".." in parts:
        raise UnsafeFile(rel, "is not a file inside the casebook")
    st: os.stat_result | None = None
    for i, part in enumerate(parts):
        here = os.path.join(here, part)  # noqa: PTH118 - strings on the hot path (above)
        st = os.lstat(here)
        last = i == len(parts) - 1
        if stat.S_ISLNK(st.st_mode):
            where = "" if last else f" ({'/'.join(parts[: i + 1])} is a link)"
            raise UnsafeFile(rel, f"is reached through a symbolic link{where}")
        if not last and not stat.S_ISDIR(st.st_mode):
            raise UnsafeFile(rel, f"{'/'.join(parts[: i + 1])} is {_kind(st.st_mode)}")
    assert st is not None
    if not stat.S_ISREG(st.st_mode):
        raise UnsafeFile(rel, f"is {_kind(st.st_mode)}")
    return st


def is_regular(root: Path, path: Path) -> bool:
    """True for a regular file inside ``root``; False when absent; UnsafeFile otherwise."""
    try:
        check_regular(root, path)
    except FileNotFoundError:
        return False
    return True


def read_bytes(root: Path, path: Path) -> bytes:
    """The bytes of a regular file inside ``root`` (UnsafeFile, or OSError when unreadable)."""
    before = check_regular(root, path)
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    # Open the checked path itself ("a/link/../b" was checked as "a/b").
    fd = os.open(_absolute(path), flags | getattr(os, "O_CLOEXEC", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or (st.st_dev, st.st_ino) != (
            before.st_dev,
            before.st_ino,
        ):
            raise UnsafeFile(relative(root, path), "changed while it was being read")
        chunks = []
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_text(root: Path, path: Path, encoding: str = "utf-8") -> str:
    return read_bytes(root, path).decode(encoding)


def unsafe_finding(exc: UnsafeFile) -> Finding:
    """The finding for a file that was refused (rule ``file-type``), naming the file."""
    return Finding("error", RULE, f"{exc.rel} {exc.why}; nothing was read through it", file=exc.rel)


def copy_tree(root: Path, src: Path, dst: Path) -> None:
    """Copy the folder ``src`` (inside ``root``) to ``dst``: regular files and folders only.

    Unlike ``shutil.copytree``, a symlink, FIFO or device anywhere in ``src`` is refused
    (UnsafeFile) instead of copied through; ``dst`` may already exist.
    """
    check_dir = relative(root, src)  # refuses a src outside root
    if src.is_symlink():
        raise UnsafeFile(check_dir, "is reached through a symbolic link")
    for folder, dirs, files in os.walk(src, followlinks=False):
        here = Path(folder)
        target = dst / here.relative_to(src)
        target.mkdir(parents=True, exist_ok=True)
        for name in sorted(dirs):
            st = os.lstat(here / name)
            if not stat.S_ISDIR(st.st_mode):  # os.walk lists a link to a folder as a folder
                raise UnsafeFile(relative(root, here / name), f"is {_kind(st.st_mode)}")
        for name in sorted(files):
            (target / name).write_bytes(read_bytes(root, here / name))
