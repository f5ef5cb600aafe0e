"""The council's letterhead and contact details: ``policy/letterhead/``.

``letterhead.yaml`` holds the council's address and contact details and the ombudsman letters
signpost; ``letter.html.j2`` and ``letter.css`` are the printed page. A council restyles its
letters by editing these files, not code.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import jinja2
from jinja2 import meta, nodes
from jinja2.sandbox import SandboxedEnvironment
from pydantic import EmailStr, Field

from casebook.model.common import Slug, Strict, Text
from casebook.model.findings import Finding
from casebook.publish.templating import TemplateRefused, sandboxed_env
from casebook.store.paths import PathMissing, PathRefused, confined
from casebook.store.reader import read_model

LETTERHEAD_DIR = "policy/letterhead"
LETTERHEAD_FILE = f"{LETTERHEAD_DIR}/letterhead.yaml"
# The letterhead's files casebook reads itself; the template may also name assets (fonts,
# images) beside them, which the PDF fetcher serves from this folder only (publish.pdf).
LETTERHEAD_FILES = ("letterhead.yaml", "letter.html.j2", "letter.css", "logo.svg")


class Ombudsman(Strict):
    """Where a person can complain once the council's own process is exhausted."""

    name: Text
    website: Text
    phone: Text | None = None
    address: list[Text] = Field(default_factory=list)


class Letterhead(Strict):
    # The council's name; when absent, policy/settings.yaml's ``council``.
    council: Text | None = None
    address: list[Text] = Field(min_length=1)
    phone: Text | None = None
    email: EmailStr | None = None
    website: Text | None = None
    # How to ask for a letter in another format (large print, easy read, Braille, audio).
    formats: Text | None = None
    # How a person challenges a decision: the council's complaints route, in words for letters.
    complaints: Text | None = None
    ombudsman: Ombudsman | None = None
    # Every ombudsman a procedure may name (``challenge.ombudsman``: lgsco, psow, spso, nipso,
    # housing-ombudsman), with the details letters print.
    ombudsmen: dict[Slug, Ombudsman] = Field(default_factory=dict)
    # Printed at the foot of each page (e.g. how the council handles personal data).
    footer: Text | None = None


@dataclass(frozen=True, slots=True)
class LoadedLetterhead:
    letterhead: Letterhead | None
    # Why it could not be read, in one line naming file, line and field (the first finding).
    problem: str | None
    # Each thing wrong with letterhead.yaml (file, line, field), for `casebook check`.
    findings: tuple[Finding, ...] = ()


_CACHE: dict[tuple[str, int, int], LoadedLetterhead] = {}


def load_letterhead(root: Path) -> LoadedLetterhead:
    """Read ``policy/letterhead/letterhead.yaml`` (cached by path, size and mtime)."""
    try:
        # A regular file inside policy/letterhead/, reached without links (store.paths).
        path = confined(root, LETTERHEAD_DIR, "letterhead.yaml")
        st = path.stat()
    except PathMissing:
        return LoadedLetterhead(None, f"{LETTERHEAD_FILE} not found")
    except (PathRefused, OSError) as exc:
        return LoadedLetterhead(None, str(exc))
    key = (str(path.resolve()), st.st_mtime_ns, st.st_size)
    hit = _CACHE.get(key)
    if hit is not None:
        return hit
    loaded = read_model(root, path, Letterhead, "letter-template")
    problem = None
    if loaded.model is None:
        problem = f"{LETTERHEAD_FILE} is invalid"
        if loaded.findings:
            problem = plain(loaded.findings[0])
            if len(loaded.findings) > 1:
                problem += f" (and {len(loaded.findings) - 1} more: casebook check lists them)"
    result = LoadedLetterhead(loaded.model, problem, tuple(loaded.findings))
    _CACHE[key] = result
    return result


def plain(f: Finding) -> str:
    """``file:line: field: message``: a finding as one line inside another message (without
    the severity and rule ``Finding.as_text`` adds)."""
    where = f.file or LETTERHEAD_FILE
    if f.line is not None:
        where += f":{f.line}"
    return f"{where}: {f.field + ': ' if f.field else ''}{f.message}"


# --- letter.html.j2 ---------------------------------------------------------------------------

LETTERHEAD_TEMPLATE = "letter.html.j2"
# The names casebook gives letter.html.j2 (``render._wrap``); any other is a typo, which the
# strict environment would only report when a letter is printed.
TEMPLATE_NAMES = frozenset(
    {"title", "council", "letterhead", "css", "logo", "body", "large_print", "kind"}
)


@dataclass(frozen=True, slots=True)
class TemplateProblem:
    """Something wrong with the letterhead template or a file it includes."""

    file: str  # relative to the casebook root
    line: int | None
    message: str

    def as_text(self) -> str:
        return f"{self.file}{f':{self.line}' if self.line else ''}: {self.message}"


def letterhead_env(root: Path) -> SandboxedEnvironment:
    """The environment letter.html.j2 renders in (HTML-escaped, confined to its folder)."""
    return sandboxed_env(root, LETTERHEAD_DIR, autoescape=True)


