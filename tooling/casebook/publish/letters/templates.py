"""Letter templates: Jinja2, sandboxed, strict, and holding the data as data.

A template is Markdown with Jinja (``policy/letters/<procedure>/<letter>.md.j2``). Each piece of
mandatory content sits in an item block::

    {% call(s) item('spoc') %}Your single point of contact is {{ s.name }} ...{% endcall %}

``item`` hands the block the item's value (filled from the case by ``letters.items``) and records
what the block printed. A letter renders only when every item its procedure requires was printed
and is not empty; a template that leaves one out, or a case that cannot fill one, is an error that
names the item. ``docs/decisions/0009-letter-items-as-template-blocks.md`` explains the choice.

Safety: templates run in Jinja's sandbox with ``StrictUndefined`` (a typo is an error, not a
blank); case data only ever reaches a template as values, never as template source, and every
``{{ ... }}`` is escaped for Markdown (``mdtext.finalize``) unless built as Markdown on purpose.
The ``safe`` filter is removed so that a template cannot switch the escaping off.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.sandbox import SandboxedEnvironment

from casebook.errors import ConfigError, LetterContentError
from casebook.model.letter_items import LETTER_ITEMS
from casebook.publish.letters import phrases
from casebook.publish.letters.mdtext import Md, escape, finalize
from casebook.publish.templating import TemplateRefused, refuse_lone_surrogate, sandboxed_env
from casebook.publish.wording import join_and, join_or

LETTERS_DIR = "policy/letters"
_WORDY = re.compile(r"[A-Za-z0-9]")


def _lines(value: Iterable[object]) -> Md:
    """Address lines, each escaped, joined by hard line breaks."""
    return Md("<br>\n".join(escape(v) for v in value))


def _escape_filter(value: object) -> Md:
    return Md(escape(value))


def make_env(root: Path) -> SandboxedEnvironment:
    env = sandboxed_env(root, LETTERS_DIR, autoescape=False, finalize=finalize)
    for unsafe in ("safe", "urlize", "xmlattr", "forceescape"):
        env.filters.pop(unsafe, None)
    env.filters.update(
        {
            "e": _escape_filter,
            "escape": _escape_filter,
            "longdate": phrases.long_date,
            "daydate": phrases.day_date,
            "clock": phrases.clock,
            "number": phrases.number,
            "sentence": phrases.sentence,
            "plural": phrases.plural,
            "lines": _lines,
            "join_and": lambda xs: join_and([str(x) for x in xs]),
            "join_or": lambda xs: join_or([str(x) for x in xs]),
        }
    )
    return env


@dataclass
class _ItemTracker:
    """The ``item`` global for one render: hands out values, records what was printed."""

    values: dict[str, object]
    missing: dict[str, Any]
    printed: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def __call__(self, name: str, caller: Callable[..., str] | None = None) -> Md:
        if name not in LETTER_ITEMS:
            raise jinja2.TemplateRuntimeError(
                f"item({name!r}) is not a letter item; known items: {', '.join(LETTER_ITEMS)}"
            )
        if caller is None:
            raise jinja2.TemplateRuntimeError(
                f"item({name!r}) must be used as {{% call item({name!r}) %}}...{{% endcall %}}"
            )
        if name not in self.values:
            gap = self.missing.get(name)
            why = f": {gap.reason}; {gap.fix}" if gap is not None else ""
            raise _ItemUnavailable(name, why)
        takes = len(getattr(caller, "arguments", ()))
        text = caller(self.values[name]) if takes else caller()
        self.printed[name] = self.printed.get(name, "") + str(text)
        return Md(text)


class _ItemUnavailable(Exception):
    def __init__(self, name: str, why: str) -> None:
        super().__init__(name)
        self.name = name
        self.why = why


@dataclass(frozen=True, slots=True)
class RenderedMarkdown:
    text: str
    items: dict[str, str]  # item -> the Markdown its block printed


def render_markdown(
    env: SandboxedEnvironment,
    template: str,
    context: dict[str, Any],
    required: list[str],
    values: dict[str, object],
    missing: dict[str, Any],
    what: str,
    parsed: dict[str, TemplateFacts] | None = None,
) -> RenderedMarkdown:
    """Render ``template`` and prove each ``required`` item is in the result.

    ``what`` names the letter in messages ("MC-2026-0007 monitoring-letter of 9 March 2026");
    ``parsed``: the template files' parses so far, shared by the letters of one run
    (``template_items``).
    """
    gaps = [name for name in required if name in missing]
    if gaps:
        raise LetterContentError(
            f"{what}: cannot be written without "
            + "; ".join(f"{n} ({missing[n].reason}; {missing[n].fix})" for n in gaps)
        )
    # Text a child template prints outside its blocks would be lost (or printed above the
    # letter) without a word: refuse the letter, as `casebook check` reports the template.
    _, problems = template_items(env, template, parsed)
    stray = [p for p in problems if STRAY_TEXT in p or LOOSE_EXTENDS in p]
    if stray:
        raise ConfigError(stray[0])
    tracker = _ItemTracker(values, missing)
    try:
        tmpl = env.get_template(template)
        text = tmpl.render({**context, "item": tracker})
    except TemplateRefused as exc:
        raise ConfigError(f"{what}: template refused: {exc}") from None
    except jinja2.TemplateNotFound as exc:
        raise ConfigError(
            f"{what}: template {LETTERS_DIR}/{exc.name} not found; write it (see docs/letters.md)"
        ) from None
    except jinja2.TemplateSyntaxError as exc:
        raise ConfigError(
            f"{LETTERS_DIR}/{exc.name or template}:{exc.lineno}: template syntax: {exc.message}"
        ) from None
    except _ItemUnavailable as exc:
        raise LetterContentError(
            f"{what}: the template uses item {exc.name!r}, which this case cannot fill{exc.why}"
        ) from None
    except jinja2.UndefinedError as exc:
        raise ConfigError(f"{LETTERS_DIR}/{template}: {exc.message}") from None
    except (jinja2.TemplateError, TypeError, ValueError, AttributeError) as exc:
        raise ConfigError(f"{LETTERS_DIR}/{template}: {type(exc).__name__}: {exc}") from None
    refuse_lone_surrogate(text, f"{LETTERS_DIR}/{template}")
    absent = [n for n in required if n not in tracker.printed]
    empty = [n for n in required if n in tracker.printed and not _WORDY.search(tracker.printed[n])]
    if absent or empty:
        parts = []
        if absent:
            parts.append("leaves out " + ", ".join(absent))
        if empty:
            parts.append("prints nothing for " + ", ".join(empty))
        raise ConfigError(
            f"{LETTERS_DIR}/{template}: {' and '.join(parts)}, which the procedure makes "
            "mandatory; put each in a {% call item('...') %} block"
        )
    return RenderedMarkdown(_tidy(text), dict(tracker.printed))


def _tidy(text: str) -> str:
    """One blank line between blocks, no trailing spaces, one final newline."""
    lines = [line.rstrip() for line in text.splitlines()]
    out: list[str] = []
    for line in lines:
        if line == "" and (not out or out[-1] == ""):
            continue
        out.append(line)
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out) + "\n"


# What one template file says, read once per run: the items it has blocks for, why it could
# not be read (or None), and the templates it extends, includes or imports.
TemplateFacts = tuple[frozenset[str], str | None, tuple[str, ...]]
STRAY_TEXT = "text outside {% block %}"
LOOSE_EXTENDS = "{% extends %} must be"


def template_items(
    env: SandboxedEnvironment, name: str, memo: dict[str, TemplateFacts] | None = None
) -> tuple[set[str], list[str]]:
    """The items a template (and what it extends or includes) has blocks for, and problems.

    ``memo`` (template name: its facts) lets the caller share each file's parse between
    letters: every letter's template extends the same base and includes the same parts (a
    check parsed them again for each letter: 156 parses for 22 letters; issue 14)."""
    memo = {} if memo is None else memo
    found: set[str] = set()
    problems: list[str] = []
    seen: set[str] = set()

    def visit(tname: str) -> None:
        if tname in seen:
            return
        seen.add(tname)
        if tname not in memo:
            memo[tname] = _template_facts(env, tname)
        items, problem, refs = memo[tname]
        if problem is not None:
            problems.append(problem)
            return
        found.update(items)
        for ref in refs:
            visit(ref)

    visit(name)
    return found, problems


def _template_facts(env: SandboxedEnvironment, tname: str) -> TemplateFacts:
    try:
        assert env.loader is not None
        source, _, _ = env.loader.get_source(env, tname)
        ast = env.parse(source, tname)
    except jinja2.TemplateNotFound:
        return frozenset(), f"template {LETTERS_DIR}/{tname} not found", ()
    except TemplateRefused as exc:
        return frozenset(), f"template refused: {exc}", ()
    except jinja2.TemplateSyntaxError as exc:
        where = f"{LETTERS_DIR}/{tname}:{exc.lineno}"
        return frozenset(), f"{where}: template syntax: {exc.message}", ()
    loose = _loose_extends(ast)
    if loose is not None:
        return (
            frozenset(),
            f"{LETTERS_DIR}/{tname}: line {loose[0]}: {LOOSE_EXTENDS} {loose[1]}",
            (),
        )
    stray = _stray_text(ast)
    if stray is not None:
        line, before = stray
        fate = (
            "is printed above the letter, before everything the base template prints"
            if before
            else "is never printed"
        )
        return (
            frozenset(),
            f"{LETTERS_DIR}/{tname}: line {line}: {STRAY_TEXT} in a template that extends "
            f"another {fate}; move it inside a block",
            (),
        )
    items = frozenset(
        str(call.args[0].value)
        for call in ast.find_all(nodes.Call)
        if isinstance(call.node, nodes.Name)
        and call.node.name == "item"
        and call.args
        and isinstance(call.args[0], nodes.Const)
    )
    # Imports too: each names a file the loader reads, so each must be confined.
    refs: list[nodes.Extends | nodes.Include | nodes.Import | nodes.FromImport] = [
        *ast.find_all(nodes.Extends),
        *ast.find_all(nodes.Include),
        *ast.find_all(nodes.Import),
        *ast.find_all(nodes.FromImport),
    ]
    names = tuple(str(r.template.value) for r in refs if isinstance(r.template, nodes.Const))
    return items, None, names


def _loose_extends(ast: nodes.Template) -> tuple[int, str] | None:
    """(line, what it must be instead) of an ``{% extends %}`` whose parent is not known from
    the template alone, or None.

    The check finds a letter's item blocks by following the one parent the template names,
    and the stray-text check looks for text outside the blocks at the top level. An extends
    inside an ``if``, ``for``, block or macro is taken or not depending on the case, a name
    computed from the case could be any template, and a second extends is an error Jinja
    only raises while rendering: in each, what the check proves and what the letter prints
    can differ. So one ``{% extends "name" %}``, at the top level, is the only form allowed.
    """
    top = [n for n in ast.body if isinstance(n, nodes.Extends)]
    for node in ast.find_all(nodes.Extends):
        if not any(node is t for t in top):
            return node.lineno, (
                "at the top level of the template, not inside an if, for, block or macro; a "
                "letter's layout cannot depend on the case"
            )
        if not isinstance(node.template, nodes.Const) or not isinstance(node.template.value, str):
            return node.lineno, (
                'given the parent\'s name in quotes ({% extends "_base.md.j2" %}); a name '
                "worked out from the case cannot be checked"
            )
    if len(top) > 1:
        return top[1].lineno, "used once: a template extends one other template"
    return None


def _stray_text(ast: nodes.Template) -> tuple[int, bool] | None:
    """(line, before the extends tag) of the first text a child template prints outside its
    blocks, or None.

    Jinja renders a template that ``{% extends %}`` another by rendering the parent with the
    child's blocks: whatever the child prints outside a block after the tag is dropped without
    a word, and what it prints before the tag comes out ahead of the whole letter. Whitespace
    and comments outside blocks are fine (comments are not in the tree); so are macros and
    ``{% set %}`` (their text is printed where they are used). Text nested in an ``if`` or a
    ``for`` outside the blocks is dropped too, and an ``include`` or ``call`` there is printed
    ahead of the letter."""
    top = ast.body
    extends = next((i for i, n in enumerate(top) if isinstance(n, nodes.Extends)), None)
    if extends is None:
        return None
    for i, node in enumerate(top):
        got = _prints(node)
        if got is not None:
            line, above = got
            return line, above or i < extends
    return None


# What a child template may hold outside its blocks without printing: a block's, macro's or
# ``{% set x %}...{% endset %}``'s text is used where they are used, not where they stand.
_KEPT = (nodes.Block, nodes.Macro, nodes.AssignBlock)


def _prints(node: nodes.Node) -> tuple[int, bool] | None:
    """(line, printed above the letter wherever it stands) of the first thing ``node`` prints
    outside a block, or None. Text inside an ``if``, ``for``, ``with`` or ``filter`` is dropped
    as plain text is; an ``include`` or a ``call`` outside a block comes out above the letter
    (Jinja yields them from the child template whether or not it extends another)."""
    if isinstance(node, _KEPT):
        return None
    if isinstance(node, nodes.Include | nodes.CallBlock):
        return node.lineno, True
    if isinstance(node, nodes.Output):
        for part in node.nodes:
            if isinstance(part, nodes.TemplateData):
                if not part.data.strip():
                    continue
                # The node's line is where its text starts, blank lines included.
                lead = part.data[: len(part.data) - len(part.data.lstrip())]
                return part.lineno + lead.count("\n"), False
            return part.lineno, False
        return None
    for child in node.iter_child_nodes():
        got = _prints(child)
        if got is not None:
            return got
    return None


def letter_template(procedure_id: str, letter_id: str, declared: str | None) -> str:
    return declared or f"{procedure_id}/{letter_id}.md.j2"
