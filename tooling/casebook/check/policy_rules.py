"""Cross-checks of the policy files: a procedure must only name things that exist."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel

from casebook.model import RESTRICTION_TYPES, Procedure
from casebook.model.findings import Finding, Loc
from casebook.model.letter_items import LETTER_ITEMS
from casebook.model.procedure import ClockStart, Requirement
from casebook.model.restrictions import BREACH_CHECKS, DECLARED_CHECKS
from casebook.publish.wording import wording_fields
from casebook.store import safefile
from casebook.store.paths import PathRefused, path_problem, policy_file
from casebook.store.reader import PUBLISHED_DIR

if TYPE_CHECKING:
    from casebook.store.reader import Policy

LETTERS_DIR = "policy/letters"


def check_policy(policy: Policy) -> list[Finding]:
    from casebook.store.reader import PEOPLE_FILE, with_line

    out: list[Finding] = []
    people = policy.people
    roles = set(people.roles)
    people_text = _read(policy.root, policy.root / PEOPLE_FILE)

    for pid, n in Counter(p.id for p in people.people).items():
        if n > 1:
            idx = next(i for i, p in enumerate(people.people) if p.id == pid)
            out.append(
                with_line(
                    _err(f"person id {pid!r} is used {n} times", ("people", idx, "id")),
                    PEOPLE_FILE,
                    people_text,
                )
            )
    logins = Counter(p.github.lower() for p in people.people if p.github)
    for login, n in logins.items():
        if n > 1:
            out.append(
                Finding(
                    "error",
                    "policy",
                    f"GitHub login {login!r} belongs to {n} people",
                    file=PEOPLE_FILE,
                )
            )
    ids = {p.id for p in people.people}
    for i, p in enumerate(people.people):
        if p.line_manager is not None and p.line_manager not in ids:
            out.append(
                with_line(
                    _err(
                        f"line_manager {p.line_manager!r} is not a person in this file",
                        ("people", i, "line_manager"),
                    ),
                    PEOPLE_FILE,
                    people_text,
                )
            )
        for j, r in enumerate(p.roles):
            if r not in roles:
                out.append(
                    with_line(
                        _err(
                            f"unknown role {r!r}; define it under roles:", ("people", i, "roles", j)
                        ),
                        PEOPLE_FILE,
                        people_text,
                    )
                )

    behaviours = {b.id for b in policy.taxonomy.behaviours}
    for proc_id, proc in policy.procedures.items():
        rel, text = policy.texts[proc_id]
        mailing = set(people.mailing_lists)
        base = list(_procedure_findings(proc, roles, behaviours, mailing, policy))
        out += [with_line(f, rel, text) for f in base]
        # Each version, as in force from its date, must hold together too (a replaced
        # transition naming a letter, a role ...). Found again in the base: reported once.
        seen = {f.message for f in base}
        for i, v in enumerate(proc.versions):
            for f in _procedure_findings(proc.at(v.effective), roles, behaviours, mailing, policy):
                if f.message not in seen:
                    seen.add(f.message)
                    moved = Finding(
                        f.severity, f.rule, f"version {v.id}: {f.message}", loc=("versions", i)
                    )
                    out.append(with_line(moved, rel, text))
    out += _ledger_paths(policy)
    from casebook.check.template_rules import template_findings

    out += template_findings(policy)
    return out


def _ledger_paths(policy: Policy) -> list[Finding]:
    """The ledgers named in policy/settings.yaml are files inside policy/, reached without links.

    A refused path stops the casebook loading, so the book rules that read the ledgers
    (``time_rules``) never report it a second time.
    """
    from casebook.store.reader import SETTINGS_FILE, with_line

    out: list[Finding] = []
    text = _read(policy.root, policy.root / SETTINGS_FILE)
    for field in ("deletion_log", "log_reviews"):
        value = getattr(policy.settings, field)
        try:
            folder, rel = policy_file(value)
            problem = path_problem(policy.root, folder, rel, missing_ok=True)
        except PathRefused as exc:
            problem = str(exc)
        if problem is not None:
            out.append(with_line(_err(f"{field}: {problem}", (field,)), SETTINGS_FILE, text))
    return out


def _path_finding(root: Path, folder: str, rel: str, problem: str) -> Finding:
    """A refused path: rule ``file-type`` when the file is a link, FIFO or device (the safe
    reader's finding), else a ``policy`` error saying why the path is not confined."""
    parts = Path(rel).parts
    if Path(rel).is_absolute() or ".." in parts:
        return _err(problem, ("text",))
    try:
        safefile.check_regular(root, root / folder / rel)
    except safefile.UnsafeFile as exc:
        return replace(safefile.unsafe_finding(exc), loc=("text",), file=None)
    except OSError:
        pass
    return _err(problem, ("text",))


def _err(message: str, loc: Loc) -> Finding:
    return Finding("error", "policy", message, loc=loc)


def _read(root: Path, path: Path) -> str | None:
    try:
        return safefile.read_text(root, path)
    except (OSError, UnicodeDecodeError, safefile.UnsafeFile):
        return None


def _procedure_findings(
    proc: Procedure, roles: set[str], behaviours: set[str], mailing: set[str], policy: Policy
) -> Iterator[Finding]:
    root = policy.root
    states = set(proc.states)
    # Confined (issue 16): `text: ../../../x` would print any file into the enclosure.
    problem = path_problem(root, PUBLISHED_DIR, proc.text)
    if problem is not None:
        yield _path_finding(root, PUBLISHED_DIR, proc.text, f"published text: {problem}")
    if proc.initial not in states:
        yield _err(
            f"initial state {proc.initial!r} is not one of the states: {', '.join(sorted(states))}",
            ("initial",),
        )
    for i, b in enumerate(proc.behaviours):
        if b not in behaviours:
            yield _err(
                f"unknown behaviour {b!r}; define it in policy/behaviours.yaml", ("behaviours", i)
            )
    for i, cap in enumerate(proc.referral):
        yield from _roles(cap.to_roles, roles, ("referral", i, "to_roles"))
        yield from _roles(cap.by_roles, roles, ("referral", i, "by_roles"))
    if proc.spoc is not None:
        yield from _roles(proc.spoc.roles, roles, ("spoc", "roles"))
    yield from _measure_findings(proc)
    for sid, st in proc.states.items():
        for j, r in enumerate(st.restrictions):
            if r not in RESTRICTION_TYPES and r not in proc.measures:
                yield _err(
                    f"unknown restriction type {r!r}; declare it under 'measures:' in this "
                    "procedure, or use a built-in type: " + ", ".join(sorted(RESTRICTION_TYPES)),
                    ("states", sid, "restrictions", j),
                )
        if st.review:
            yield from _roles(st.review.by_roles, roles, ("states", sid, "review", "by_roles"))
            for k, req in enumerate(st.review.consult):
                at = ("states", sid, "review", "consult", k, "roles")
                yield from _roles(req.roles, roles, at)
    pairs: Counter[tuple[str, str]] = Counter()
    for i, t in enumerate(proc.transitions):
        for j, s in enumerate(t.from_):
            if s not in states:
                yield _err(f"transition from unknown state {s!r}", ("transitions", i, "from", j))
            pairs[(s, t.to)] += 1
        if t.to not in states:
            yield _err(f"transition to unknown state {t.to!r}", ("transitions", i, "to"))
        for j, s in enumerate(t.expects_prior):
            if s not in states:
                yield _err(
                    f"expects_prior names unknown state {s!r}",
                    ("transitions", i, "expects_prior", j),
                )
        g = t.guards
        if g.prior is not None:
            for j, s in enumerate(g.prior.states):
                if s not in states:
                    yield _err(
                        f"guards.prior names unknown state {s!r}",
                        ("transitions", i, "guards", "prior", "states", j),
                    )
        for key, named in (
            ("prior", g.prior.skip_when_behaviours if g.prior else []),
            ("exceptional", g.exceptional.behaviours if g.exceptional else []),
        ):
            for j, b in enumerate(named):
                if b not in behaviours:
                    yield _err(
                        f"unknown behaviour {b!r}; define it in policy/behaviours.yaml",
                        ("transitions", i, "guards", key, j),
                    )
        for part in ("requires", "consult"):
            reqs: list[Requirement] = getattr(t.approval, part)
            for k, req in enumerate(reqs):
                yield from _roles(
                    req.roles, roles, ("transitions", i, "approval", part, k, "roles")
                )
        for j, letter in enumerate(t.letters):
            if letter not in proc.letters:
                yield _err(
                    f"letter {letter!r} is not defined under letters:",
                    ("transitions", i, "letters", j),
                )
        for j, w in enumerate(t.waivable):
            if w.letter not in t.letters:
                yield _err(
                    f"waivable letter {w.letter!r} is not one of this transition's letters",
                    ("transitions", i, "waivable", j, "letter"),
                )
        for j, n in enumerate(t.notify):
            if n.list_id not in proc.distribution_lists:
                yield _err(
                    f"distribution list {n.list_id!r} is not defined under distribution_lists:",
                    ("transitions", i, "notify", j, "list"),
                )
            yield from _roles(n.by_roles, roles, ("transitions", i, "notify", j, "by_roles"))
    for (a, b), count in pairs.items():
        if count > 1:
            yield _err(
                f"{count} transitions go from {a!r} to {b!r}; a decision could not tell them apart",
                ("transitions",),
            )
    reachable = {proc.initial}
    changed = True
    while changed:
        changed = False
        for t in proc.transitions:
            if t.to not in reachable and reachable.intersection(t.from_):
                reachable.add(t.to)
                changed = True
    for sid in sorted(states - reachable):
        yield Finding(
            "warning",
            "policy",
            f"state {sid!r} cannot be reached from {proc.initial!r}",
            loc=("states", sid),
        )
    for sid, st in proc.states.items():
        rl = st.review.letter if st.review is not None else None
        if rl is not None and rl.letter not in proc.letters:
            yield _err(
                f"letter {rl.letter!r} is not defined under letters:",
                ("states", sid, "review", "letter", "letter"),
            )
    for lid, spec in proc.letters.items():
        yield from _roles(spec.sender_roles, roles, ("letters", lid, "sender_roles"))
        for j, item in enumerate(spec.required):
            if item.item not in LETTER_ITEMS:
                yield _err(
                    f"unknown letter item {item.item!r}; known items: "
                    + ", ".join(sorted(LETTER_ITEMS)),
                    ("letters", lid, "required", j, "item"),
                )
    for did, dl in proc.distribution_lists.items():
        yield from _roles(dl.roles, roles, ("distribution_lists", did, "roles"))
        for j, m in enumerate(dl.mailing_lists):
            if m not in mailing:
                yield _err(
                    f"mailing list {m!r} is not defined in policy/people.yaml",
                    ("distribution_lists", did, "mailing_lists", j),
                )
    if proc.log_review:
        yield from _roles(proc.log_review.by_roles, roles, ("log_review", "by_roles"))
    yield from _appeal_findings(proc, roles)
    yield from _clock_starts(proc, proc, ())


def _measure_findings(proc: Procedure) -> Iterator[Finding]:
    """Each declared measure: a breach check that can judge it, wording that names only the
    fields its restriction has."""
    for mid, m in proc.measures.items():
        loc: Loc = ("measures", mid)
        model = RESTRICTION_TYPES.get(mid)
        if m.breach_check is not None:
            own = BREACH_CHECKS.get(mid)
            allowed = {own, "none"} if model is not None else set(DECLARED_CHECKS)
            if m.breach_check not in allowed:
                yield _err(
                    f"breach_check {m.breach_check!r} cannot judge {mid!r}; use "
                    + " or ".join(sorted(x for x in allowed if x)),
                    (*loc, "breach_check"),
                )
        fields = (
            {(f.alias or n) for n, f in model.model_fields.items()}
            if model is not None
            else {"summary", "details", "start", "end", "notes", "type"}
        )
        for key in ("letter", "staff", "expects"):
            text = getattr(m, key)
            for name in wording_fields(text or ""):
                base = name.partition(".")[0]
                if name != "until" and base not in fields:
                    yield _err(
                        f"{{{name}}} is not a field of {mid!r}; fields: "
                        + ", ".join(sorted(fields | {"until"})),
                        (*loc, key),
                    )


def _appeal_findings(proc: Procedure, roles: set[str]) -> Iterator[Finding]:
    """Each appeal rule names states, roles and letters the procedure defines, and no state
    is covered by two rules (an appeal must find one rule)."""
    seen: dict[str, str] = {}
    for i, a in enumerate(proc.appeals):
        for j, s in enumerate(a.against):
            if s not in proc.states:
                yield _err(f"appeal against unknown state {s!r}", ("appeals", i, "against", j))
            elif s in seen:
                yield _err(
                    f"decisions into {s!r} are already appealed under {seen[s]!r}",
                    ("appeals", i, "against", j),
                )
            seen.setdefault(s, a.id)
        for k, req in enumerate(a.hears):
            yield from _roles(req.roles, roles, ("appeals", i, "hears", k, "roles"))
        for name, spec in a.outcomes.items():
            if spec.letter is not None and spec.letter not in proc.letters:
                yield _err(
                    f"letter {spec.letter!r} is not defined under letters:",
                    ("appeals", i, "outcomes", name, "letter"),
                )


def _clock_starts(proc: Procedure, node: object, loc: Loc) -> Iterator[Finding]:
    """Every clock's ``starts`` names a letter and a state the procedure defines."""
    if isinstance(node, ClockStart):
        if node.letter_sent is not None and node.letter_sent not in proc.letters:
            yield _err(
                f"starts.letter_sent names letter {node.letter_sent!r}, which is not defined "
                "under letters:",
                (*loc, "letter_sent"),
            )
        if node.end_of is not None and node.end_of not in proc.states:
            yield _err(f"starts.end_of names unknown state {node.end_of!r}", (*loc, "end_of"))
        return
    if isinstance(node, BaseModel):
        for name, info in type(node).model_fields.items():
            yield from _clock_starts(proc, getattr(node, name), (*loc, info.alias or name))
    elif isinstance(node, dict):
        for k, v in node.items():
            yield from _clock_starts(proc, v, (*loc, k))
    elif isinstance(node, list):
        for k, v in enumerate(node):
            yield from _clock_starts(proc, v, (*loc, k))


def _roles(names: list[str], roles: set[str], loc: Loc) -> Iterator[Finding]:
    for j, r in enumerate(names):
        if r not in roles:
            yield _err(
                f"unknown role {r!r}; define it in policy/people.yaml under roles:", (*loc, j)
            )