def template_problems(env: SandboxedEnvironment) -> list[TemplateProblem]:
    """What stops ``letter.html.j2`` from printing a letter, found without printing one.

    Jinja finds a syntax error when it compiles a template, but a missing include, a name
    casebook does not give (``{{ counsil }}``) or a key letterhead.yaml cannot have
    (``{{ letterhead.colour }}``) only when a letter is printed, and only on the branch it
    takes. So the template and every file it extends, includes or imports (constant names)
    are parsed, and the tree is searched for each. Returns one problem per file, line and
    fault, in file order; an empty list when the template is sound.
    """
    out: list[TemplateProblem] = []
    trees: list[tuple[str, nodes.Template]] = []
    seen: set[str] = set()
    # Files reached by an import without context at least once: Jinja gives them none of the
    # letter's names (only its globals), so ``{{ council }}`` in an imported macro fails.
    bare: set[str] = set()

    def visit(name: str, by: str | None, line: int | None, optional: bool, context: bool) -> None:
        rel = f"{LETTERHEAD_DIR}/{name}"
        if not context:
            bare.add(rel)
        if name in seen:
            return
        seen.add(name)
        try:
            assert env.loader is not None
            source, _, _ = env.loader.get_source(env, name)
            tree = env.parse(source, name)
        except jinja2.TemplateNotFound:
            if not optional:
                where = by or rel
                what = f"includes {name}, which" if by else "the letterhead template"
                out.append(TemplateProblem(where, line, f"{what} is not in {LETTERHEAD_DIR}/"))
            return
        except TemplateRefused as exc:
            out.append(TemplateProblem(by or rel, line, f"refused: {exc}"))
            return
        except jinja2.TemplateSyntaxError as exc:
            out.append(TemplateProblem(rel, exc.lineno, f"template syntax: {exc.message}"))
            return
        trees.append((rel, tree))
        for ref in tree.find_all((nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport)):
            template = getattr(ref, "template", None)
            if isinstance(template, nodes.Const) and isinstance(template.value, str):
                missing_ok = isinstance(ref, nodes.Include) and ref.ignore_missing
                # An extends shares the context; an include has it unless "without
                # context"; an import has it only "with context".
                with_context = context and getattr(ref, "with_context", True)
                visit(template.value, rel, ref.lineno, missing_ok, with_context)

    visit(LETTERHEAD_TEMPLATE, None, None, False, True)
    # Names a template sets ({% set %}, {% for %}, macro arguments) are its own, and an
    # included file sees its includer's: only a name no file of the letterhead sets is a typo.
    own = {
        n.name
        for _, tree in trees
        for n in tree.find_all(nodes.Name)
        if n.ctx in ("store", "param")
    } | {m.name for _, tree in trees for m in tree.find_all(nodes.Macro)}
    known = TEMPLATE_NAMES | own | set(env.globals)
    keys = sorted(Letterhead.model_fields)
    # Names set to the letterhead itself ({% set lh = letterhead %}): lh.colour is checked too.
    aliases = {"letterhead"} | {
        name.name
        for _, tree in trees
        for node in tree.find_all((nodes.Assign, nodes.With))
        for name in _assigned_letterhead(node)
    }
    for rel, tree in trees:
        given = known - TEMPLATE_NAMES if rel in bare else known
        unknown = meta.find_undeclared_variables(tree) - given
        for name in sorted(unknown):
            line = min(
                (n.lineno for n in tree.find_all(nodes.Name) if n.name == name), default=None
            )
            why = (
                f"{rel} is imported without context, so it is given none of the letter's "
                'names: import it "with context", or pass the name to the macro'
                if rel in bare and name in TEMPLATE_NAMES
                else f"the letterhead template is given {', '.join(sorted(TEMPLATE_NAMES))}"
            )
            out.append(TemplateProblem(rel, line, f"unknown name {name!r}: {why}"))
        for node in tree.find_all((nodes.Getattr, nodes.Getitem, nodes.Filter)):
            key = _letterhead_key(node, aliases)
            if key is not None and key not in Letterhead.model_fields and "letterhead" not in own:
                out.append(
                    TemplateProblem(
                        rel,
                        node.lineno,
                        f"letterhead.{key}: {LETTERHEAD_FILE} has no key {key!r}; its keys: "
                        f"{', '.join(keys)}",
                    )
                )
    main = f"{LETTERHEAD_DIR}/{LETTERHEAD_TEMPLATE}"
    return sorted(out, key=lambda p: (p.file != main, p.file, p.line or 0))


def _letterhead_key(node: nodes.Node, names: set[str]) -> str | None:
    """``colour`` for ``letterhead.colour``, ``letterhead['colour']`` or
    ``letterhead|attr('colour')`` (``letterhead`` or a name in ``names`` set to it); None
    otherwise."""
    key: object
    if isinstance(node, nodes.Getattr):
        target, key = node.node, node.attr
    elif isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
        target, key = node.node, node.arg.value
    elif (
        isinstance(node, nodes.Filter)
        and node.name == "attr"
        and node.node is not None
        and len(node.args) == 1
        and isinstance(node.args[0], nodes.Const)
    ):
        target, key = node.node, node.args[0].value
    else:
        return None
    if isinstance(target, nodes.Name) and target.name in names and isinstance(key, str):
        return key
    return None


def _assigned_letterhead(node: nodes.Node) -> list[nodes.Name]:
    """The names ``{% set x = letterhead %}`` or ``{% with x = letterhead %}`` binds to it."""
    if isinstance(node, nodes.Assign):
        pairs = [(node.target, node.node)]
    elif isinstance(node, nodes.With):
        pairs = list(zip(node.targets, node.values, strict=False))
    else:
        return []
    return [
        t
        for t, v in pairs
        if isinstance(t, nodes.Name) and isinstance(v, nodes.Name) and v.name == "letterhead"
    ]
