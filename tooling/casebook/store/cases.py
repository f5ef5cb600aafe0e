"""Loading a whole casebook: policy plus every case file, each to a model or to findings.

Parsing and schema validation of a case depend only on the file's bytes, so their result is
cached by content hash (``.casebook-cache/``, git-ignored): the validated record as JSON, turned
back into a model only when a command asks for it. A case's rule findings depend only on its
bytes, policy/, the casebook code and the check date, so `check` caches those too under that
key (decision 3). The cache is rewritten whole and keeps only files that still exist, so a
purged case leaves the cache at the next run.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import json
import os
import stat
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path, PurePosixPath
from typing import Any

from casebook.model import Case
from casebook.model.case import Decision
from casebook.model.findings import Finding
from casebook.store import safefile, temporary
from casebook.store.cache import (
    CACHE_VERSION,
    RecordCache,
    open_cache,
    policy_stamp,
    stat_key,
)
from casebook.store.reader import (
    CASES_DIR,
    Policy,
    case_files,
    load_policy,
    own_file,
    read_model,
    with_line,
)


class CaseFile:
    """One case file: the record when it is valid, and what was wrong with it.

    A record served from the cache is fetched from it when ``case`` is first read. The file's
    text is kept only when it was just read; otherwise it is read again when a finding needs a
    line number (``release`` drops both once a command is done with the file).
    """

    __slots__ = (
        "_cache",
        "_case",
        "_released",
        "_summary",
        "_text",
        "case_id",
        "digest",
        "findings",
        "path",
        "procedure",
        "rel",
    )

    def __init__(
        self,
        path: Path,
        rel: str,
        case: Case | None,
        findings: list[Finding] | None = None,
        text: str | None = None,
        digest: str = "",
        cache: RecordCache | None = None,
        meta: tuple[str, str, str] | None = None,
    ) -> None:
        self.path = path
        self.rel = rel
        self._case = case
        self._cache = cache  # set only when the record is in the cache under this digest
        self._text = text
        self.findings = findings or []
        self.digest = digest
        # id and procedure, known without validating the record
        self.case_id: str | None = case.id if case else (meta[0] if meta else None)
        self.procedure: str | None = case.procedure if case else (meta[1] if meta else None)
        # JSON of ``summary_of`` the record: what book-wide rules ask of every record after
        # ``release`` (validating 10,000 records again for it held 170 MB; issue 14).
        self._summary = meta[2] if meta else (summary_of(case) if case is not None else None)
        self._released = False  # the model was dropped and must be read again from the file

    @property
    def first_decision(self) -> date | None:
        """The date of the record's first decision event (for the central-log review clock),
        from the cached summary when the record itself has not been read."""
        if self._case is None and self._summary is not None:
            try:
                day = json.loads(self._summary).get("first_decision")
                return None if day is None else date.fromisoformat(day)
            except (ValueError, AttributeError, TypeError, RecursionError):
                pass  # an unreadable summary: read the record
        case = self.case
        return None if case is None else first_decision(case)

    @property
    def case(self) -> Case | None:
        if self._case is None and self._released and self._cache is None:
            # Released without a cache (``--no-cache``): read the file again.
            self._case = read_model(self.path.parents[1], self.path, Case).model
            self._released = False
        if self._case is None and self._cache is not None:
            text = self._cache.record(self.rel, self.digest)
            case = None
            if text is not None:
                try:
                    case = Case.model_validate_json(text)
                except ValueError:  # a damaged row: the file itself decides
                    case = None
            if case is None:  # the cache went away under us, or its row is unusable
                self._cache = None
                loaded = read_model(self.path.parents[1], self.path, Case)
                self._case = loaded.model
                self.findings += loaded.findings
            else:
                self._case = case
        return self._case

    @property
    def valid(self) -> bool:
        return self._case is not None or self._cache is not None or self._released

    def release(self) -> None:
        """Drop the model and text (both come back on demand: from the cache, else from the
        file), to bound memory: a command that walks every case holds one at a time."""
        if self._case is not None:
            self._released = self._cache is None
            self._case = None
        self._text = None

    @property
    def text(self) -> str | None:
        """The file's text (read on demand: only files with findings need line numbers)."""
        if self._text is None:
            root = Path(*self.path.parts[: -len(PurePosixPath(self.rel).parts)])
            try:
                self._text = safefile.read_text(root, self.path, encoding="utf-8-sig")
            except (OSError, UnicodeDecodeError, safefile.UnsafeFile):
                return None
        return self._text


def first_decision(case: Case) -> date | None:
    return next((e.date for e in case.events if isinstance(e, Decision)), None)


def summary_of(case: Case) -> str:
    """What commands need of a record without validating it again, as JSON for the cache."""
    day = first_decision(case)
    return json.dumps({"first_decision": None if day is None else day.isoformat()})


