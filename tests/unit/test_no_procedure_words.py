"""No procedure knowledge in Python: no procedure, state, role, letter or list id of policy/,
and no council's name, appears in the package's code (string constants outside docstrings).

Issue 15: "no procedure id, state, role, letter or council wording appears in Python". Ids that
are also the language's own vocabulary (a state kind such as ``closed``, a built-in restriction
type, a letter item) are generic, not one council's, and are allowed.
"""

from __future__ import annotations

import ast
import re
import typing
from pathlib import Path

from casebook.model import RESTRICTION_TYPES
from casebook.model.letter_items import LETTER_ITEMS
from casebook.model.procedure import StateKind
from casebook.store.reader import load_policy
from tests.conftest import REPO

PACKAGE = REPO / "tooling" / "casebook"
GENERIC = (
    set(typing.get_args(StateKind))
    | set(RESTRICTION_TYPES)
    | set(LETTER_ITEMS)
    | {"staff", "review", "referral", "letter", "email", "phone", "post", "note"}
)


def _policy_words() -> dict[str, str]:
    policy, findings = load_policy(REPO)
    assert policy is not None, [f.as_text() for f in findings]
    words: dict[str, str] = {}
    for pid, proc in policy.procedures.items():
        words[pid] = "procedure id"
        words[proc.council] = "council"
        words.update({s: f"state of {pid}" for s in proc.states})
        words.update({x: f"letter of {pid}" for x in proc.letters})
        words.update({x: f"list of {pid}" for x in proc.distribution_lists})
        words.update({x: f"measure of {pid}" for x in proc.measures if x not in RESTRICTION_TYPES})
    words.update({r: "role" for r in policy.people.roles})
    return {w: why for w, why in words.items() if w not in GENERIC}


def _constants(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
    ]


def test_policy_has_words_to_look_for():
    words = _policy_words()
    assert "managed-contact" in words or len(words) > 20


def test_no_procedure_words_in_the_package():
    # An id with a hyphen (or a council's name) is found anywhere in a string; a one-word id
    # ("referred", "manager") only as a whole string, i.e. used as an id: the same word in an
    # English sentence ("the person referred") is not procedure knowledge.
    words = _policy_words()
    patterns = {
        w: re.compile(rf"(?<![\w-]){re.escape(w)}(?![\w-])") for w in words if "-" in w or " " in w
    }
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for line, text in _constants(path):
            hits = [w for w, pat in patterns.items() if pat.search(text)]
            hits += [text] if text in words and text not in patterns else []
            found += [f"{path.relative_to(REPO)}:{line}: {w!r} ({words[w]})" for w in hits]
    assert not found, "procedure knowledge in Python:\n" + "\n".join(found)


def test_the_check_finds_a_planted_word(tmp_path):
    # The test can fail: a string constant naming a procedure id is found.
    planted = tmp_path / "x.py"
    planted.write_text('"""Doc mentions managed-contact."""\nX = "managed-contact"\n')
    assert [t for _, t in _constants(planted)] == ["managed-contact"]
