"""Editing YAML records without destroying what people wrote in them.

Reading for validation goes through ``yamlio`` (strict, fast). Writing goes through ruamel.yaml's
round-trip mode, which keeps comments, key order, quoting and the flow or block style of every
node it read. Two uses:

* appending events (``casebook log ...``, ``casebook close``): ``append_block_items`` splices the
  new lines in after the last event, so every existing byte stays (line breaks, comments);
  other edits load, add nodes and dump with the file's own indentation. ``only_inserted`` then
  proves on the bytes written that no existing line changed.
* ``canonical`` (``casebook fmt``): the one layout casebook writes (see
  docs/decisions/0013-canonical-yaml-layout.md): two-space indentation, list items indented
  under their key, block mappings, lists of plain values on one line, no line wrapping, quotes
  only where a YAML 1.1 or 1.2 reader would otherwise not read the text back as text.
"""

from __future__ import annotations

import difflib
import io
import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import yaml as pyyaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.representer import RoundTripRepresenter
from ruamel.yaml.scalarstring import LiteralScalarString

SCHEMA_COMMENT = "yaml-language-server: $schema=../schema/case.schema.json"
# No wrapping: a long reason stays on one line, so a later change is a one-line diff.
WIDTH = 100_000

_STR = "tag:yaml.org,2002:str"
_resolver_11 = pyyaml.resolver.Resolver()
# Times, numbers with separators, version-like text: quoted so no reader guesses a type.
_NUMBERISH = re.compile(r"^[-+]?[0-9][0-9:._]*$")


def needs_quotes(text: str) -> bool:
    """True when a plain scalar would not read back as this text under YAML 1.1 or 1.2.

    ruamel.yaml speaks YAML 1.2, where ``10:15``, ``yes`` and ``0777`` are text; PyYAML and many
    other tools speak YAML 1.1, where they are a number, a boolean and an octal. Quote them.
    """
    if text == "" or text != text.strip() or _NUMBERISH.match(text):
        return True
    tag = _resolver_11.resolve(pyyaml.ScalarNode, text, (True, False))  # type: ignore[no-untyped-call]
    return bool(tag != _STR)


class CasebookRepresenter(RoundTripRepresenter):
    """Round-trip representer that quotes ambiguous text and writes multi-line text as ``|``."""


def _represent_str(rep: CasebookRepresenter, data: str) -> Any:
    if "\n" in data.strip("\n"):
        return rep.represent_scalar(_STR, data, style="|")
    if needs_quotes(data):
        return rep.represent_scalar(_STR, data, style='"')
    return rep.represent_str(data)


CasebookRepresenter.add_representer(str, _represent_str)


def _yaml(mapping: int = 2, sequence: int = 4, offset: int = 2, keep_quotes: bool = True) -> YAML:
    y = YAML(typ="rt")
    y.Representer = CasebookRepresenter
    y.preserve_quotes = keep_quotes
    y.width = WIDTH
    y.indent(mapping=mapping, sequence=sequence, offset=offset)
    return y


class EditError(Exception):
    """The file cannot be edited by round trip (ruamel refused it)."""


# (mapping, sequence, offset) layouts people write by hand, the canonical one first.
_LAYOUTS = ((2, 4, 2), (2, 2, 0), (4, 4, 2), (4, 4, 0), (4, 6, 4), (2, 4, 0), (3, 3, 0))


def load_for_edit(text: str) -> tuple[YAML, CommentedMap]:
    """Round-trip load, with an emitter set to the layout that reproduces the file best.

    The indentation is found by trying the common layouts and keeping the first one under which
    the unchanged file dumps back to itself (or, failing that, changes the fewest lines).
    """
    best: tuple[int, YAML, CommentedMap] | None = None
    for mapping, sequence, offset in _LAYOUTS:
        y = _yaml(mapping=mapping, sequence=sequence, offset=offset)
        try:
            data = y.load(text)
        except YAMLError as exc:
            raise EditError(str(exc)) from None
        if not isinstance(data, CommentedMap):
            raise EditError("the file is not a mapping of fields")
        changed = _changed_lines(text, dump(y, data))
        if changed == 0:
            return y, y.load(text)
        if best is None or changed < best[0]:
            best = (changed, y, data)
    assert best is not None
    return best[1], best[1].load(text)


def _changed_lines(before: str, after: str) -> int:
    matcher = difflib.SequenceMatcher(a=before.splitlines(), b=after.splitlines(), autojunk=False)
    return sum(
        max(i2 - i1, j2 - j1) for op, i1, i2, j1, j2 in matcher.get_opcodes() if op != "equal"
    )


def dump(y: YAML, data: Any) -> str:
    out = io.StringIO()
    y.dump(data, out)
    return out.getvalue()