@dataclass(slots=True)
class Casebook:
    root: Path
    policy: Policy
    files: list[CaseFile]
    # Findings about policy/ and about files as files (syntax, schema, ids).
    findings: list[Finding]
    cache: RecordCache | None = None

    _index: dict[str, CaseFile] | None = None

    def cases(self) -> list[Case]:
        """Every valid case, in file-name order, all held in memory (for small casebooks and
        tests; a command that walks every case uses ``each_case``)."""
        return [f.case for f in self.files if f.case is not None]

    def each_case(self, keep: bool = False) -> Iterator[Case]:
        """Every valid case, in file-name order, one at a time: each file's record is dropped
        once the next is asked for (a caller that keeps a record keeps its own reference), so
        walking 10,000 cases holds one record, not all (issue 14). With ``keep``, records stay
        with their files: for a caller that holds them all anyway and walks them again (the
        governance site), so that each is validated once, not once per walk."""
        for f in self.files:
            case = f.case
            if case is not None:
                yield case
            if not keep:
                f.release()

    def file_for(self, case_id: str) -> CaseFile | None:
        """The first file, in file-name order, named ``case_id``.yaml or holding that id.

        Built once per casebook from ids known without validating records: looking cases up
        one by one must not scan (and validate) every file each time (issue 14).
        """
        if self._index is None:
            index: dict[str, CaseFile] = {}
            for f in self.files:
                index.setdefault(f.path.stem, f)
                if f.case_id is not None:
                    index.setdefault(f.case_id, f)
            self._index = index
        return self._index.get(case_id)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cycle collector while many long-lived objects are built.

    Records are trees without reference cycles, freed by reference counting; the collector
    would only rescan the growing heap again and again (measured: 44% of a cold check of
    3,000 cases, benchmarks/bench_check.py). Whatever it would have found is found on its
    next run after the pause.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


PolicyRules = Callable[[Policy], list[Finding]]
# Called with each case file as soon as it is read, with the policy and the cache.
Visitor = Callable[[CaseFile, Policy, "RecordCache | None"], None]


def load(
    root: Path,
    use_cache: bool = True,
    policy_rules: PolicyRules | None = None,
    visit: Visitor | None = None,
) -> tuple[Casebook | None, list[Finding]]:
    """Read policy and cases. Returns (None, findings) when policy/ is unusable.

    ``policy_rules`` (``check.policy_rules.check_policy``, passed in by ``check.loading``: this
    layer reads, it does not judge) adds the findings of the rules over policy/ before
    deciding whether it is usable.

    ``visit`` sees each case file right after it is read, while its record and text are in
    memory; it may ``release`` the file (``casebook check`` judges and drops each case in turn,
    so memory holds one record, not 10,000: issue 14).
    """
    # Before anything of policy/ is read: the cache commits nothing made from it if it
    # changes during the run (``RecordCache.guard_policy``).
    stamp = policy_stamp(root) if use_cache else ""
    policy, policy_findings = load_policy(root)
    cache = open_cache(root) if use_cache and policy is not None else None
    if cache is not None:
        cache.guard_policy(root, stamp)
    if policy is not None and policy_rules is not None:
        policy_findings += _policy_findings(root, policy, policy_rules, cache)
    if policy is None or any(f.severity == "error" for f in policy_findings):
        if cache is not None:
            cache.close()
        return None, policy_findings
    files = []
    with gc_paused():
        for path in case_files(root):
            f = _load_case(root, path, cache)
            if visit is not None:
                visit(f, policy, cache)
            # Every command walks the records afterwards one at a time (``each_case``): keep
            # none from the read (a cache miss otherwise held them all: 1.6 GB for `due` of
            # 10,000 cases after an upgrade emptied the cache).
            f.release()
            files.append(f)
    if cache is not None:
        cache.save(prune=True)
    findings = list(policy_findings)
    for f in files:
        findings += f.findings
    findings += _cross_file(files, policy)
    findings += unread_case_files(root)
    return Casebook(root, policy, files, findings, cache), findings


def unread_case_files(root: Path) -> list[Finding]:
    """An error for each YAML file under cases/ that casebook does not read: in a sub-folder
    (``cases/2026/MC-2026-0001.yaml``) or named ``.yml`` / ``.YAML``. Such a case would drop out
    of every command without a word: its review dates, letters and deletion date would go
    unwatched. Other files (a README, ``.gitkeep``) are left alone."""
    folder = root / CASES_DIR
    if not folder.is_dir():
        return []
    read = {p.name for p in case_files(root)}
    out = []
    for folder_name, dirs, names in os.walk(folder, followlinks=False):
        dirs.sort()
        here = Path(folder_name)
        for name in sorted(names):
            if not name.lower().endswith((".yaml", ".yml")):
                continue
            if here == folder and (name in read or own_file(name)):
                continue
            rel = (here / name).relative_to(root).as_posix()
            out.append(
                Finding(
                    "error",
                    "file-name",
                    f"{rel} is not read: a case file lives directly in {CASES_DIR}/ and its name "
                    f"ends in .yaml (move it to {CASES_DIR}/{Path(name).stem}.yaml)",
                    file=rel,
                )
            )
    return out


