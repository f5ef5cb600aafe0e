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
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from casebook.model.findings import Loc

try:
    from yaml import CSafeLoader as _BaseLoader
    from yaml._yaml import CParser as _CParser
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]
    from yaml.parser import Parser as _PyParser
    from yaml.reader import Reader as _PyReader
    from yaml.scanner import Scanner as _PyScanner

    class _CParser(_PyReader, _PyScanner, _PyParser):  # type: ignore[no-redef]
        def __init__(self, text: str) -> None:
            _PyReader.__init__(self, text)
            _PyScanner.__init__(self)
            _PyParser.__init__(self)


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
                tag = _STR if tag == _STR else tag  # ours: `_build_events` tests identity
                if len(self._tags) < 100_000:
                    self._tags[value] = tag
            return tag
        return _SEQ if kind is SequenceNode else _MAP


# Limits of what a hand-written record needs, so that a hostile file is refused at once instead
# of exhausting memory or the stack of whatever reads the value next (pydantic, json, jinja).
MAX_DEPTH = 50  # nesting of mappings and lists
MAX_INT_DIGITS = 18  # a longer run of digits stays text (Python refuses int() past 4,300)


def _build_events(text: str) -> Any:
    """Python values for the one YAML document in ``text``, built from the C parser's events.

    The rules are decided on what the parser reports, not on the text, so nothing written
    differently (a byte-order mark before ``&``, a tag in flow style) slips past:

    * an ``AliasEvent``, or an ``anchor`` on any node event: refused (``yaml-alias``);
    * a ``tag`` on any node event (``!!int``, ``!!str``, ``!local``, ``!``): refused
      (``yaml-tag``); only plain scalars are resolved (YAML 1.2-like), quoted ones are text;
    * a mapping value that is null (``key:``, ``key: ~``, ``key: #31`` read as a comment):
      refused (``yaml-empty``), so a value lost by YAML is not taken as "not given";
    * duplicate keys, keys that are collections, nesting deeper than ``MAX_DEPTH``, a second
      document: refused.

    Raises yaml.MarkedYAMLError subclasses (mapped to YamlLoadError by ``load_text``).
    """
    parser = _CParser(text)
    # Typed Any: the events' attributes depend on their class, checked by identity below.
    get: Callable[[], Any] = parser.get_event
    tags = StrictLoader._tags
    resolve = _RESOLVER.resolve
    # The event classes as locals: the loop below runs once per event (about 1,300 per case
    # file), and a module attribute lookup per comparison was a tenth of the reader's time.
    scalar_event, alias_event = yaml.ScalarEvent, yaml.AliasEvent
    mapping_start, sequence_start = yaml.MappingStartEvent, yaml.SequenceStartEvent
    mapping_end, sequence_end = yaml.MappingEndEvent, yaml.SequenceEndEvent
    no_key, str_tag, control = _NO_KEY, _STR, CONTROL
    # Each open collection: [container, key or _NO_KEY for mappings, key event]
    stack: list[list[Any]] = []
    root: Any = None
    event: Any = get()  # StreamStartEvent
    event = get()
    if event.__class__ is yaml.StreamEndEvent:
        return None
    event = get()  # the first node event, after DocumentStartEvent
    while True:
        cls = event.__class__
        if cls is scalar_event:
            if event.anchor is not None:
                raise _Refused("yaml-alias", _ALIAS_MSG, event.start_mark)
            if event.tag is not None:
                raise _Refused("yaml-tag", _tag_message(event.tag), event.start_mark)
            value: Any = event.value
            # The reader refuses raw control bytes; escapes ("\0", "\e", "\u202e") and
            # direction overrides written as themselves are caught here. Plain ASCII cannot
            # hold one, so the hot path skips the search.
            if (event.style == '"' or not value.isascii()) and (bad := control.search(value)):
                raise _Refused(
                    "yaml-syntax",
                    f"a value contains the control character U+{ord(bad.group()):04X} "
                    "(NUL, escape, a text-direction override ...); remove it",
                    event.start_mark,
                )
            if event.implicit[0]:
                tag = tags.get(value)
                if tag is None:
                    # PyYAML's tag strings are equal to ours but not the same objects: keep
                    # ours, so the identity test below skips ``_scalar`` for text (nearly every
                    # scalar of a record; comparing by value cost a twentieth of a cold check).
                    tag = resolve(ScalarNode, value, (True, False))
                    tag = str_tag if tag == str_tag else tag
                    if len(tags) < 100_000:
                        tags[value] = tag
                if tag is not str_tag:
                    value = _scalar(tag, value)
        elif cls is mapping_start or cls is sequence_start:
            if event.anchor is not None:
                raise _Refused("yaml-alias", _ALIAS_MSG, event.start_mark)
            if event.tag is not None:
                raise _Refused("yaml-tag", _tag_message(event.tag), event.start_mark)
            if len(stack) >= MAX_DEPTH:
                raise _Refused(
                    "yaml-syntax",
                    f"lists and mappings are nested more than {MAX_DEPTH} levels deep",
                    event.start_mark,
                )
            if cls is mapping_start:
                stack.append([{}, no_key, None])
            else:
                stack.append([[], None, None])
            event = get()
            continue
        elif cls is mapping_end or cls is sequence_end:
            value = stack.pop()[0]
        elif cls is alias_event:
            raise _Refused("yaml-alias", _ALIAS_MSG, event.start_mark)
        else:  # pragma: no cover - the parser emits nothing else inside a document
            raise _Refused("yaml-syntax", f"unexpected {cls.__name__}", event.start_mark)
        if not stack:
            root = value
            break
        top = stack[-1]
        container = top[0]
        if container.__class__ is list:
            container.append(value)
        elif top[1] is no_key:
            if cls is not scalar_event:
                raise _Refused("yaml-syntax", "a mapping key must be plain text", event.start_mark)
            if value in container:
                raise _Refused(
                    "yaml-duplicate-key",
                    f"key {value!r} appears twice in the same mapping; keep one",
                    event.start_mark,
                )
            top[1] = value
            top[2] = event
        else:
            if value is None:
                raise _Refused(
                    "yaml-empty", _empty_message(top[1], top[2], text), top[2].start_mark
                )
            container[top[1]] = value
            top[1] = no_key
        event = get()
    get()  # DocumentEndEvent
    event = get()
    if event.__class__ is not yaml.StreamEndEvent:
        raise _Refused(
            "yaml-syntax",
            "a second YAML document ('---') in the file; a casebook file holds one",
            event.start_mark,
        )
    return root


