"""Reading a built site as a whole: every file's text, and an audit of its HTML."""

from __future__ import annotations

import gzip
import html
import json
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

BINARY = {".png", ".ico", ".woff", ".woff2", ".ttf", ".jpg", ".gif", ".svgz"}


def squash(s: str) -> str:
    return " ".join(s.split())


def texts(site: Path) -> dict[str, str]:
    """Every file in the site as searchable text: entities decoded, JSON decoded, gzip opened,
    whitespace collapsed. (The search index is JSON whose strings hold HTML: decoded as JSON,
    then its entities.)"""
    out = {}
    for path in sorted(site.rglob("*")):
        if not path.is_file() or path.suffix in BINARY:
            continue
        data = path.read_bytes()
        if path.suffix == ".gz":
            data = gzip.decompress(data)
        s = data.decode("utf-8", errors="replace")
        if path.suffix == ".json":
            s = json.dumps(json.loads(s), ensure_ascii=False)
        out[path.relative_to(site).as_posix()] = squash(html.unescape(s))
    return out


def find(site_texts: dict[str, str], needle: str) -> list[str]:
    n = squash(needle)
    return [rel for rel, s in site_texts.items() if n in s]


@dataclass
class Audit(HTMLParser):
    """Everything in a page that could run code or load something from elsewhere."""

    problems: list[str] = field(default_factory=list)
    inline_scripts: list[str] = field(default_factory=list)
    _in_script: bool = False

    def __post_init__(self) -> None:
        super().__init__(convert_charrefs=True)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        for name, value in attrs:
            v = (value or "").strip().lower()
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...>")
            if name in {"href", "src", "action", "formaction", "xlink:href"} and v.startswith(
                ("javascript:", "vbscript:", "data:text/html")
            ):
                self.problems.append(f"<{tag} {name}={value}>")
            if (
                name in {"src", "href"}
                and v.startswith(("http:", "https:", "//"))
                and tag
                in {
                    "script",
                    "link",
                    "img",
                    "iframe",
                }
            ):
                self.problems.append(f"<{tag} {name}={value}> loads from another site")
        if tag in {"iframe", "object", "embed", "base"}:
            self.problems.append(f"<{tag}>")
        # The theme's own forms, which send nothing anywhere: Material's search box, and the
        # colour-scheme switch Zensical writes even with one palette.
        theirs = a.get("name") == "search" or a.get("data-md-component") == "palette"
        if tag == "form" and (not theirs or "action" in a):
            self.problems.append("<form>")
        if tag == "meta" and (a.get("http-equiv") or "").lower() == "refresh":
            self.problems.append("<meta http-equiv=refresh>")
        if tag == "style":
            self.problems.append("<style>")
        self._in_script = tag == "script" and not a.get("src")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.inline_scripts.append(data)


def audit(site: Path) -> dict[str, list[str]]:
    """Problems per HTML file; inline scripts that mention alert() count as problems."""
    out = {}
    for path in sorted(site.rglob("*.html")):
        parser = Audit()
        parser.feed(path.read_text(encoding="utf-8"))
        parser.close()
        problems = parser.problems + [
            "inline script calls alert()" for s in parser.inline_scripts if "alert" in s
        ]
        if problems:
            out[path.relative_to(site).as_posix()] = problems
    return out