def node(value: Any) -> Any:
    """Plain Python data as ruamel nodes in the canonical layout (for new content)."""
    if isinstance(value, Mapping):
        m = CommentedMap()
        for k, v in value.items():
            m[k] = node(v)
        m.fa.set_block_style()
        return m
    if isinstance(value, Sequence) and not isinstance(value, str):
        s = CommentedSeq(node(v) for v in value)
        if all(_is_scalar(v) for v in s):
            s.fa.set_flow_style()
        else:
            s.fa.set_block_style()
        return s
    if isinstance(value, str) and "\n" in value.strip("\n"):
        return LiteralScalarString(value)
    if type(value) is date:
        # A fresh object: ruamel writes one object met twice as an anchor and alias
        # (&id001), which the strict loader refuses; several events of one day share a date.
        return date(value.year, value.month, value.day)
    return value


def _is_scalar(value: Any) -> bool:
    return isinstance(value, str | int | float | bool | date) or value is None


def insert_key(mapping: CommentedMap, key: str, value: Any, order: Sequence[str]) -> None:
    """Add ``key`` where ``order`` (the model's field order) puts it, after the keys before it."""
    if key in mapping:
        mapping[key] = value
        return
    rank = {k: i for i, k in enumerate(order)}
    mine = rank.get(key, len(order))
    pos = len(mapping)
    for i, existing in enumerate(mapping):
        if rank.get(existing, len(order)) > mine:
            pos = i
            break
    mapping.insert(pos, key, value)


def only_inserted(before: str | bytes, after: str | bytes) -> bool:
    """True when ``after`` is ``before`` with whole lines added and none changed or removed.

    Lines are compared with their line breaks, so a CRLF file rewritten with LF (or a dropped
    byte-order mark) fails the proof. Pass bytes to prove it on what is written to disk. One
    allowance: a file that does not end with a line break may get one before the new lines.
    Linear: ``before``'s lines must be a subsequence of ``after``'s (greedy matching finds a
    subsequence whenever one exists), which is what "only lines inserted" means.
    """
    old = split_lines(before)
    new = split_lines(after)
    if old and not _has_break(old[-1]):
        # The last line had no line break: accept it with the break the edit added.
        last = old[-1]
        old[-1] = next((x for x in new if x[: len(last)] == last and _has_break(x)), last)
    i = 0
    for line in new:
        if i < len(old) and line == old[i]:
            i += 1
    return i == len(old)


# The line breaks of YAML (and of libyaml's line numbers): CRLF, LF, CR, NEL, LS, PS.
_BREAK = re.compile(r"\r\n|\r|\n|\x85|\u2028|\u2029")
_BREAK_B = re.compile(rb"\r\n|\r|\n")


def split_lines(text: Any) -> list[Any]:
    """``text`` (str or bytes) as lines that keep their line breaks."""
    pattern = _BREAK_B if isinstance(text, bytes) else _BREAK
    out: list[Any] = []
    start = 0
    for m in pattern.finditer(text):
        out.append(text[start : m.end()])
        start = m.end()
    if start < len(text):
        out.append(text[start:])
    return out


def _has_break(line: Any) -> bool:
    return bool(line) and line[-1:] in ("\n", "\r", "\x85", "\u2028", "\u2029", b"\n", b"\r")


def newline_of(text: str) -> str:
    """The file's line break: the most common of CRLF, LF and CR ("\\n" when it has none)."""
    crlf = text.count("\r\n")
    lf = text.count("\n") - crlf
    cr = text.count("\r") - crlf
    best = max((lf, "\n"), (crlf, "\r\n"), (cr, "\r"), key=lambda x: x[0])
    return best[1] if best[0] else "\n"


def with_newline(text: str, newline: str) -> str:
    """``text`` written with LF (what ruamel.yaml emits) converted to ``newline``."""
    return text if newline == "\n" else text.replace("\n", newline)


