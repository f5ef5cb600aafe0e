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

from .findings import Loc

try:
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]


class _DuplicateKey(yaml.MarkedYAMLError):
    pass


class StrictLoader(_BaseLoader):
    """Safe loader with YAML 1.2-like scalars and duplicate keys refused."""

    yaml_implicit_resolvers: dict[Any, Any] = {}  # noqa: RUF012 - PyYAML's own class attribute

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[object] = set()
        for key_node, _ in node.value:
            if isinstance(key_node, ScalarNode):
                if key_node.value in seen:
                    raise _DuplicateKey(
                        None,
                        None,
                        f"key {key_node.value!r} appears twice in the same mapping",
                        key_node.start_mark,
                    )
                seen.add(key_node.value)
        result: dict[Any, Any] = super().construct_mapping(node, deep=deep)
        return result


def _construct_date(loader: StrictLoader, node: ScalarNode) -> object:
    # An impossible date (2026-02-30) stays text, so the schema reports it with its field.
    try:
        return date.fromisoformat(node.value)
    except ValueError:
        return node.value


StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_date)


def _resolver(tag: str, pattern: str, first: str) -> None:
    StrictLoader.add_implicit_resolver(tag, re.compile(pattern, re.X), list(first))


_resolver("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF")
_resolver("tag:yaml.org,2002:int", r"^[-+]?(?:0|[1-9][0-9]*)$", "-+0123456789")
_resolver(
    "tag:yaml.org,2002:float",
    r"^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$",
    "-+0123456789.",
)
_resolver("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", "~nN\0")
StrictLoader.add_implicit_resolver("tag:yaml.org,2002:null", re.compile(r"^$"), [""])
# Dates only (YYYY-MM-DD); a full timestamp stays text so the schema can say what it expects.
_resolver("tag:yaml.org,2002:timestamp", r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", "0123456789")

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
        if "tag" in problem:
            tag = problem.split("tag", 1)[1].strip().strip("'")
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
