"""Traceability: every sentence a procedure file cites -> the rule that encodes it -> the
acceptance test that fails a case breaking it.

Generated from the procedure's ``source:`` citations (``docs/traceability/<id>.md``, written by
``python -m casebook.publish.traceability ROOT``; a test keeps them up to date). A row's rule is
the `casebook check` rule that judges the key the sentence is cited on; its test is a file under
``tests/acceptance/*/bad/`` whose ``# expect:`` names that rule (for this procedure if there is
one, else for another: the rules are generic). ``guidance:`` entries are rows marked "guidance,
not checkable" with their reason; ``council-setting:`` sources are listed apart (they quote no
sentence). Nothing here knows a procedure: the table is made from the file alone.
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
    ("review.latest", "review"),
    ("retention", "retention"),
    ("retention.delete_after", "retention"),
    ("log_review", "log-review"),
    ("log_review.every", "log-review"),
    ("letters", "letter"),
    ("letters.due_within", "letter"),
    ("letters.required", "letter-content"),
    ("letters.delivery", "letter-delivery"),
    ("delivery", "letter-delivery"),
    ("challenge", "letter-content"),
    ("transitions", "transition"),
    ("states", "transition"),
    ("referral", "reference"),
    ("spoc", "spoc"),
    ("distribution_lists", "notify"),
    ("staff_card", "staff card wording (no check)"),
)


@dataclass(frozen=True, slots=True)
class Row:
    sentence: str
    where: str  # the key path in the procedure file
    rule: str  # a check rule id, or "guidance, not checkable: <reason>"
    test: str  # an acceptance test path, or why there is none


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
            out += _walk(v, f"{path}[{i}]")
    return out


def _rule(path: str, proc: Procedure) -> str:
    # transitions[0].approval.requires[1] -> transitions.approval.requires; a state or letter
    # id (states.restricted.period) is dropped the same way.
    parts = [p for p in re.sub(r"\[\d+\]", "", path).split(".") if p]
    ids = set(proc.states) | set(proc.letters) | set(proc.measures) | set(proc.distribution_lists)
    parts = [p for p in parts if p not in ids]
    key = ".".join(parts)
    best = ""
    rule = "transition"
    for suffix, name in _RULES:
        if (key == suffix or key.endswith("." + suffix) or key.startswith(suffix + ".")) and len(
            suffix
        ) > len(best):
            best, rule = suffix, name
    if key in ("", "text"):
        return "transition"
    # A referral capacity that names who may refer in it is judged by referral-by.
    cap = re.fullmatch(r"referral\[(\d+)\]", path)
    if cap and proc.referral[int(cap.group(1))].by_roles:
        return "referral-by"
    return rule


def _tests(root: Path) -> dict[str, list[tuple[str, str]]]:
    """rule -> [(procedure id, test path)] from tests/acceptance/*/bad/*.yaml headers."""
    out: dict[str, list[tuple[str, str]]] = {}
    for path in sorted((root / "tests" / "acceptance").glob("*/bad/*.yaml")):
        text = path.read_text(encoding="utf-8")
        proc = re.search(r"^procedure:\s*(\S+)", text, re.M)
        for rule in re.findall(r"^#\s*expect:\s*(\S+)", text, re.M):
            out.setdefault(rule, []).append(
                (proc.group(1) if proc else "", str(path.relative_to(root)))
            )
    return out


def trace(proc: Procedure, root: Path) -> tuple[list[Row], list[tuple[str, str]]]:
    """The rows for the cited sentences (and guidance), and the council settings apart."""
    tests = _tests(root)
    rows: list[Row] = []
    settings: list[tuple[str, str]] = []
    seen: set[tuple[str, str]] = set()
    for path, source in _walk(proc):
        if source.startswith(COUNCIL_SETTING):
            settings.append((path or "(procedure)", source[len(COUNCIL_SETTING) :].strip()))
            continue
        rule = _rule(path, proc)
        if (source, rule) in seen:
            continue
        seen.add((source, rule))
        found = tests.get(rule, [])
        mine = [t for p, t in found if p == proc.id]
        if mine:
            test = mine[0]
        elif found:
            test = f"{found[0][1]} (generic rule, shown on {found[0][0]})"
        else:
            test = "no acceptance test yet"
        rows.append(Row(source, path or "(procedure)", rule, test))
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