def _policy_findings(
    root: Path, policy: Policy, rules: PolicyRules, cache: RecordCache | None
) -> list[Finding]:
    """``rules(policy)``, remembered under the ``fingerprint`` of policy/ and the code (the
    rules parse every letter template: a tenth of a second each run)."""
    if cache is None:
        return rules(policy)
    key = f"policy:{run_fingerprint(root, cache)}"
    stored = cache.note(key)
    if stored is not None:
        try:
            return [finding_from(item) for item in json.loads(stored)]
        except (TypeError, ValueError, RecursionError):
            pass  # unreadable: run the rules again
    found = rules(policy)
    cache.put_note("policy:", key, json.dumps([finding_to(f) for f in found]))
    return found


# The largest case record casebook reads or writes (docs/limits.md): about 13,000 events, decades
# of contact at the busiest rate seen. Larger files are refused before parsing, so a runaway
# import or a pasted mailbox cannot make every command take minutes and gigabytes.
MAX_RECORD_BYTES = 2_000_000


def too_large(rel: str, size: int) -> Finding:
    """The finding for a record over MAX_RECORD_BYTES."""
    return Finding(
        "error",
        "size",
        f"the record is {size:,} bytes; casebook reads at most {MAX_RECORD_BYTES:,} per case "
        "(docs/limits.md): move old events to an archive record",
        file=rel,
    )


def _load_case(root: Path, path: Path, cache: RecordCache | None) -> CaseFile:
    rel = path.relative_to(root).as_posix()
    try:
        # The stat first: a file whose size, times and inode are those cached is not read
        # (store.cache.stat_key says when that could be wrong; --no-cache reads everything).
        key = stat_key(safefile.check_regular(root, path)) if cache is not None else ""
        if cache is not None:
            digest = cache.by_stat(rel, key)
            meta = cache.get(rel, digest) if digest is not None else None
            if digest is not None and meta is not None:
                return CaseFile(path, rel, None, digest=digest, cache=cache, meta=meta)
        data = safefile.read_bytes(root, path)
    except safefile.UnsafeFile as exc:
        return CaseFile(path, rel, None, [safefile.unsafe_finding(exc)])
    except OSError as exc:
        return CaseFile(path, rel, None, [Finding("error", "io", f"cannot read: {exc}", file=rel)])
    if len(data) > MAX_RECORD_BYTES:
        return CaseFile(path, rel, None, [too_large(rel, len(data))])
    digest = hashlib.sha256(data).hexdigest()
    if cache is not None:
        meta = cache.get(rel, digest)
        if meta is not None:
            cache.set_stat(rel, key)  # same bytes, new times (a checkout, a touch)
            return CaseFile(path, rel, None, digest=digest, cache=cache, meta=meta)
    loaded = read_model(root, path, Case, data=data)
    if cache is not None and loaded.model is not None:
        model = loaded.model
        cache.put(
            rel,
            digest,
            model.id,
            model.procedure,
            model.model_dump_json(by_alias=True),
            key,
            summary_of(model),
        )
        # In the cache now (committed by ``save``, readable before): ``release`` may drop it.
        return CaseFile(path, rel, model, loaded.findings, loaded.text, digest, cache)
    return CaseFile(path, rel, loaded.model, loaded.findings, loaded.text, digest)


def _cross_file(files: list[CaseFile], policy: Policy) -> list[Finding]:
    out: list[Finding] = []
    ids = Counter(f.case_id for f in files if f.case_id is not None)
    for f in files:
        case_id, procedure = f.case_id, f.procedure
        if case_id is None or procedure is None:
            continue
        if case_id != f.path.stem:
            out.append(
                with_line(
                    Finding(
                        "error",
                        "file-name",
                        f"case id {case_id!r} does not match the file name; rename the file "
                        f"to {case_id}.yaml or correct the id",
                        case=case_id,
                        loc=("id",),
                    ),
                    f.rel,
                    f.text,
                )
            )
        if ids[case_id] > 1:
            others = [g.rel for g in files if g is not f and g.case_id == case_id]
            out.append(
                with_line(
                    Finding(
                        "error",
                        "duplicate-id",
                        f"case id {case_id!r} is also used by {', '.join(others)}; "
                        "each case needs its own id",
                        case=case_id,
                        loc=("id",),
                    ),
                    f.rel,
                    f.text,
                )
            )
        if procedure not in policy.procedures:
            out.append(
                with_line(
                    Finding(
                        "error",
                        "reference",
                        f"unknown procedure {procedure!r}; procedures in policy/procedures: "
                        f"{', '.join(sorted(policy.procedures))}",
                        case=case_id,
                        loc=("procedure",),
                    ),
                    f.rel,
                    f.text,
                )
            )
    return out


