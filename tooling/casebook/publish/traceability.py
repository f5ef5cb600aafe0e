"""Traceability: every sentence a procedure file cites -> the rule that encodes it -> the
acceptance test that fails a case breaking it.

Generated from the procedure's ``source:`` citations (``docs/traceability/<id>.md``, written by
``python -m casebook.publish.traceability ROOT``; a test keeps them up to date). A row's rule is
the `casebook check` rule that judges the key the sentence is cited on. Its test is honest about
what it proves:

* a test that breaks *that* key: a file under ``tests/`` with a header line
  ``# breaks: <procedure id> <key>`` (``*`` for every procedure), where ``<key>`` is the row's
  "encoded at" path, or a key under it that no row of its own cites (``...approval.requires``
  with no sentence of its own proves the approval's row; ``...guards.prior``, which has one,
  proves only that one);
* a good case that breaks it and expects only a warning (the text says "normally") is shown as
  "warning only (the text allows departures): <file>";
* otherwise an acceptance bad case of the same rule that breaks another sentence, labelled
  "same rule, other sentence: <file>" (for this procedure if there is one);
* otherwise "no acceptance test yet".

List entries with an ``item`` or ``id`` are named by it in paths
(``letters.stage-1-letter.required[spoc]``), so a header survives reordering. ``guidance:``
entries are rows marked "guidance, not checkable" with their reason; ``council-setting:``
sources are listed apart (they quote no sentence). Nothing here knows a procedure: the table is
made from the file alone.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel

from casebook.model import Procedure
from casebook.model.common import COUNCIL_SETTING

# Key path (dotted, list indexes removed) -> the check rule that judges it. The longest
# matching suffix wins; "" is a transition or state's own source (what it is, not a check).
_RULES: tuple[tuple[str, str], ...] = (
    ("approval.requires", "approval"),
    ("approval.consult", "approval"),
    ("approval", "approval"),
    ("guards.prior", "prior-step"),
    ("guards.min_time", "min-time"),
    ("guards.exceptional", "exceptional"),
    ("exclusions", "scope"),
    ("measures", "restriction"),
    ("notify", "notify"),
    ("notify.within", "notify"),
    ("period", "period"),
    ("review", "review"),
    ("review.every", "review"),
    ("review.consult", "review-by"),
    ("review.latest", "review"),
    ("review.letter", "letter"),
    ("review.letter.within", "letter"),
    ("retention", "retention"),
    ("retention.delete_after", "retention"),
    ("log_review", "log-review"),
    ("log_review.every", "log-review"),
    ("letters", "letter"),
    ("letters.due_within", "letter"),
    ("letters.required", "letter-content"),
    ("letter_action", "letter-content"),
    ("letters.delivery", "letter-delivery"),
    ("delivery", "letter-delivery"),
    ("challenge", "letter-content"),
    ("transitions", "transition"),
    ("states", "transition"),
    ("referral", "reference"),
    ("spoc", "spoc"),
    ("distribution_lists", "notify"),
    ("retention.exceptions", "retention"),
    ("waivable", "waiver"),
    ("triggers", "trigger"),
    ("councillor_arrangement", "councillor-arrangement"),
    ("staff_card", "staff card wording (the card states it; no case can break it)"),
)


@dataclass(frozen=True, slots=True)
class Row:
    sentence: str
    where: str  # the key path in the procedure file
    rule: str  # a check rule id, or "guidance, not checkable: <reason>"
    test: str  # a test path, or why there is none
    # Every key the sentence is cited on (``where`` first): a test breaking any of them counts.
    keys: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Proof:
    """One test file: the rules its case fails (``# expect:``), the procedure it is for, and
    the keys it declares it breaks (``# breaks: <procedure> <key>``)."""

    path: str
    procedure: str
    rules: tuple[str, ...]
    breaks: tuple[tuple[str, str], ...]
    bad_case: bool  # an acceptance bad case (the only kind a same-rule row may point to)


def _walk(obj: object, path: str = "") -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    if isinstance(obj, BaseModel):
        for name in type(obj).model_fields:
            value = getattr(obj, name)
            if name == "source" and isinstance(value, str):
                out.append((path, value))
            elif name != "guidance":
                out += _walk(value, f"{path}.{name}" if path else name)
    elif isinstance(obj, dict):
        for k, v in obj.items():
            out += _walk(v, f"{path}.{k}")
    elif isinstance(obj, list | tuple):
        for i, v in enumerate(obj):
            out += _walk(v, f"{path}[{_name(v, i)}]")
    return out


def _name(entry: object, index: int) -> str:
    """A list entry's name in a path: its ``item`` or ``id``, else its index."""
    for attr in ("item", "id"):
        value = getattr(entry, attr, None)
        if isinstance(value, str):
            return value
    return str(index)


def _rule(path: str, proc: Procedure) -> str:
    # transitions[0].approval.requires[1] -> transitions.approval.requires; a state or letter
    # id (states.restricted.period) is dropped the same way.
    parts = [p for p in re.sub(r"\[[^\]]*\]", "", path).split(".") if p]
    ids = set(proc.states) | set(proc.letters) | set(proc.measures) | set(proc.distribution_lists)
    parts = [p for p in parts if p not in ids]
    key = ".".join(parts)
    if key in ("", "text"):
        return "transition"
    # A referral capacity that names who may refer in it is judged by referral-by.
    cap = re.fullmatch(r"referral\[([^\]]+)\]", path)
    if cap:
        named = [c for i, c in enumerate(proc.referral) if cap.group(1) in (c.id, str(i))]
        if named and named[0].by_roles:
            return "referral-by"
    # The most specific key wins: a suffix (transitions.notify -> notify) before a prefix
    # (transitions.label -> transition), the longest of each.
    ends = [(s, n) for s, n in _RULES if key == s or key.endswith("." + s)]
    starts = [(s, n) for s, n in _RULES if key.startswith(s + ".")]
    for found in (ends, starts):
        if found:
            return max(found, key=lambda sn: len(sn[0]))[1]
    return "transition"


_BREAKS = re.compile(r"^\s*#\s*breaks:\s*(\S+)\s+(\S+)\s*$", re.M)


def proofs(root: Path) -> list[Proof]:
    """Every test file that declares what it breaks, and every acceptance bad case."""
    out: list[Proof] = []
    tests = root / "tests"
    bad = set((tests / "acceptance").glob("*/bad/*.yaml"))
    for path in sorted({*tests.rglob("*.yaml"), *tests.rglob("test_*.py")}):
        # Some fixtures are deliberately not UTF-8 (the reader's tests); they declare nothing.
        text = path.read_text(encoding="utf-8", errors="replace")
        breaks = tuple(_BREAKS.findall(text))
        if not breaks and path not in bad:
            continue
        proc = re.search(r"^procedure:\s*(\S+)", text, re.M)
        rules = tuple(re.findall(r"^#\s*expect:\s*(\S+)", text, re.M))
        rel = str(path.relative_to(root))
        out.append(Proof(rel, proc.group(1) if proc else "", rules, breaks, path in bad))
    return out


_SEGMENT = re.compile(r"([^.\[]+)|\[([^\]]*)\]")


def resolves(proc: Procedure, key: str) -> bool:
    """Whether ``key`` (as in a ``# breaks:`` header) names something in the procedure: each
    ``.field`` an attribute or mapping key, each ``[name]`` a list entry by id, item or index.
    A header naming a key that is not there (renamed, removed) is stale, and a test says so."""
    node: object = proc
    for field, name in _SEGMENT.findall(key):
        if field:
            fields = type(node).model_fields if isinstance(node, BaseModel) else {}
            named = {f.alias or n: n for n, f in fields.items()} | {n: n for n in fields}
            if field in named:
                node = getattr(node, named[field])
            elif isinstance(node, dict) and field in node:
                node = node[field]
            else:
                return False
        elif isinstance(node, list | tuple):
            found = [v for i, v in enumerate(node) if _name(v, i) == name or str(i) == name]
            if not found:
                return False
            node = found[0]
        else:
            return False
    return True


def _under(key: str, row: str) -> bool:
    return key == row or key.startswith(row + ".") or key.startswith(row + "[")


def _test_for(proc_id: str, rule: str, claimed: list[Proof], found: list[Proof]) -> str:
    # A case that breaks the key and fails beats one that only warns (a good case listing the
    # warning: "normally", "subject to other demands"), which is labelled as such.
    fails = [t for t in claimed if "/good/" not in t.path]
    if fails:
        return fails[0].path
    if claimed:
        return f"warning only (the text allows departures): {claimed[0].path}"
    same = [t for t in found if t.bad_case and rule in t.rules]
    mine = [t for t in same if t.procedure == proc_id] or same
    if mine:
        on = "" if mine[0].procedure == proc_id else f" (shown on {mine[0].procedure})"
        return f"same rule, other sentence: {mine[0].path}{on}"
    return "no acceptance test yet"


def trace(proc: Procedure, root: Path) -> tuple[list[Row], list[tuple[str, str]]]:
    """The rows for the cited sentences (and guidance), and the council settings apart."""
    proc_id = proc.id
    found = proofs(root)
    settings: list[tuple[str, str]] = []
    grouped: dict[tuple[str, str], list[str]] = {}
    for path, source in _walk(proc):
        if source.startswith(COUNCIL_SETTING):
            settings.append((path or "(procedure)", source[len(COUNCIL_SETTING) :].strip()))
            continue
        grouped.setdefault((source, _rule(path, proc)), []).append(path or "(procedure)")
    groups = list(grouped.items())
    # Each declared key proves the row(s) cited on it, or else those cited on the nearest key
    # above it: a case breaking transitions[a->b].guards.prior proves the guard's sentence, not
    # the transition's own one, when the guard has a sentence of its own.
    claimed: dict[int, list[Proof]] = {}
    for t in found:
        for p, key in t.breaks:
            if p not in (proc_id, "*"):
                continue
            depth = {
                i: max((len(k) for k in paths if _under(key, k)), default=-1)
                for i, (_, paths) in enumerate(groups)
            }
            best = max(depth.values(), default=-1)
            for i, d in depth.items():
                if d == best >= 0 and t not in claimed.setdefault(i, []):
                    claimed[i].append(t)
    rows: list[Row] = []
    for i, ((source, rule), paths) in enumerate(groups):
        test = _test_for(proc_id, rule, claimed.get(i, []), found)
        rows.append(Row(source, paths[0], rule, test, tuple(paths)))
    for g in proc.guidance:
        rows.append(Row(g.source, "guidance", f"guidance, not checkable: {g.reason}", "-"))
    return rows, settings


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def markdown(proc: Procedure, root: Path) -> str:
    """``docs/traceability/<id>.md``: the table, then the council settings."""
    rows, settings = trace(proc, root)
    lines = [
        f"# Traceability: {proc.title}",
        "",
        f"Generated from `policy/procedures/{proc.id}.yaml` ({proc.council}; text "
        f"`policy/published/{proc.text}`) by `python -m casebook.publish.traceability`. "
        "Do not edit: change the procedure file and regenerate.",
        "",
        f"{len(rows)} sentences, {sum(r.rule.startswith('guidance') for r in rows)} of them "
        f"guidance; {len(settings)} council settings.",
        "",
        "| sentence | encoded at | rule | acceptance test that fails a case breaking it |",
        "| --- | --- | --- | --- |",
    ]
    lines += [
        f"| {_cell(r.sentence)} | `{r.where}` | {_cell(r.rule)} | {_cell(r.test)} |" for r in rows
    ]
    lines += ["", "## Council settings (the text is silent)", "", "| encoded at | why |"]
    lines += ["| --- | --- |"]
    lines += [f"| `{p}` | {_cell(s)} |" for p, s in settings]
    return "\n".join(lines) + "\n"


def write_all(root: Path) -> list[Path]:
    """Write one table per procedure in policy/procedures/; return the paths written."""
    from casebook.store.reader import load_policy

    policy, findings = load_policy(root)
    if policy is None:
        raise SystemExit("; ".join(f.as_text() for f in findings))
    out_dir = root / "docs" / "traceability"
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for pid, proc in sorted(policy.procedures.items()):
        path = out_dir / f"{pid}.md"
        path.write_text(markdown(proc, root), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":  # pragma: no cover - exercised by the docs test's command
    for p in write_all(Path(sys.argv[1] if len(sys.argv) > 1 else ".")):
        print(p)
