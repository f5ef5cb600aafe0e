"""`casebook check` reads the letterhead template, and a wrong key in letterhead.yaml is one line.

Before, only `casebook letters --format html|pdf` compiled ``policy/letterhead/letter.html.j2``
(``Renderer.check_letterhead``), and a missing include, a misspelt name or a letterhead key that
letterhead.yaml cannot have surfaced only when a letter was printed through that branch. And an
unknown key in letterhead.yaml was reported as one finding with the whole other finding (file,
line, severity, rule) nested in its message.
"""

from __future__ import annotations

from pathlib import Path

import pytest

HEAD = "policy/letterhead/letter.html.j2"
YAML = "policy/letterhead/letterhead.yaml"
AS_OF = "2026-11-23"


def _append(root: Path, text: str) -> int:
    """Add ``text`` at the end of the letterhead template; returns the line it starts on."""
    path = root / HEAD
    before = path.read_text()
    path.write_text(before + text)
    return before.count("\n") + 1


def _letterhead_lines(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith("policy/letterhead/")]


def test_the_demo_letterhead_has_no_finding(cli, demo):
    res = cli("--root", demo, "check", "--as-of", AS_OF)
    assert res.code == 0, res.out
    assert _letterhead_lines(res.out) == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{% if letterhead.phone %}\n", "template syntax: Unexpected end of template"),
        (
            '{% include "parts/signature.html" %}\n',
            "includes parts/signature.html, which is not in policy/letterhead/",
        ),
        ("{{ letterhead.colour }}\n", f"letterhead.colour: {YAML} has no key 'colour'"),
        ("{{ letterhead['colour'] }}\n", f"letterhead.colour: {YAML} has no key 'colour'"),
        ("{{ counsil }}\n", "unknown name 'counsil': the letterhead template is given body,"),
    ],
    ids=["syntax", "missing-include", "letterhead-key", "letterhead-item", "unknown-name"],
)
def test_check_reports_a_broken_letterhead_template_with_file_and_line(cli, demo, text, message):
    line = _append(demo, text)
    res = cli("--root", demo, "check", "--as-of", AS_OF)
    assert res.code == 1, res.out + res.err  # a finding, not an invalid policy/
    found = _letterhead_lines(res.out)
    assert len(found) == 1, res.out
    assert found[0].startswith(f"{HEAD}:{line}: error [letter-template] {message}"), found
    # Letters in HTML stop on the same problem, once, before anything is written (exit 2).
    out = demo.parent / "letters"
    letters = cli("--root", demo, "letters", "--format", "html", "--out", out, "--as-of", AS_OF)
    assert letters.code == 2, letters.err
    assert letters.err.startswith(f"casebook: {HEAD}:{line}: {message}"), letters.err
    assert letters.err.count("\n") == 1 and "Traceback" not in letters.err
    assert not out.exists()
    # Markdown letters do not use the letterhead: written as before.
    assert (
        cli("--root", demo, "letters", "--format", "md", "--out", out, "--as-of", AS_OF).code == 0
    )


def test_a_problem_in_an_included_file_names_that_file(cli, demo):
    (demo / "policy/letterhead/parts").mkdir()
    (demo / "policy/letterhead/parts/sign.html").write_text("<p>\n{{ letterhead.fax }}</p>\n")
    _append(demo, '{% include "parts/sign.html" %}\n')
    res = cli("--root", demo, "check", "--as-of", AS_OF)
    found = _letterhead_lines(res.out)
    assert found == [
        f"policy/letterhead/parts/sign.html:2: error [letter-template] letterhead.fax: {YAML} "
        "has no key 'fax'; its keys: address, complaints, council, email, footer, formats, "
        "ombudsman, ombudsmen, phone, website"
    ], res.out


def test_names_a_template_sets_itself_and_optional_includes_are_not_problems(cli, demo):
    _append(
        demo,
        "{% set greeting = 'Dear' %}{{ greeting }}\n"
        "{% for line in letterhead.address %}{{ loop.index }} {{ line }}{% endfor %}\n"
        "{% macro box(text) %}<b>{{ text }}</b>{% endmacro %}{{ box(council) }}\n"
        '{% include "optional.html" ignore missing %}\n'
        "{{ letterhead.ombudsman.name if letterhead.ombudsman }} {{ range(2) | list }}\n",
    )
    res = cli("--root", demo, "check", "--as-of", AS_OF)
    assert res.code == 0, res.out
    assert _letterhead_lines(res.out) == []


