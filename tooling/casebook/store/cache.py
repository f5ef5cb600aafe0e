"""The record cache: one SQLite row per case file, kept outside the casebook's work tree.

Where: ``$XDG_CACHE_HOME/casebook/<key>/cache.sqlite`` (``~/.cache`` when XDG_CACHE_HOME is
unset or relative), ``<key>`` being the SHA-256 of the casebook's absolute path. Outside the
tree because anything inside it can arrive in a pull request: a force-added cache mapping an
unchanged file's digest to another record would be believed by every later command (issue 12).
A cache directory that would fall inside the casebook is refused (no cache at all).

What: per case file (by path relative to the casebook), the SHA-256 of its bytes, the case id
and procedure, the validated record as JSON, and optionally the file's rule findings under the
key they depend on (decision 3). Beside them: letter HTML (``html``) and, per case file, what
the last governance site build made of it (``site``: decision 30). Rows are read lazily:
opening reads only paths, digests, ids and procedures; a record is fetched when a command
first needs that case.

Privacy: the rows hold personal data. ``PRAGMA secure_delete`` makes SQLite overwrite deleted
rows, so a purged case (``forget``) or a file that left the casebook does not linger in free
pages. Any SQLite error turns the cache off for the run: it is an optimisation only.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import sqlite3
import stat
from pathlib import Path

from casebook import __version__


def _models_digest() -> str:
    """A digest of the record models' source: a cached record is a record validated by these
    models, and a changed model (a new field, a stricter type) must not be handed records it
    never validated, even within one released version (a council running from main)."""
    h = hashlib.sha256()
    for path in sorted((Path(__file__).parent.parent / "model").glob("*.py")):
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:16]


CACHE_VERSION = f"{__version__}/5/{_models_digest()}"
CACHE_NAME = "cache.sqlite"
# The in-tree cache of earlier versions: never read; removed by `casebook purge`.
LEGACY_DIR = ".casebook-cache"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    rel TEXT PRIMARY KEY,
    digest TEXT NOT NULL,
    case_id TEXT NOT NULL,
    procedure TEXT NOT NULL,
    record TEXT NOT NULL,
    findings_key TEXT,
    findings TEXT,
    stat TEXT NOT NULL DEFAULT '',
    summary TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS runs (
    key TEXT PRIMARY KEY,
    inputs TEXT NOT NULL,
    extras TEXT NOT NULL,
    code INTEGER NOT NULL,
    output TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS html (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    rel TEXT NOT NULL,
    digest TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS site (
    rel TEXT PRIMARY KEY,
    key TEXT NOT NULL,
    inputs TEXT NOT NULL,
    page TEXT,
    digest TEXT NOT NULL
);
-- Covering indexes for ``_drop_outdated``, which every save runs: scanning (rel, digest)
-- here instead of the tables, whose rows hold whole pages and letters, took 0.17 s a save
-- at 10,000 cases.
CREATE INDEX IF NOT EXISTS html_file ON html (rel, digest);
CREATE INDEX IF NOT EXISTS site_file ON site (rel, digest);
"""


def stat_key(st: os.stat_result) -> str:
    """A file's identity and last change, for deciding without reading it that it is unchanged.

    Size, modification and status-change times (nanoseconds) and inode. The trade-off: a file
    rewritten in place to the same size within one tick of the file system clock and with its
    times put back would be taken as unchanged. Editors, ``git checkout`` and ``git pull`` all
    write new times (and usually a new inode), and the status-change time cannot be set back
    by ``touch`` or ``cp -p`` the way the modification time can. ``--no-cache`` reads every
    file whatever its times say.
    """
    return f"{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_ino}"


