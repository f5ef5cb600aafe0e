"""Letters fetch nothing (issue 16, item 3): every PDF goes through one URL fetcher.

The letterhead, its CSS, its SVG logo and the letter template each try to read a secret file
outside the casebook (``file://``), to embed it as an attachment, and to reach a listener on
127.0.0.1 (a real socket that records every connection). Nothing is fetched, nothing embedded,
and the PDF command says which URLs it refused.
"""

from __future__ import annotations

import io
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from casebook.errors import ConfigError
from casebook.publish import pdf
from casebook.publish.letters import render_letters
from casebook.publish.letters.letterhead import LETTERHEAD_DIR

from .helpers import ALLITEMS_CASE, copy_fixture, edit, load, pdftotext

pytest.importorskip("weasyprint")
pypdf = pytest.importorskip("pypdf")

SECRET = "TOPSECRET-7f3a"


class Listener:
    """A TCP server on 127.0.0.1 that accepts and records every connection (none expected)."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections: list[bytes] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/{name}"

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                conn.settimeout(1)
                try:
                    self.connections.append(conn.recv(4096))
                    conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: text/css\r\n\r\n")
                except OSError:
                    self.connections.append(b"")

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=5)
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    got = Listener()
    yield got
    got.close()


@pytest.fixture
def secrets(tmp_path: Path) -> dict[str, Path]:
    """Files outside the casebook that a hostile letterhead tries to pull in."""
    folder = tmp_path / "outside"
    folder.mkdir()
    files = {
        "txt": folder / "secret.txt",
        "css": folder / "secret.css",
        "svg": folder / "secret.svg",
    }
    files["txt"].write_text(f"{SECRET} password=hunter2\n", encoding="utf-8")
    files["css"].write_text(f'body::after {{ content: "{SECRET}-css"; }}\n', encoding="utf-8")
    files["svg"].write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="20">'
        f'<text x="0" y="15">{SECRET}-svg</text></svg>',
        encoding="utf-8",
    )
    return files


def _attachments(data: bytes) -> list[str]:
    """Names of embedded files and file-attachment annotations in a PDF."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    found = list(reader.attachments)
    root = reader.trailer["/Root"]
    names = root.get("/Names")
    if names is not None and "/EmbeddedFiles" in names.get_object():
        found.append("/EmbeddedFiles")
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            if annot.get_object().get("/Subtype") == "/FileAttachment":
                found.append("/FileAttachment")
    return found


def _hostile(root: Path, secrets: dict[str, Path], listener: Listener, where: str) -> None:
    """Plant the three attacks (file://, attachment, 127.0.0.1) in one letterhead part."""
    txt, css, svg = (secrets[k].as_uri() for k in ("txt", "css", "svg"))
    head = root / LETTERHEAD_DIR
    if where == "letterhead":
        edit(
            head / "letter.html.j2",
            "</head>",
            f'<link rel="attachment" href="{txt}" title="leak">\n'
            f'<link rel="stylesheet" href="{css}">\n'
            f'<link rel="stylesheet" href="{listener.url("head.css")}">\n</head>',
        )
        edit(
            head / "letter.html.j2",
            "<main>",
            f'<img src="{svg}" alt=""><img src="{listener.url("img.png")}" alt="">'
            f'<a rel="attachment" href="{txt}">x</a>\n<main>',
        )
    elif where == "css":
        with (head / "letter.css").open("a", encoding="utf-8") as fh:
            fh.write(
                f'\n@import url("{css}");\n@import url("{listener.url("import.css")}");\n'
                f'@font-face {{ font-family: Leak; src: url("{listener.url("font.woff")}"); }}\n'
                f'@font-face {{ font-family: Leak2; src: url("{txt}"); }}\n'
                f'html {{ font-family: Leak, Leak2; background: url("{svg}"); }}\n'
                f'.council {{ background-image: url("{listener.url("bg.png")}"); }}\n'
                '.council::before { content: url("data:text/html,<b>x</b>"); }\n'
            )
    elif where == "logo":
        (head / "logo.svg").write_text(
            '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
            ' width="60" height="60" viewBox="0 0 60 60">'
            f'<image href="{svg}" width="60" height="20"/>'
            f'<image xlink:href="{listener.url("logo.png")}" width="60" height="20"/>'
            f'<style>@import url("{listener.url("svg.css")}");</style>'
            f'<use href="{svg}#x"/></svg>',
            encoding="utf-8",
        )
    elif where == "template":
        # The letter template's Markdown is sanitised (no img, no link rel), and what a
        # template prints is only ever a link: still nothing may be fetched or attached.
        edit(
            root / "policy/letters/_base.md.j2",
            "{% block body %}",
            f'<link rel="attachment" href="{txt}"><img src="{listener.url("tpl.png")}">\n'
            f"![leak]({svg}) ![net]({listener.url('md.png')})\n"
            f'<a rel="attachment" href="{txt}">attach</a> [file]({txt})\n\n'
            "{% block body %}",
        )
    else:  # pragma: no cover
        raise AssertionError(where)