def test_a_wrong_key_in_letterhead_yaml_is_one_line_naming_file_line_and_field(cli, demo):
    path = demo / YAML
    text = path.read_text()
    assert "\nphone: " in text
    path.write_text(text.replace("\nphone: ", "\ncolour: red\nphone: ", 1))
    line = text[: text.index("\nphone: ")].count("\n") + 2
    expected = (
        f"{YAML}:{line}: error [letter-template] colour: unknown field 'colour'; valid fields "
        "here: address, complaints, council, email, footer, formats, ombudsman, ombudsmen, "
        "phone, website"
    )
    res = cli("--root", demo, "check", "--as-of", AS_OF)
    assert res.code == 2, res.out
    assert _letterhead_lines(res.out) == [expected], res.out
    assert res.out.count(YAML) == 1  # not nested inside a second finding
    letters = cli("--root", demo, "letters", "--format", "html", "--as-of", AS_OF)
    assert letters.code == 2
    assert letters.err == f"casebook: policy/ is not valid:\n{expected}\n"


def test_two_wrong_keys_are_two_findings(cli, demo):
    path = demo / YAML
    path.write_text(path.read_text() + "colour: red\nfacebook: council\n")
    res = cli("--root", demo, "check", "--as-of", AS_OF)
    found = _letterhead_lines(res.out)
    assert [f.split(" error [letter-template] ")[1].split(":")[0] for f in found] == [
        "colour",
        "facebook",
    ], res.out
    assert all(f.count(YAML) == 1 for f in found)


def test_the_renderer_names_the_first_letterhead_problem_plainly(demo):
    from casebook.publish.letters.letterhead import load_letterhead

    path = demo / YAML
    path.write_text(path.read_text() + "colour: red\nfacebook: council\n")
    problem = load_letterhead(demo).problem
    assert problem is not None
    assert problem.startswith(f"{YAML}:")
    assert ": colour: unknown field 'colour';" in problem
    assert problem.endswith("(and 1 more: casebook check lists them)")
    assert "error [" not in problem


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{{ letterhead|attr("colour") }}\n', f"letterhead.colour: {YAML} has no key 'colour'"),
        ("{% set lh = letterhead %}{{ lh.colour }}\n", "letterhead.colour: "),
        ("{% with lh = letterhead %}{{ lh['fax'] }}{% endwith %}\n", "letterhead.fax: "),
    ],
    ids=["attr-filter", "set-alias", "with-alias"],
)
def test_a_letterhead_key_reached_another_way_is_reported(cli, demo, text, message):
    line = _append(demo, text)
    res = cli("--root", demo, "check", "--as-of", AS_OF, "--no-cache")
    found = _letterhead_lines(res.out)
    assert len(found) == 1, res.out
    assert found[0].startswith(f"{HEAD}:{line}: error [letter-template] {message}"), found
    letters = cli("--root", demo, "letters", "--format", "html", "--as-of", AS_OF)
    assert letters.code == 2, letters.err


def test_a_macro_imported_without_context_cannot_use_the_letters_names(cli, demo):
    # Jinja gives a template imported without context none of the letter's names: the macro
    # fails on every letter ("'council' is undefined") though each file looks sound alone.
    (demo / "policy/letterhead/parts.j2").write_text(
        "{% macro sign() %}\n<p>{{ council }}</p>\n{% endmacro %}\n"
    )
    _append(demo, '{% from "parts.j2" import sign %}{{ sign() }}\n')
    res = cli("--root", demo, "check", "--as-of", AS_OF, "--no-cache")
    found = _letterhead_lines(res.out)
    assert len(found) == 1, res.out
    assert found[0].startswith(
        "policy/letterhead/parts.j2:2: error [letter-template] unknown name 'council': "
        "policy/letterhead/parts.j2 is imported without context"
    ), found
    letters = cli("--root", demo, "letters", "--format", "html", "--as-of", AS_OF)
    assert letters.code == 2, letters.err
    # Imported "with context", it is given them: clean, and letters are printed.
    text = (demo / HEAD).read_text()
    (demo / HEAD).write_text(text.replace("import sign %}", "import sign with context %}"))
    res = cli("--root", demo, "check", "--as-of", AS_OF, "--no-cache")
    assert _letterhead_lines(res.out) == [], res.out