def append_block_items(text: str, key: str, items: Sequence[Mapping[str, Any]]) -> str | None:
    """``text`` with ``items`` added at the end of the block list under the top-level ``key``.

    The new lines are spliced in; every existing byte stays as it was (line breaks, byte-order
    mark handling is the caller's, comments, quoting). Runs in time linear in the file (one
    parse by libyaml), where a ruamel.yaml round trip of a long record is not.

    Where the new items go: after the last item's content and the comment lines that follow it
    directly at the list's indentation or deeper (they describe that item or the list). Blank
    lines and a comment less indented than the dashes, or after a blank line, open the next
    section ("# ---- Retention ----"), so they stay in front of what they describe.

    Returns None when ``key`` does not hold a non-empty block list (the caller then uses the
    round trip), or when the text cannot be parsed.
    """
    try:
        root = pyyaml.compose(text, Loader=_FastLoader)
    except pyyaml.YAMLError:
        return None
    if not isinstance(root, pyyaml.MappingNode) or not items:
        return None
    pairs = root.value
    index = next(
        (
            i
            for i, (k, _) in enumerate(pairs)
            if isinstance(k, pyyaml.ScalarNode) and k.value == key
        ),
        None,
    )
    if index is None:
        return None
    seq = pairs[index][1]
    if not isinstance(seq, pyyaml.SequenceNode) or seq.flow_style or not seq.value:
        return None
    lines = split_lines(text)
    if index + 1 < len(pairs):
        end = pairs[index + 1][0].start_mark.line
    else:
        mark = root.end_mark
        end = min(len(lines), mark.line + (1 if mark.column else 0))
    last = seq.value[-1]
    dash = last.start_mark.column  # column of the item's content, after "- "
    dash_col = _dash_column(lines[last.start_mark.line], dash)
    if dash_col is None:
        return None
    line, col = _content_end(last)
    j = line if col > 0 else line - 1
    # Comment lines directly after the item, at the list's indentation or deeper, stay with it.
    while j + 1 < end:
        nxt = lines[j + 1]
        stripped = nxt.lstrip(" ")
        if not stripped.startswith("#") or len(nxt) - len(stripped) < dash_col:
            break
        j += 1
    newline = newline_of(text)
    head = lines[: j + 1]
    if head and not _has_break(head[-1]):
        head[-1] += newline
    key_col = dash if isinstance(last, pyyaml.MappingNode) and not last.flow_style else dash_col + 2
    block = _item_lines(items, dash_col, key_col)
    return "".join(head) + with_newline(block, newline) + "".join(lines[j + 1 :])


try:
    _FastLoader: Any = pyyaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _FastLoader = pyyaml.SafeLoader


def _dash_column(line: str, content_col: int) -> int | None:
    """The column of the "-" that opens the list item whose content starts at content_col."""
    k = line.rfind("-", 0, content_col)
    return k if k >= 0 and line[:k].strip(" ") == "" else None


def _content_end(node: Any) -> tuple[int, int]:
    """(line, column) just after the last character of ``node``'s content.

    Block collections end where the next token starts (after comments and blank lines), so
    their end is the end of their last child; scalars and flow collections end exactly.
    """
    if isinstance(node, pyyaml.MappingNode | pyyaml.SequenceNode) and not node.flow_style:
        children = (
            [v for pair in node.value for v in pair]
            if isinstance(node, pyyaml.MappingNode)
            else list(node.value)
        )
        if children:
            return max(_content_end(c) for c in children)
    # A block scalar (| or >) ends after its trailing line breaks: its kept blank lines stay
    # above the new item.
    return (node.end_mark.line, node.end_mark.column)


def _item_lines(items: Sequence[Mapping[str, Any]], dash_col: int, key_col: int) -> str:
    """New list items in the canonical layout, dashes at ``dash_col``, keys at ``key_col``.

    One dump for all the items (a ruamel.yaml emitter per item would cost more than the
    splice): the canonical layout writes a top-level list with its dashes at column 2 and the
    items' keys at column 4; each line is moved to the file's columns.
    """
    body = dump(_yaml(), node([dict(item) for item in items]))
    out = []
    for line in body.splitlines(keepends=True):
        if line.startswith("  - "):
            out.append(" " * dash_col + "-" + " " * (key_col - dash_col - 1) + line[4:])
        elif line.startswith("    "):
            out.append(" " * key_col + line[4:])
        else:  # a blank line inside a block scalar
            out.append(line)
    return "".join(out)


def canonical(text: str, header: str | None = None) -> str:
    """``text`` in the canonical layout, comments kept. ``header``: a first-line comment to
    ensure (the schema line of case files)."""
    y = _yaml(keep_quotes=False)
    try:
        data = y.load(text)
    except YAMLError as exc:
        raise EditError(str(exc)) from None
    if data is None:
        return text
    _restyle(data)
    out = dump(y, data)
    if header is not None and not out.startswith(f"# {header}\n"):
        out = f"# {header}\n{out}"
    return out


def _restyle(value: Any) -> None:
    if isinstance(value, CommentedMap):
        value.fa.set_block_style()
        for k in value:
            if isinstance(value[k], str) and "\n" in value[k].strip("\n"):
                value[k] = LiteralScalarString(value[k])
            _restyle(value[k])
    elif isinstance(value, CommentedSeq):
        if all(_is_scalar(v) for v in value):
            value.fa.set_flow_style()
        else:
            value.fa.set_block_style()
        for i, v in enumerate(value):
            if isinstance(v, str) and "\n" in v.strip("\n"):
                value[i] = LiteralScalarString(v)
            _restyle(v)
