"""Editing YAML records without destroying what people wrote in them.

Reading for validation goes through ``yamlio`` (strict, fast). Writing goes through ruamel.yaml's
round-trip mode, which keeps comments, key order, quoting and the flow or block style of every
node it read. Two uses:

* ``append``-style edits (``casebook new``, ``casebook log ...``): load, add nodes, dump with the
  file's own indentation. ``only_inserted`` then proves that no existing line changed.
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


def only_inserted(before: str, after: str) -> bool:
    """True when ``after`` is ``before`` with lines added and none changed or removed."""
    old, new = before.splitlines(), after.splitlines()
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    return all(op in ("equal", "insert") for op, *_ in matcher.get_opcodes())


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
