"""JSON Schema for editors: case, procedure and people files.

pydantic writes JSON Schema 2020-12; yaml-language-server (VS Code's YAML extension, and most
editors through it) implements draft 7. The conversion:

* ``$defs`` becomes ``definitions`` and every ``$ref`` follows;
* a tagged union (events, restrictions: pydantic's ``oneOf`` with an OpenAPI ``discriminator``)
  becomes ``type`` with an ``enum`` of the tags plus one ``if type is X then X's schema`` per
  member. With ``oneOf`` an event with one misspelt key fails every member and the editor says
  "matches none of 8 schemas"; with ``if``/``then`` it points at the misspelt key of the one
  member that applies, and a wrong ``type`` lists the valid ones;
* ``const`` stays (draft 6 and later have it);
* pydantic's ``title`` on every property is dropped (noise in editor hovers); descriptions from
  docstrings stay.

The result is the same for the same models, byte for byte, so a test can say whether the
committed ``schema/`` is current.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from casebook.model import Case, People, Procedure

DRAFT7 = "http://json-schema.org/draft-07/schema#"
SCHEMAS: dict[str, type[BaseModel]] = {
    "case.schema.json": Case,
    "procedure.schema.json": Procedure,
    "people.schema.json": People,
}


def draft7(model: type[BaseModel]) -> dict[str, Any]:
    raw = model.model_json_schema(by_alias=True, mode="validation")
    defs = raw.pop("$defs", {})
    out: dict[str, Any] = {"$schema": DRAFT7}
    out |= _convert(raw)
    if defs:
        out["definitions"] = {name: _convert(d) for name, d in sorted(defs.items())}
    return out


def _convert(node: Any) -> Any:
    if isinstance(node, list):
        return [_convert(v) for v in node]
    if not isinstance(node, dict):
        return node
    if "discriminator" in node and ("oneOf" in node or "anyOf" in node):
        return _tagged(node)
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "$ref" and isinstance(value, str):
            out[key] = value.replace("#/$defs/", "#/definitions/")
        elif key == "properties" and isinstance(value, dict):
            out[key] = {name: _drop_title(_convert(v)) for name, v in value.items()}
        else:
            out[key] = _convert(value)
    return out


def _drop_title(node: Any) -> Any:
    if isinstance(node, dict):
        node.pop("title", None)
    return node


def _tagged(node: dict[str, Any]) -> dict[str, Any]:
    disc = node["discriminator"]
    prop = disc["propertyName"]
    mapping: dict[str, str] = disc.get("mapping", {})
    branches = [
        {
            "if": {"properties": {prop: {"const": tag}}, "required": [prop]},
            "then": {"$ref": ref.replace("#/$defs/", "#/definitions/")},
        }
        for tag, ref in mapping.items()
    ]
    return {
        "type": "object",
        "required": [prop],
        "properties": {prop: {"enum": list(mapping)}},
        "allOf": branches,
    }


def render(model: type[BaseModel]) -> str:
    return json.dumps(draft7(model), indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def expected() -> dict[str, str]:
    """File name -> content, for every schema."""
    return {name: render(model) for name, model in SCHEMAS.items()}


def stale(folder: Path) -> list[str]:
    """Names of the schema files in ``folder`` that are missing or out of date."""
    out = []
    for name, text in expected().items():
        path = folder / name
        try:
            current = path.read_text(encoding="utf-8")
        except OSError:
            current = None
        if current != text:
            out.append(name)
    return out