@pytest.mark.parametrize("where", ["letterhead", "css", "logo", "template"])
def test_no_letterhead_part_can_fetch_or_attach(tmp_path, secrets, listener, where):
    root = copy_fixture("allitems", tmp_path)
    _hostile(root, secrets, listener, where)
    book = load(root)
    html = render_letters(book, ALLITEMS_CASE, "html")[0].content.decode()
    data, refused = pdf.render_pdf(html, (root, LETTERHEAD_DIR))
    assert data.startswith(b"%PDF")
    assert listener.connections == [], where
    assert _attachments(data) == [], where
    text = pdftotext(data)
    assert SECRET not in text and "hunter2" not in text, where
    assert "Test Council" in text  # the letter itself still printed
    if where != "template":  # the template's tries are already removed by the sanitiser
        assert refused, where
        # The command refuses to write a PDF that differs from what was approved.
        with pytest.raises(ConfigError, match="does not load"):
            render_letters(book, ALLITEMS_CASE, "pdf")
    assert listener.connections == []


def test_letterhead_files_inside_its_folder_load_but_links_out_do_not(tmp_path, secrets):
    root = copy_fixture("allitems", tmp_path)
    head = root / LETTERHEAD_DIR
    (head / "badge.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="20">'
        '<text x="0" y="15">BADGE-INSIDE</text></svg>',
        encoding="utf-8",
    )
    (head / "linked.svg").symlink_to(secrets["svg"])
    edit(head / "letter.html.j2", "<main>", '<img src="badge.svg" alt="">\n<main>')
    book = load(root)
    letter = render_letters(book, ALLITEMS_CASE, "pdf")[0]
    assert "BADGE-INSIDE" in pdftotext(letter.content)
    edit(head / "letter.html.j2", "<main>", '<img src="linked.svg" alt="">\n<main>')
    html = render_letters(load(root), ALLITEMS_CASE, "html")[0].content.decode()
    data, refused = pdf.render_pdf(html, (root, LETTERHEAD_DIR))
    assert SECRET not in pdftotext(data)
    assert any("symbolic link" in r for r in refused), refused


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://127.0.0.1:9/x.css", "network"),
        ("https://example.org/x.png", "network"),
        ("ftp://example.org/x.png", "network"),
        ("data:text/css,body{}", "only data: images"),
        ("data:text/html;base64,PGI+", "only data: images"),
        ("file:///etc/passwd", "inside policy/letterhead"),
        ("file://otherhost/x.css", "another host"),
    ],
)
def test_fetcher_refuses(tmp_path, url, why):
    with pytest.raises(pdf.Refused, match=why):
        pdf.fetch_allowed(url, (tmp_path, LETTERHEAD_DIR))


def test_fetcher_refuses_dot_dot_and_non_assets(tmp_path):
    head = tmp_path / LETTERHEAD_DIR
    head.mkdir(parents=True)
    (head / "letterhead.yaml").write_text("address: [x]\n", encoding="utf-8")
    (head / "ok.css").write_text("body{}", encoding="utf-8")
    base = head.as_uri()
    assert pdf.fetch_allowed(f"{base}/ok.css", (tmp_path, LETTERHEAD_DIR)) == (
        b"body{}",
        "text/css",
    )
    with pytest.raises(pdf.Refused, match="only styles, images and fonts"):
        pdf.fetch_allowed(f"{base}/letterhead.yaml", (tmp_path, LETTERHEAD_DIR))
    with pytest.raises(pdf.Refused, match=r"'\.\.'"):
        pdf.fetch_allowed(f"{base}/%2E%2E/%2E%2E/x.css", (tmp_path, LETTERHEAD_DIR))
    assert pdf.fetch_allowed("data:image/png;base64,AAAA", None) is None
    with pytest.raises(pdf.Refused, match="loads no files"):
        pdf.fetch_allowed(f"{base}/ok.css", None)


def test_subject_access_pdf_loads_nothing(secrets, listener):
    html = pdf.to_html("# Bundle\n\nText", "Subject access request").replace(
        "</head>",
        f'<link rel="attachment" href="{secrets["txt"].as_uri()}">'
        f'<link rel="stylesheet" href="{listener.url("sar.css")}"></head>',
    )
    data, refused = pdf.render_pdf(html, None)
    assert len(refused) == 2, refused
    assert listener.connections == [] and _attachments(data) == []
    assert SECRET not in pdftotext(data)
    with pytest.raises(ConfigError, match="does not load"):
        pdf.to_pdf(html)