def walk_stamp(base: Path, rel: str, h: hashlib._Hash) -> None:
    """Hash the name and ``stat_key`` of every entry under ``base/rel``, links not followed
    and nothing read: what changed since, not what the files say."""
    top = base / rel
    try:
        st = os.lstat(top)
    except OSError:
        h.update(f"{rel}\0-\n".encode())
        return
    h.update(f"{rel}\0{st.st_mode}\0{stat_key(st)}\n".encode())
    if not stat.S_ISDIR(st.st_mode):
        return
    try:
        entries = sorted(os.scandir(top), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        if entry.name == "__pycache__":
            continue  # written by the interpreter as it runs: not an input
        # Not "/name" under rel "" (the code's own folder): base / "/name" is the absolute
        # path /name, and every subfolder of the code went unseen.
        sub = f"{rel}/{entry.name}" if rel else entry.name
        if entry.is_dir(follow_symlinks=False):
            walk_stamp(base, sub, h)
            continue
        try:
            est = entry.stat(follow_symlinks=False)
        except OSError:
            h.update(f"{sub}\0-\n".encode())
            continue
        h.update(f"{sub}\0{est.st_mode}\0{stat_key(est)}\n".encode())


def policy_stamp(root: Path) -> str:
    """A digest of the names and ``stat_key`` of everything under ``root/policy`` and of the
    casebook code (no file read): equal at two moments, neither changed between them. The
    code too: ``store.cases.fingerprint`` hashes its files as well."""
    h = hashlib.sha256()
    walk_stamp(root, "policy", h)
    walk_stamp(Path(__file__).resolve().parents[1], "", h)
    return h.hexdigest()


_TABLES = ("files", "runs", "html", "site")
_DROP = {t: f"DROP TABLE IF EXISTS {t}" for t in _TABLES}  # fixed names, no input
# Rows of letter HTML and site results whose case file is gone or has other bytes now.
_OUTDATED = {
    t: f"FROM {t} WHERE NOT EXISTS (SELECT 1 FROM files "  # noqa: S608 - fixed names
    f"WHERE files.rel = {t}.rel AND files.digest = {t}.digest)"
    for t in ("html", "site")
}


def _connect(folder: Path) -> sqlite3.Connection:
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    db = sqlite3.connect(folder / CACHE_NAME, timeout=10, isolation_level=None)
    db.execute("PRAGMA secure_delete = ON")
    db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    version = db.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
    if version is None or version[0] != CACHE_VERSION:
        # Another version's tables may have other columns: dropped (secure_delete overwrites
        # the freed pages) and made again.
        for table in _TABLES:
            db.execute(_DROP[table])
        db.execute("DELETE FROM meta")
        db.execute("INSERT OR REPLACE INTO meta VALUES ('version', ?)", (CACHE_VERSION,))
    db.executescript(_SCHEMA)
    return db


def cache_dir(root: Path) -> Path | None:
    """This casebook's cache folder, or None when there is no safe place for one.

    None when no home folder is known, or when the folder would be inside the casebook (for
    example XDG_CACHE_HOME pointing into the repository): a cache there could be committed.
    """
    root = root.resolve()
    base_env = os.environ.get("XDG_CACHE_HOME", "")
    if base_env and Path(base_env).is_absolute():
        base = Path(base_env)
    else:
        try:
            base = Path.home() / ".cache"
        except RuntimeError:
            return None
    folder = (base / "casebook" / hashlib.sha256(str(root).encode()).hexdigest()[:32]).resolve()
    if folder == root or root in folder.parents:
        return None
    return folder


class RecordCache:
    """Validated case records and their rule findings, one row per case file.

    ``get`` answers only for the same path and digest; ``put`` writes at once inside one
    transaction that ``save`` commits, after dropping rows of files no longer present.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.db: sqlite3.Connection | None = None
        # rel -> (digest, id, procedure, stat_key, summary JSON)
        self.rows: dict[str, tuple[str, str, str, str, str]] = {}
        self.seen: set[str] = set()
        # ``store.cases.fingerprint`` by casebook root, worked out once per run (``run_key``).
        self.fingerprints: dict[str, str] = {}
        # (root, ``policy_stamp`` taken before the run read policy/): see ``guard_policy``.
        self.policy_guard: tuple[Path, str] | None = None
        self.dirty = False
        try:
            db = _connect(folder)
            self.rows = {
                rel: (digest, case_id, proc, st, summary)
                for rel, digest, case_id, proc, st, summary in db.execute(
                    "SELECT rel, digest, case_id, procedure, stat, summary FROM files"
                )
            }
            self.db = db
        except (OSError, sqlite3.Error):
            self.db = None

    def _fail(self) -> None:
        if self.db is not None:
            with contextlib.suppress(sqlite3.Error):
                self.db.close()
        self.db = None

    def get(self, rel: str, digest: str) -> tuple[str, str, str] | None:
        """(case id, procedure, summary JSON) when a valid record of these bytes is cached."""
        row = self.rows.get(rel)
        if self.db is None or row is None or row[0] != digest:
            return None
        self.seen.add(rel)
        return row[1], row[2], row[4]

    def by_stat(self, rel: str, key: str) -> str | None:
        """The digest of the cached record when the file's ``stat_key`` is still ``key``: the
        file is taken as unchanged without reading it (see ``stat_key`` for the trade-off)."""
        row = self.rows.get(rel)
        if self.db is None or row is None or not key or row[3] != key:
            return None
        return row[0]

    def note(self, key: str) -> str | None:
        """A value stored under ``key`` by ``put_note`` (None when absent)."""
        if self.db is None:
            return None
        try:
            got = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error:
            self._fail()
            return None
        return None if got is None else str(got[0])

    def put_note(self, prefix: str, key: str, value: str) -> None:
        """Store ``value`` under ``key``, dropping every other note whose key has ``prefix``."""
        if self.db is None:
            return
        try:
            self._begin()
            self.db.execute("DELETE FROM meta WHERE key LIKE ? || '%'", (prefix,))
            self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))
        except sqlite3.Error:
            self._fail()

    def record(self, rel: str, digest: str) -> str | None:
        """The cached record as JSON (fetched now, not kept here)."""
        if self.db is None:
            return None
        try:
            got = self.db.execute(
                "SELECT record FROM files WHERE rel = ? AND digest = ?", (rel, digest)
            ).fetchone()
        except sqlite3.Error:
            self._fail()
            return None
        return None if got is None else str(got[0])

    def _begin(self) -> None:
        assert self.db is not None
        if not self.db.in_transaction:
            self.db.execute("BEGIN IMMEDIATE")
        self.dirty = True

    def put(
        self,
        rel: str,
        digest: str,
        case_id: str,
        procedure: str,
        record: str,
        stat: str = "",
        summary: str = "{}",
    ) -> None:
        self.seen.add(rel)
        if self.db is None:
            return
        try:
            self._begin()
            self.db.execute(
                "INSERT OR REPLACE INTO files "
                "(rel, digest, case_id, procedure, record, stat, summary) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (rel, digest, case_id, procedure, record, stat, summary),
            )
            self.rows[rel] = (digest, case_id, procedure, stat, summary)
        except sqlite3.Error:
            self._fail()

    def set_stat(self, rel: str, stat: str) -> None:
        """Record a new ``stat_key`` for a file whose bytes were read and found unchanged."""
        row = self.rows.get(rel)
        if self.db is None or row is None or row[3] == stat:
            return
        try:
            self._begin()
            self.db.execute("UPDATE files SET stat = ? WHERE rel = ?", (stat, rel))
            self.rows[rel] = (*row[:3], stat, row[4])
        except sqlite3.Error:
            self._fail()

    def all_findings(self, key: str) -> dict[str, tuple[str, str]]:
        """rel -> (digest, findings as the JSON text ``put_findings`` stored) for every row
        with findings under ``key`` (decoded by the caller one file at a time: decoding
        10,000 files' findings at once took a third of a gigabyte)."""
        if self.db is None:
            return {}
        out: dict[str, tuple[str, str]] = {}
        try:
            for rel, digest, text in self.db.execute(
                "SELECT rel, digest, findings FROM files WHERE findings_key = ?", (key,)
            ):
                out[rel] = (digest, str(text))
        except sqlite3.Error:
            self._fail()
        return out

    def put_findings(self, rel: str, digest: str, key: str, found: str) -> None:
        """Store a file's findings (a JSON list of ``finding_to`` lists) under ``key``."""
        if self.db is None or rel not in self.rows:
            return
        try:
            self._begin()
            self.db.execute(
                "UPDATE files SET findings_key = ?, findings = ? WHERE rel = ? AND digest = ?",
                (key, found, rel, digest),
            )
        except sqlite3.Error:
            self._fail()

    def html(self, key: str) -> str | None:
        """Letter HTML stored by ``put_html`` under ``key`` (a digest of its Markdown)."""
        if self.db is None:
            return None
        try:
            got = self.db.execute("SELECT value FROM html WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error:
            self._fail()
            return None
        return None if got is None else str(got[0])

    def put_html(self, key: str, value: str, rel: str, digest: str) -> None:
        """Store letter HTML under ``key``, as made from the case file ``rel`` whose bytes had
        the SHA-256 ``digest``: once that file is edited or gone, ``save`` drops the row (a
        letter quotes the record: an address corrected or erased must not stay here)."""
        if self.db is None:
            return
        try:
            self._begin()
            self.db.execute(
                "INSERT OR REPLACE INTO html VALUES (?, ?, ?, ?)", (key, value, rel, digest)
            )
        except sqlite3.Error:
            self._fail()

    def keep_html(self, keys: set[str]) -> None:
        """Drop every stored letter HTML but ``keys`` (the letters of this build): a letter
        that changed, or whose case was purged, leaves no copy behind."""
        if self.db is None:
            return
        try:
            self._begin()
            old = [row[0] for row in self.db.execute("SELECT key FROM html")]
            self.db.executemany(
                "DELETE FROM html WHERE key = ?", [(k,) for k in old if k not in keys]
            )
        except sqlite3.Error:
            self._fail()

    def site_inputs(self, rel: str, key: str) -> str | None:
        """The ``inputs`` JSON of the governance site's row for ``rel`` when stored under
        ``key`` (``publish.site.results``); None otherwise."""
        return self._site("SELECT inputs FROM site WHERE rel = ? AND key = ?", rel, key)

    def site_page(self, rel: str, key: str) -> str | None:
        """The ``page`` JSON of the row for ``rel`` under ``key`` (None: absent, or the case
        was withheld when the row was written)."""
        return self._site("SELECT page FROM site WHERE rel = ? AND key = ?", rel, key)

    def _site(self, query: str, rel: str, key: str) -> str | None:
        if self.db is None:
            return None
        try:
            got = self.db.execute(query, (rel, key)).fetchone()
        except sqlite3.Error:
            self._fail()
            return None
        return None if got is None or got[0] is None else str(got[0])

    def put_site(
        self, rel: str, key: str, inputs: str, page: str | None = None, digest: str = ""
    ) -> None:
        """Store the site's results for the file ``rel`` (whose bytes had the SHA-256
        ``digest``) under ``key``, replacing the file's earlier row. ``save`` drops the row
        once the file is edited or gone, whatever command runs next."""
        if self.db is None:
            return
        try:
            self._begin()
            self.db.execute(
                "INSERT OR REPLACE INTO site VALUES (?, ?, ?, ?, ?)",
                (rel, key, inputs, page, digest),
            )
        except sqlite3.Error:
            self._fail()

    def put_site_page(self, rel: str, key: str, page: str) -> None:
        """Add ``page`` to the file's row under ``key`` (no row under that key: nothing)."""
        if self.db is None:
            return
        try:
            self._begin()
            self.db.execute("UPDATE site SET page = ? WHERE rel = ? AND key = ?", (page, rel, key))
        except sqlite3.Error:
            self._fail()

    def drop_site(self, rel: str) -> None:
        """Remove the file's row (its letters failed: nothing of it is kept as a success)."""
        if self.db is None:
            return
        try:
            self._begin()
            self.db.execute("DELETE FROM site WHERE rel = ?", (rel,))
        except sqlite3.Error:
            self._fail()

    def keep_site(self, keys: set[str]) -> None:
        """Drop every site row whose key is not in ``keys`` (the rows this build used)."""
        if self.db is None:
            return
        try:
            old = [row[0] for row in self.db.execute("SELECT key FROM site")]
            gone = [(k,) for k in old if k not in keys]
            if gone:
                self._begin()
                self.db.executemany("DELETE FROM site WHERE key = ?", gone)
        except sqlite3.Error:
            self._fail()

    def guard_policy(self, root: Path, stamp: str) -> None:
        """Commit nothing if policy/ changes after ``stamp`` (taken before the run read it).

        Findings, site results and letters are stored under ``store.cases.fingerprint``, a
        digest of policy/'s bytes read at one moment, but made from policy/ as read at others
        (the procedures when the run starts, a template when a letter is rendered). A file
        edited in between would put results of one version under the key of the other, and a
        later run with that version would be served them. So ``save`` compares the stamp
        with policy/ now: moved, the run's uncommitted writes are rolled back and the cache is
        off for the rest of the run (the next run starts afresh)."""
        self.policy_guard = (root, stamp)

    def _policy_moved(self) -> bool:
        if self.policy_guard is None:
            return False
        root, stamp = self.policy_guard
        return policy_stamp(root) != stamp

    def save(self, prune: bool = False) -> None:
        """Commit; with ``prune``, first drop every row this run did not find current (files
        gone, changed into invalid records): no stale copy of personal data stays. Nothing
        is committed when policy/ changed during the run (``guard_policy``)."""
        if self.db is None:
            return
        if self.dirty and self._policy_moved():
            with contextlib.suppress(sqlite3.Error):
                if self.db.in_transaction:
                    self.db.execute("ROLLBACK")
            self._fail()
            return
        try:
            if prune:
                stale = [(rel,) for rel in self.rows if rel not in self.seen]
                if stale:
                    self._begin()
                    self.db.executemany("DELETE FROM files WHERE rel = ?", stale)
                    self.db.execute("DELETE FROM runs")  # outputs may quote those records
                    for (rel,) in stale:
                        del self.rows[rel]
            self._drop_outdated()
            if self.db.in_transaction:
                self.db.execute("COMMIT")
            self.dirty = False
        except sqlite3.Error:
            self._fail()

    def _drop_outdated(self) -> None:
        """Drop letter HTML and site rows made from a file that is gone or whose bytes have
        changed since (its ``files`` row, updated by any command that read it, has another
        digest): an edited-out address or name leaves no copy behind, even when only
        `casebook check` or a staff build runs after the edit (UK GDPR Art. 16 and 17)."""
        assert self.db is not None
        for outdated in _OUTDATED.values():
            if self.db.execute(f"SELECT 1 {outdated} LIMIT 1").fetchone():
                self._begin()
                self.db.execute(f"DELETE {outdated}")

    def close(self) -> None:
        self.save()
        self._fail()


def open_cache(root: Path) -> RecordCache | None:
    folder = cache_dir(root)
    if folder is None:
        return None
    cache = RecordCache(folder)
    return cache if cache.db is not None else None


def recall_run(root: Path, key: str) -> tuple[str, str, int, bytes] | None:
    """(inputs stamp, extra paths as JSON, exit code, output) of a run memo'd under ``key``.

    Opens the database without reading its file rows: this is the whole of a warm ``check``
    when nothing changed (``casebook.check.memo``). None on any failure.
    """
    folder = cache_dir(root)
    if folder is None or not (folder / CACHE_NAME).is_file():
        return None
    try:
        db = _connect(folder)
        try:
            row = db.execute(
                "SELECT inputs, extras, code, output FROM runs WHERE key = ?", (key,)
            ).fetchone()
        finally:
            db.close()
    except (OSError, sqlite3.Error):
        return None
    if row is None:
        return None
    output = row[3] if isinstance(row[3], bytes) else str(row[3]).encode()
    return str(row[0]), str(row[1]), int(row[2]), output


def remember_run(root: Path, key: str, inputs: str, extras: str, code: int, output: bytes) -> None:
    """Keep a run's output under ``key``; runs over other inputs are dropped (their output
    may quote records since changed or purged). Failures are ignored: it is a memo only."""
    folder = cache_dir(root)
    if folder is None:
        return
    try:
        db = _connect(folder)
        try:
            db.execute("BEGIN IMMEDIATE")
            db.execute("DELETE FROM runs WHERE inputs != ?", (inputs,))
            db.execute(
                "INSERT OR REPLACE INTO runs VALUES (?, ?, ?, ?, ?)",
                (key, inputs, extras, code, output),
            )
            db.execute("COMMIT")
        finally:
            db.close()
    except (OSError, sqlite3.Error):
        return


def forget(root: Path) -> None:
    """Delete every cached copy of this casebook's records (``casebook purge``): the whole
    cache folder, and the in-tree ``.casebook-cache/`` an earlier version may have left."""
    folder = cache_dir(root)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)
    shutil.rmtree(root / LEGACY_DIR, ignore_errors=True)
