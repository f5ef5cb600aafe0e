"""Letters render to Markdown, HTML and PDF with their mandatory content, safely and exactly."""

from __future__ import annotations

import re

import pytest

from casebook.errors import ConfigError, LetterContentError
from casebook.publish.letters import render_letters

from .helpers import ALLITEMS_CASE, copy_fixture, edit, load, pdftotext


@pytest.fixture
def allitems(tmp_path):
    return copy_fixture("allitems", tmp_path)


def test_every_recorded_letter_renders_with_its_items(allitems):
    book = load(allitems)
    letters = render_letters(book, ALLITEMS_CASE, "md")
    assert [(x.letter_id, x.filename) for x in letters] == [
        ("monitoring-letter", "2026-01-13-monitoring-letter.md"),
        ("sanction-letter", "2026-04-13-sanction-letter.md"),
        ("thank-you-letter", "2026-10-13-thank-you-letter.md"),
    ]
    proc = book.policy.procedures["allitems"]
    for letter in letters:
        required = {i.item for i in proc.letters[letter.letter_id].required}
        assert required <= set(letter.items), letter.letter_id
        text = letter.content.decode()
        for item in required:
            assert letter.items[item].strip() in text
    first = letters[0].content.decode()
    assert "13 January 2026" in first  # the date recorded, written out
    assert "Cam Relations" in first and "cam@council.example" in first and "01632 960123" in first
    assert "from 12 January 2026 until 12 April 2026" in first
    assert "Test Council" in first  # the council's name in the sign-off


def test_case_data_is_text_never_template_code_or_markup(allitems):
    case = allitems / "cases" / f"{ALLITEMS_CASE}.yaml"
    edit(case, "name: Sam Sample", 'name: "{{ 7*7 }} {% raw %} Sam"')
    edit(
        case,
        "reasons: >-\n      The number of e-mails and calls about one closed complaint is stopping"
        " the planning team\n      from dealing with other residents.",
        'reasons: "<script>alert(1)</script> *bold* [click](http://evil.example) {{ config }}'
        '\\n# Heading\\n- item\\n1. first | a ~~b~~"',
    )
    book = load(allitems)
    md = render_letters(book, ALLITEMS_CASE, "md")[0].content.decode()
    assert "49" not in md
    assert "\\{\\{ 7\\*7 \\}\\} \\{% raw %\\} Sam" in md
    assert "<script>" not in md and "&lt;script&gt;" in md
    assert "\\[click\\](http://evil.example)" in md
    html = render_letters(book, ALLITEMS_CASE, "html")[0].content.decode()
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="http://evil.example"' not in html
    assert "<strong>bold" not in html and "*bold*" in html
    assert "{{ 7*7 }} {% raw %} Sam" in html  # shown exactly as the person's name reads
    assert "<h1>Heading" not in html and "# Heading" in html
    assert "<li>item" not in html and "<ol>" not in html
    assert "{{ config }}" in html  # the person's own words, untouched


@pytest.mark.parametrize(
    ("snippet", "error", "words"),
    [
        ("{{ ''.__class__.__mro__[1].__subclasses__() }}", ConfigError, "unsafe"),
        ("{{ recipient.nmae }}", ConfigError, "nmae"),
        ("{{ recipient.name|safe }}", ConfigError, "safe"),
        ("{% call item('nonsense') %}x{% endcall %}", ConfigError, "not a letter item"),
        ("{% call item('spoc') %}x{% endcall %}", LetterContentError, "cannot fill"),
    ],
    ids=["sandbox", "strict-undefined", "no-safe-filter", "unknown-item", "unfillable-item"],
)
def test_templates_are_sandboxed_and_strict(allitems, snippet, error, words):
    tmpl = allitems / "policy/letters/allitems/thank-you-letter.md.j2"
    edit(tmpl, "{% endcall %}\n{% endblock %}", "{% endcall %}\n" + snippet + "\n{% endblock %}")
    book = load(allitems)
    with pytest.raises(error, match=words):
        render_letters(book, ALLITEMS_CASE, "md")


