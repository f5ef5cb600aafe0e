"""Reading YAML safely, fast, and with line numbers when something is wrong.

Records are written by hand, so the loader is stricter than PyYAML's default:

* YAML 1.1 surprises are off: ``NO``, ``yes``, ``on`` stay text; ``010`` stays text (no octal,
  no lost leading zero in a phone number); ``10:30`` stays text (no base-60 integers).
* Tags (``!!python/object``), anchors and aliases (the "billion laughs" bomb), duplicate keys
  and non-UTF-8 bytes are refused with the line they are on.

The fast path uses PyYAML's C loader and keeps no positions. Line numbers are looked up only
for the files that have findings, by composing that file again (``locate``).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from casebook.model.findings import Loc

try:
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]


class _DuplicateKey(yaml.MarkedYAMLError):
    pass


_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_DATE = "tag:yaml.org,2002:timestamp"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"


class StrictLoader(_BaseLoader):
    """Safe loader with YAML 1.2-like scalars; tags, aliases and duplicate keys refused.

    Casebook files use only maps, lists and plain scalars, so instead of PyYAML's general
    constructor (built for tags, aliases and recursion) a small builder turns the C parser's
    node tree into Python values. It is the hot path of `casebook check`.
    """

    yaml_implicit_resolvers: dict[Any, Any] = {}  # noqa: RUF012 - PyYAML's own class attribute
    _tags: dict[str, str] = {}  # noqa: RUF012 - memo of plain scalar -> resolved tag

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is ScalarNode:
            if not implicit[0]:
                return _STR
            tag = self._tags.get(value)
            if tag is None:
                tag = super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]
                if len(self._tags) < 100_000:
                    self._tags[value] = tag
            return tag
        return _SEQ if kind is SequenceNode else _MAP

    def get_single_data(self) -> Any:
        node = self.get_single_node()
        return None if node is None else _build(node)


def _build(node: Node) -> Any:
    cls = node.__class__
    tag = node.tag
    if cls is ScalarNode:
        value = node.value
        if tag == _STR:
            return value
        if tag == _INT:
            return int(value)
        if tag == _NULL:
            return None
        if tag == _BOOL:
            return value.lower() == "true"
        if tag == _DATE:
            try:
                return date.fromisoformat(value)
            except ValueError:  # 2026-02-30 stays text; the schema names the field
                return value
        if tag == _FLOAT:
            return float(value)
    elif cls is SequenceNode and tag == _SEQ:
        return [_build(item) for item in node.value]
    elif cls is MappingNode and tag == _MAP:
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _build(key_node)
            if not isinstance(key, str | int | bool | date | float | None):
                raise yaml.constructor.ConstructorError(
                    None, None, "a mapping key must be plain text", key_node.start_mark
                )
            if key in out:
                raise _DuplicateKey(
                    None,
                    None,
                    f"key {key!r} appears twice in the same mapping",
                    key_node.start_mark,
                )
            out[key] = _build(value_node)
        return out
    raise yaml.constructor.ConstructorError(
        None, None, f"found unacceptable tag {tag!r}", node.start_mark
    )


def _resolver(tag: str, pattern: str, first: str) -> None:
    StrictLoader.add_implicit_resolver(tag, re.compile(pattern, re.X), list(first))


_resolver(_BOOL, r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF")
_resolver(_INT, r"^[-+]?(?:0|[1-9][0-9]*)$", "-+0123456789")
_resolver(_FLOAT, r"^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$", "-+0123456789.")
_resolver(_NULL, r"^(?:~|null|Null|NULL)$", "~nN")
StrictLoader.add_implicit_resolver(_NULL, re.compile(r"^$"), [""])
# Dates only (YYYY-MM-DD); a full timestamp stays text so the schema can say what it expects.
_resolver(_DATE, r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", "0123456789")

# Cheap pre-check: only files that might contain an anchor or alias get the slow event scan.
_MAYBE_ANCHOR = re.compile(r"(?:^|[\s\[\{,:-])[&*][^\s,\[\]\{\}*]", re.M)


@dataclass(frozen=True, slots=True)
class YamlProblem:
    """Why a file could not be read as YAML, and where."""

    rule: str
    message: str
    line: int | None


class YamlLoadError(Exception):
    """Raised by ``load_text``/``load_bytes`` with a ``YamlProblem``."""

    def __init__(self, problem: YamlProblem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def decode(data: bytes) -> str:
    """UTF-8 text of a file, or YamlLoadError naming the line of the first bad byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise YamlLoadError(
            YamlProblem(
                "encoding",
                f"the file is not UTF-8 (byte 0x{data[exc.start]:02x}); "
                "save it as UTF-8 in your editor",
                line,
            )
        ) from None


def load_bytes(data: bytes) -> Any:
    return load_text(decode(data))