_NO_KEY = object()
# C0 and C1 control characters (tab and line breaks are text) and the bidirectional overrides
# and isolates, which make text display in another order than it is stored ("Trojan Source").
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_ALIAS_MSG = (
    "YAML anchors and aliases (&name, *name) are not allowed in casebook files; "
    "write each value out in full"
)


class _Refused(yaml.MarkedYAMLError):
    """A rule of the strict reader broken at ``problem_mark``; ``rule`` names it."""

    def __init__(self, rule: str, problem: str, mark: Any) -> None:
        super().__init__(None, None, problem, mark)
        self.rule = rule


def _tag_message(tag: str) -> str:
    short = tag.replace("tag:yaml.org,2002:", "!!")
    return (
        f"YAML tags such as {short} are not allowed in casebook files; "
        "write the value as plain text (in quotes if it must not be read as a number)"
    )


def _empty_message(key: Any, key_event: Any, text: str) -> str:
    """Why ``key:`` with nothing after it is refused, with the fix for the usual cause."""
    line = key_event.start_mark.line
    lines = text.splitlines()
    rest = lines[line][key_event.end_mark.column :] if line < len(lines) else ""
    rest = rest.lstrip(" :\t")
    if rest.startswith("#"):
        lost = rest.strip()
        return (
            f"{key} is empty: {lost!r} after it was read as a comment; "
            f"write the value in quotes, e.g. {key}: '{lost}'"
        )
    return (
        f"{key} is empty: write its value (in quotes if it starts with #, e.g. '#31'), "
        "or remove the line"
    )


def _scalar(tag: str, value: str) -> Any:
    """The value of a plain scalar that resolved to ``tag`` (not str)."""
    if tag == _INT:
        if len(value.lstrip("+-")) > MAX_INT_DIGITS:
            return value  # the schema names the field; int() past 4,300 digits would raise
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
        number = float(value)
        return number if math.isfinite(number) else value  # 1e999 stays text
    return value  # pragma: no cover - the resolvers give no other tag


def _resolver(tag: str, pattern: str, first: str) -> None:
    StrictLoader.add_implicit_resolver(tag, re.compile(pattern, re.X), list(first))


