"""Policy check ``letter-template``: every letter a procedure defines has a template that parses
and has a block for each item the procedure makes mandatory; the letterhead is valid.

Run with the rest of ``policy/`` (``policy_rules.check_policy``), so a broken template stops
`casebook check` with exit 2 before any letter is due, not on the day one is sent.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from casebook.model.findings import Finding, Severity
from casebook.publish.letters.letterhead import (
    LETTERHEAD_DIR,
    LETTERHEAD_FILE,
    LETTERHEAD_FILES,
    letterhead_env,
    load_letterhead,
    template_problems,
)
from casebook.publish.letters.templates import (
    LETTERS_DIR,
    TemplateFacts,
    letter_template,
    make_env,
    template_items,
)
from casebook.store.paths import path_problem

if TYPE_CHECKING:
    from casebook.store.cases import Casebook
    from casebook.store.reader import Policy

RULE = "letter-template"


def template_findings(policy: Policy) -> list[Finding]:
    from casebook.store.reader import with_line

    out: list[Finding] = []
    if not any(p.letters for p in policy.procedures.values()):
        return out
    env = make_env(policy.root)
    parsed: dict[str, TemplateFacts] = {}  # each template file parsed once for every letter
    for proc_id, proc in sorted(policy.procedures.items()):
        rel, text = policy.texts.get(proc_id, (f"policy/procedures/{proc_id}.yaml", ""))
        for lid, spec in proc.letters.items():
            name = letter_template(proc_id, lid, spec.template)
            found, problems = template_items(env, name, parsed)
            loc = ("letters", lid, "template") if spec.template else ("letters", lid)
            for problem in problems:
                out.append(
                    with_line(
                        Finding("error", RULE, f"letter {lid!r}: {problem}", loc=loc), rel, text
                    )
                )
            if problems:
                continue
            absent = [i.item for i in spec.required if i.item not in found]
            if absent:
                out.append(
                    Finding(
                        "error",
                        RULE,
                        f"has no block for {', '.join(absent)}, which letter {lid!r} of "
                        f"{proc_id} must contain; add {{% call item('{absent[0]}') %}}...",
                        file=f"{LETTERS_DIR}/{name}",
                    )
                )
    # The letterhead's own files: regular files inside policy/letterhead/, no links (a linked
    # letter.css or logo.svg would copy another file into every letter).
    for name in LETTERHEAD_FILES[1:]:
        refused = path_problem(policy.root, LETTERHEAD_DIR, name, missing_ok=True)
        if refused is not None:
            out.append(Finding("error", RULE, refused, file=f"{LETTERHEAD_DIR}/{name}"))
    loaded = load_letterhead(policy.root)
    if loaded.findings:
        # Each names file, line and field already ("letterhead.yaml:13: colour: unknown
        # field"): as they are, not nested inside one "letters cannot be printed" finding.
        out += loaded.findings
    elif loaded.letterhead is None:
        severity: Severity = "warning" if "not found" in (loaded.problem or "") else "error"
        out.append(
            Finding(
                severity,
                RULE,
                f"letters cannot be printed: {loaded.problem}",
                file=LETTERHEAD_FILE,
            )
        )
    return out


def letterhead_template(book: Casebook, as_of: date) -> list[Finding]:
    """Book rule ``letter-template``: ``policy/letterhead/letter.html.j2`` can print letters
    (no syntax error, no missing include, no name casebook does not give it, no key
    letterhead.yaml cannot have: ``letterhead.template_problems``), one error per problem
    naming file and line.

    A casebook rule, not a policy rule: only HTML and PDF letters (and the site's letters)
    use the letterhead, so a typo in it must fail `casebook check` (exit 1) and stop
    `casebook letters --format html|pdf`, but not every other command as an invalid
    ``policy/`` does (Markdown letters, `casebook log`). Nothing to check when no procedure
    defines a letter, or when letterhead.yaml itself is missing or invalid (reported above).
    """
    del as_of  # the template is the same on every day
    policy = book.policy
    if not any(p.letters for p in policy.procedures.values()):
        return []
    if load_letterhead(policy.root).letterhead is None:
        return []
    problems = template_problems(letterhead_env(policy.root))
    return [Finding("error", RULE, p.message, file=p.file, line=p.line) for p in problems]