def load_text(text: str) -> Any:
    """Parse one YAML document strictly; raise YamlLoadError with a line on failure."""
    if _MAYBE_ANCHOR.search(text):
        _refuse_anchors(text)
    try:
        return yaml.load(text, Loader=StrictLoader)  # noqa: S506 - StrictLoader is a safe loader
    except _DuplicateKey as exc:
        raise YamlLoadError(
            YamlProblem("yaml-duplicate-key", f"{exc.problem}; keep one", _line(exc))
        ) from None
    except yaml.constructor.ConstructorError as exc:
        problem = str(exc.problem or "")
        if "unacceptable tag" in problem:
            tag = problem.split("tag", 1)[1].strip().strip("'")
            tag = tag.replace("tag:yaml.org,2002:", "!!")
            raise YamlLoadError(
                YamlProblem(
                    "yaml-tag",
                    f"YAML tags such as {tag} are not allowed in casebook files; "
                    "write the value as plain text",
                    _line(exc),
                )
            ) from None
        raise YamlLoadError(YamlProblem("yaml-syntax", problem, _line(exc))) from None
    except yaml.MarkedYAMLError as exc:
        raise YamlLoadError(
            YamlProblem("yaml-syntax", _syntax_message(exc, text), _line(exc))
        ) from None
    except yaml.YAMLError as exc:  # pragma: no cover - errors without a mark
        raise YamlLoadError(YamlProblem("yaml-syntax", str(exc), None)) from None


def _line(exc: yaml.MarkedYAMLError) -> int | None:
    mark = exc.problem_mark or exc.context_mark
    return mark.line + 1 if mark is not None else None


def _syntax_message(exc: yaml.MarkedYAMLError, text: str) -> str:
    problem = str(exc.problem or "invalid YAML")
    context = f" ({exc.context})" if exc.context else ""
    hint = ""
    line = _line(exc)
    bad_line = text.splitlines()[line - 1] if line and line <= len(text.splitlines()) else ""
    indent = bad_line[: len(bad_line) - len(bad_line.lstrip())]
    if "\t" in indent or "\\t" in problem:
        hint = "; YAML indentation must use spaces, not tabs"
    elif "mapping values are not allowed" in problem:
        hint = "; a value containing ': ' must be quoted"
    return f"YAML syntax error: {problem}{context}{hint}"


def _refuse_anchors(text: str) -> None:
    try:
        for event in yaml.parse(text, Loader=StrictLoader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise YamlLoadError(
                    YamlProblem(
                        "yaml-alias",
                        "YAML anchors and aliases (&name, *name) are not allowed in casebook "
                        "files; write each value out in full",
                        event.start_mark.line + 1 if event.start_mark else None,
                    )
                )
    except yaml.MarkedYAMLError as exc:
        raise YamlLoadError(
            YamlProblem("yaml-syntax", _syntax_message(exc, text), _line(exc))
        ) from None


def locate(text: str, loc: Loc) -> int | None:
    """The 1-based line of the value at ``loc`` in a YAML document.

    Where the path does not exist (a missing field), the line of the deepest part that does.
    Path parts that are not in the document (union tags in validation errors) are skipped.
    """
    if len(loc) == 2 and isinstance(loc[0], str) and isinstance(loc[1], int):
        # The common case (a finding about one event) without composing the whole file again.
        items = _block_items(text, loc[0])
        if items is not None and 0 <= loc[1] < len(items):
            return items[loc[1]]
    node = _compose(text)
    if node is None:
        return None
    line = node.start_mark.line + 1
    for part in loc:
        child = _child(node, part)
        if child is None:
            continue
        key_line, node = child
        line = key_line
    return line


@functools.lru_cache(maxsize=8)
def _block_items(text: str, key: str) -> tuple[int, ...] | None:
    """The 1-based line of each item of the block sequence under top-level ``key``, found by
    reading lines (a file with thousands of events and thousands of findings would otherwise
    be composed again for its line numbers). None when the layout is anything but plain block
    style, so that ``locate`` falls back to composing the document.

    Sound because YAML indents everything inside an item (block scalars, continuation lines of
    flow collections and multi-line scalars) deeper than the item's dash.
    """
    if "\t" in text:
        return None
    lines = text.split("\n")
    head = key + ":"
    start = next(
        (
            n
            for n, line in enumerate(lines)
            if line.startswith(head) and line[len(head) :].split("#", 1)[0].strip() == ""
        ),
        None,
    )
    if start is None:
        return None
    indent: int | None = None
    out: list[int] = []
    for n in range(start + 1, len(lines)):
        line = lines[n]
        body = line.lstrip(" ")
        if not body or body.startswith("#"):
            continue
        depth = len(line) - len(body)
        if indent is None:
            if not body.startswith("- "):
                return None
            indent = depth
        if depth < indent or (depth == 0 and not body.startswith("-")):
            break  # the next top-level key
        if depth == indent:
            if not body.startswith("- "):
                return None  # "-" alone, or a key at the dash's column: not plain block style
            out.append(n + 1)
    return tuple(out)


@functools.lru_cache(maxsize=8)
def _compose(text: str) -> Node | None:
    try:
        return yaml.compose(text, Loader=StrictLoader)
    except yaml.YAMLError:
        return None


def _child(node: Node, part: str | int) -> tuple[int, Node] | None:
    if isinstance(node, MappingNode) and isinstance(part, str):
        for key, value in node.value:
            if isinstance(key, ScalarNode) and key.value == part:
                return key.start_mark.line + 1, value
    if isinstance(node, SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
        item = node.value[part]
        return item.start_mark.line + 1, item
    return None