def finding_to(f: Finding) -> list[Any]:
    """A finding as a JSON list, for the findings cache (``finding_from`` reverses it)."""
    return [f.severity, f.rule, f.message, f.case, f.file, f.line, list(f.loc)]


def finding_from(item: list[Any]) -> Finding:
    severity, rule, message, case, file, line, loc = item
    if severity not in ("error", "warning"):
        raise ValueError(severity)
    return Finding(severity, rule, message, case, file, line, tuple(loc))


def fingerprint(root: Path) -> str:
    """What a case's rule findings depend on besides the case: every file under policy/, the
    casebook code itself and the versions of ``FINDING_LIBRARIES`` (so a changed rule, or new
    bank holidays, are never served stale findings).

    policy/ comes from pull requests: it is walked without following links, and only its
    regular files are read (through ``safefile``). Anything else (a link to ``/proc/self/mem``
    or a huge file outside the tree, a FIFO, a device) adds its name and kind, never its
    content: the loaders refuse such files with a finding of their own (rule ``file-type``).
    """
    h = hashlib.sha256(CACHE_VERSION.encode())
    policy = root / "policy"
    for folder, dirs, files in os.walk(policy, followlinks=False):
        dirs.sort()
        for name in sorted(files + [d for d in dirs if (Path(folder) / d).is_symlink()]):
            path = Path(folder) / name
            h.update(path.relative_to(policy).as_posix().encode())
            try:
                h.update(hashlib.sha256(safefile.read_bytes(root, path)).digest())
            except (safefile.UnsafeFile, OSError) as exc:
                h.update(f"unreadable: {exc}".encode())
    package = Path(__file__).parent.parent
    for path in code_files():
        h.update(path.relative_to(package).as_posix().encode())
        h.update(hashlib.sha256(path.read_bytes()).digest())
    h.update(_library_versions())
    return h.hexdigest()


# Libraries whose data or behaviour decide findings and pages as much as casebook's own code:
# bank holidays (every working-day deadline), date arithmetic, the YAML parser, validation,
# letter templates. An upgrade must not be served findings or pages worked out before it.
FINDING_LIBRARIES = ("holidays", "python-dateutil", "PyYAML", "pydantic", "pydantic-core", "jinja2")


def library_versions(*libs: str) -> bytes:
    """``name version`` of each installed distribution, one a line ("-" when absent): part of
    every cache key that depends on what a library does, not only on casebook's code."""
    from importlib.metadata import PackageNotFoundError, version

    out = []
    for lib in libs:
        try:
            out.append(f"{lib} {version(lib)}")
        except PackageNotFoundError:
            out.append(f"{lib} -")
    return "".join(f"{line}\n" for line in out).encode()


@functools.cache
def _library_versions() -> bytes:
    return library_versions(*FINDING_LIBRARIES)


def run_fingerprint(root: Path, cache: RecordCache) -> str:
    """``fingerprint(root)``, worked out once for the run that opened ``cache``: the policy
    findings and the case findings are both stored under it, and each computation reads and
    hashes every file of policy/ and of the code (issue 14). A new run opens a new cache, so
    an edit between runs is always seen."""
    key = str(root)
    if key not in cache.fingerprints:
        cache.fingerprints[key] = fingerprint(root)
    return cache.fingerprints[key]


def code_files() -> list[Path]:
    """Every module of the casebook package, all layers (the rules live in ``check/`` and
    ``engine/``, not beside this file), for the findings cache's key."""
    return sorted((Path(__file__).parent.parent).glob("**/*.py"))


def write_atomic(path: Path, data: bytes) -> None:
    """Write a file so that readers see the old or the new content, never a half.

    The new content goes to a temporary beside ``path`` (``casebook.store.temporary``: a
    git-ignored name, removed by the next run if this one is killed) and is renamed over it.
    The file keeps its permission bits (a new file gets the usual ones, 0666 less the umask),
    not the 0600 of a temporary file. OSError (disk full, permission denied) propagates after
    the temporary is removed; the CLI reports it plainly.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        mode = 0o666 & ~_umask()
    fd, tmp = temporary.new_file(path.parent, path.name)
    try:
        with os.fdopen(fd, "wb") as fh:
            os.fchmod(fh.fileno(), mode)
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _umask() -> int:
    # os.umask can only be read by setting it; set it straight back.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