_resolver(_BOOL, r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF")
_resolver(_INT, r"^[-+]?(?:0|[1-9][0-9]*)$", "-+0123456789")
_resolver(_FLOAT, r"^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$", "-+0123456789.")
_resolver(_NULL, r"^(?:~|null|Null|NULL)$", "~nN")
StrictLoader.add_implicit_resolver(_NULL, re.compile(r"^$"), [""])
# Dates only (YYYY-MM-DD); a full timestamp stays text so the schema can say what it expects.
_resolver(_DATE, r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", "0123456789")
# Resolution of plain scalars only (BaseResolver.resolve reads the class's resolvers).
_RESOLVER: Any = StrictLoader.__new__(StrictLoader)


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
    """Parse one YAML document strictly; raise YamlLoadError with a line on failure.

    The rules are those of ``_build_events``. Every failure is a YamlLoadError (rule
    ``yaml-syntax``, ``yaml-alias``, ``yaml-tag``, ``yaml-empty``, ``yaml-duplicate-key``) with
    the 1-based line where the parser found it; no other exception escapes.
    """
    try:
        return _build_events(text)
    except _Refused as exc:
        raise YamlLoadError(YamlProblem(exc.rule, str(exc.problem), _line(exc, text))) from None
    except yaml.reader.ReaderError as exc:  # a control character (NUL ...) in the text
        line = text[: exc.position].count("\n") + 1
        raise YamlLoadError(
            YamlProblem(
                "yaml-syntax",
                f"the file contains a control character (#x{exc.character:04x}) that YAML "
                "does not allow; remove it",
                line,
            )
        ) from None
    except yaml.MarkedYAMLError as exc:
        raise YamlLoadError(
            YamlProblem("yaml-syntax", _syntax_message(exc, text), _line(exc, text))
        ) from None
    except yaml.YAMLError as exc:  # pragma: no cover - errors without a mark
        raise YamlLoadError(YamlProblem("yaml-syntax", str(exc), None)) from None


def _line(exc: yaml.MarkedYAMLError, text: str) -> int | None:
    """The 1-based line of the error as an editor counts it (LF, CRLF or CR). YAML also breaks
    lines at U+0085, U+2028 and U+2029, so its own ``mark.line`` can point past the file."""
    mark = exc.problem_mark or exc.context_mark
    if mark is None:
        return None
    head = text[: mark.index]
    return head.count("\n") + head.count("\r") - head.count("\r\n") + 1


def _syntax_message(exc: yaml.MarkedYAMLError, text: str) -> str:
    problem = str(exc.problem or "invalid YAML")
    context = f" ({exc.context})" if exc.context else ""
    hint = ""
    line = _line(exc, text)
    bad_line = text.splitlines()[line - 1] if line and line <= len(text.splitlines()) else ""
    indent = bad_line[: len(bad_line) - len(bad_line.lstrip())]
    if "\t" in indent or "\\t" in problem:
        hint = "; YAML indentation must use spaces, not tabs"
    elif "mapping values are not allowed" in problem:
        hint = "; a value containing ': ' must be quoted"
    return f"YAML syntax error: {problem}{context}{hint}"


def locate(text: str, loc: Loc) -> int | None:
    """The 1-based line of the value at ``loc`` in a YAML document.

    Where the path does not exist (a missing field), the line of the deepest part that does.
    Path parts that are not in the document (union tags in validation errors) are skipped.
    """
    if len(loc) in (2, 3) and isinstance(loc[0], str) and isinstance(loc[1], int):
        # The common cases (a finding about one event, or one field of it) without composing
        # the whole file again.
        items = _block_items(text, loc[0])
        if items is not None and 0 <= loc[1] < len(items):
            if len(loc) == 2:
                return items[loc[1]]
            if isinstance(loc[2], str):
                found = _item_key(text, items, loc[1], loc[2])
                if found is not None:
                    return found
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
    lines = _lines(text)
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


def _item_key(text: str, items: tuple[int, ...], index: int, key: str) -> int | None:
    """The 1-based line of ``key`` in block-sequence item ``index`` (whose lines ``items``
    gives, from ``_block_items``), or None when the item is not a plain block mapping holding
    ``key`` unquoted (then ``locate`` composes). The item's own keys sit two columns right of
    its dash; everything nested in them sits further right (the same YAML rule as above)."""
    lines = _lines(text)
    first = items[index] - 1
    end = items[index + 1] - 1 if index + 1 < len(items) else len(lines)
    dash = lines[first]
    column = len(dash) - len(dash.lstrip(" ")) + 2
    head = key + ":"
    for n in range(first, end):
        line = lines[n]
        body = line[column:]
        if line[:column].strip(" ") not in ("", "-") or not body.startswith(head):
            continue
        if body == head or body[len(head)] in " \r":
            return n + 1
    return None


@functools.lru_cache(maxsize=8)
def _lines(text: str) -> list[str]:
    return text.split("\n")


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