def test_item_block_that_prints_nothing_is_an_error(allitems):
    tmpl = allitems / "policy/letters/allitems/thank-you-letter.md.j2"
    edit(
        tmpl,
        "Thank you for your co-operation. From {{ ended|longdate }} we are no longer monitoring "
        "your contact with us.",
        "{# nothing #}",
    )
    with pytest.raises(ConfigError, match="prints nothing for thanks"):
        render_letters(load(allitems), ALLITEMS_CASE, "md")


def test_missing_mandatory_content_stops_the_letter(allitems):
    edit(
        allitems / "cases" / f"{ALLITEMS_CASE}.yaml",
        "      - {type: spoc, officer: cro-cam}\n      - {type: channels",
        "      - {type: channels",
    )
    with pytest.raises(LetterContentError, match=r"spoc .*no single point of contact"):
        render_letters(load(allitems), ALLITEMS_CASE, "md")


def test_html_is_standalone_with_letterhead(allitems):
    html = render_letters(load(allitems), ALLITEMS_CASE, "html")[0].content.decode()
    assert html.startswith("<!DOCTYPE html>")
    assert "Town Hall" in html and "data:image/svg+xml;base64," in html
    assert "@page" in html  # the print stylesheet is inside the file
    assert 'class="letter"' in html
    assert not re.search(r"""(src|href)=["']https?:""", html)  # nothing fetched from outside


def test_large_print_when_the_case_asks_for_it(allitems):
    case = allitems / "cases" / f"{ALLITEMS_CASE}.yaml"
    edit(
        case,
        "  known_as: [S. Sample]",
        "  known_as: [S. Sample]\n  adjustments: [{type: large-print}]",
    )
    book = load(allitems)
    html = render_letters(book, ALLITEMS_CASE, "html")[2]
    assert html.large_print and 'class="letter large-print"' in html.content.decode()
    pdf = render_letters(book, ALLITEMS_CASE, "pdf")[2].content
    sizes = _word_heights(pdf, "co-operation.")
    assert sizes and min(sizes) >= 16, sizes  # body text at 16pt or more


def test_normal_print_is_smaller(allitems):
    pdf = render_letters(load(allitems), ALLITEMS_CASE, "pdf")[2].content
    sizes = _word_heights(pdf, "co-operation.")
    assert sizes and max(sizes) < 16, sizes


def _word_heights(pdf: bytes, word: str) -> list[float]:
    bbox = pdftotext(pdf, "-bbox")
    return [
        float(m.group(2)) - float(m.group(1))
        for m in re.finditer(
            r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">'
            + re.escape(word)
            + "</word>",
            bbox,
        )
    ]


def test_pdf_holds_the_mandatory_items_and_is_reproducible(allitems):
    book = load(allitems)
    first = render_letters(book, ALLITEMS_CASE, "pdf")[0]
    again = render_letters(load(allitems), ALLITEMS_CASE, "pdf")[0]
    assert first.content == again.content  # same case, same templates: same bytes
    assert first.content.startswith(b"%PDF-")
    assert b"CreationDate" not in first.content and b"ModDate" not in first.content
    assert b"Sam Sample" not in first.content.split(b"stream")[0]  # no name in metadata
    text = " ".join(pdftotext(first.content).split())
    for needle in (
        "Cam Relations",  # spoc
        "cam@council.example",
        "from 12 January 2026 until 12 April 2026",  # monitoring period
        "Sending high volumes of letters, e-mails or calls",  # behaviour of concern
        "Apply a sanction",  # possible outcome
        "Local Government and Social Care Ombudsman",
        "legal rights",
        "Enclosed: a copy of our Every-item procedure",
        "write to the Chief Executive within 28 days",
    ):
        assert needle in text, needle
