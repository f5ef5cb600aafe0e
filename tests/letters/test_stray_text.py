"""Text outside ``{% block %}`` in a letter template that extends another.

Jinja renders such a template as its parent with the child's blocks: a paragraph the child
writes after ``{% endblock %}`` (or between ``{% extends %}`` and the first block) is dropped
without a word, and one written before ``{% extends %}`` comes out above the address. A
council's template author would lose it from every letter; ``casebook check`` and
``casebook letters`` name the file and the line instead.
"""

from __future__ import annotations

import pytest

from .helpers import ALLITEMS_AS_OF, copy_fixture

TEMPLATE = "policy/letters/allitems/monitoring-letter.md.j2"
END = "{% endblock %}\n{% block enclosures %}"


def _write(root, old: str, new: str) -> None:
    path = root / TEMPLATE
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def _line_of(root, needle: str) -> int:
    lines = (root / TEMPLATE).read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if needle in line)


def _run(cli, root, tmp_path):
    check = cli("--root", root, "check", "--no-cache", "--as-of", ALLITEMS_AS_OF)
    letters = cli("--root", root, "letters", "--format", "md", "--out", tmp_path / "out")
    return check, letters


@pytest.mark.parametrize(
    ("old", "new", "needle", "fate"),
    [
        # A paragraph after the body block: dropped.
        (END, "{% endblock %}\n\nPlease keep this letter.\n{% block enclosures %}", "Please keep",
         "is never printed"),
        # Between the extends tag and the first block: dropped.
        ('{% extends "_base.md.j2" %}\n', '{% extends "_base.md.j2" %}\n\n\nDear reader,\n',
         "Dear reader", "is never printed"),
        # An expression counts as text too.
        (END, "{% endblock %}\n{{ case.id }}\n{% block enclosures %}", "{{ case.id }}",
         "is never printed"),
        # Before the extends tag: printed above the address.
        ('{% extends "_base.md.j2" %}\n', 'Draft\n{% extends "_base.md.j2" %}\n', "Draft",
         "printed above the letter"),
        # Inside an if or a for outside the blocks: dropped as plain text is.
        (END, "{% endblock %}\n{% if true %}\nPlease keep this.\n{% endif %}\n"
         "{% block enclosures %}", "Please keep", "is never printed"),
        (END, "{% endblock %}\n{% for x in [1] %}\nPlease keep this.\n{% endfor %}\n"
         "{% block enclosures %}", "Please keep", "is never printed"),
        # An include or a call after the blocks: Jinja prints it above the letter.
        (END, '{% endblock %}\n{% include "_base.md.j2" %}\n{% block enclosures %}',
         "{% include", "printed above the letter"),
        (END, "{% endblock %}\n{% call(t) item('thanks') %}Thanks.{% endcall %}\n"
         "{% block enclosures %}", "%}Thanks.{%", "printed above the letter"),
    ],
    ids=["after-a-block", "before-the-first-block", "expression", "before-extends", "in-an-if",
         "in-a-for", "include", "call"],
)  # fmt: skip
def test_text_outside_blocks_is_an_error_naming_file_and_line(
    cli, tmp_path, old, new, needle, fate
):
    root = copy_fixture("allitems", tmp_path)
    _write(root, old, new)
    line = _line_of(root, needle)
    check, letters = _run(cli, root, tmp_path)
    want = f"{TEMPLATE}: line {line}: text outside {{% block %}} in a template that extends"
    for res in (check, letters):
        assert res.code in (1, 2), (res.code, res.out, res.err)
        assert want in res.out + res.err, res.out + res.err
        assert fate in res.out + res.err
        assert "move it inside a block" in res.out + res.err
        assert "Traceback" not in res.out + res.err
    assert not list((tmp_path / "out").rglob("*monitoring-letter*"))


def test_whitespace_and_comments_outside_blocks_are_allowed(cli, tmp_path):
    root = copy_fixture("allitems", tmp_path)
    note = "{# a note for the next author #}"
    _write(root, END, f"{{% endblock %}}\n\n   \n{note}\n\n{{% block enclosures %}}")
    extends = '{% extends "_base.md.j2" %}\n'
    _write(root, extends, f"{note}\n\n{extends}  \n")
    check, letters = _run(cli, root, tmp_path)
    for res in (check, letters):
        assert "text outside" not in res.out + res.err, res.out + res.err
    assert letters.code == 0, letters.err
    assert check.code == 0, check.out + check.err
    assert list((tmp_path / "out").rglob("*monitoring-letter*"))


def test_rendering_refuses_such_a_template_too(tmp_path):
    """The renderer does not rely on the check having run (the site, a script)."""
    from casebook.errors import ConfigError
    from casebook.publish.letters.templates import make_env, render_markdown

    letters = tmp_path / "policy" / "letters"
    letters.mkdir(parents=True)
    (letters / "_base.md.j2").write_text("# Letter\n{% block body %}{% endblock %}\n")
    (letters / "child.md.j2").write_text(
        '{% extends "_base.md.j2" %}\n{% block body %}Kept.{% endblock %}\n\nLost.\n'
    )
    env = make_env(tmp_path)
    with pytest.raises(ConfigError, match=r"policy/letters/child\.md\.j2: line 4: text outside"):
        render_markdown(env, "child.md.j2", {}, [], {}, {}, "a letter")
    (letters / "child.md.j2").write_text(
        '{% extends "_base.md.j2" %}\n{% block body %}Kept.{% endblock %}\n\n{# fine #}\n'
    )
    assert "Kept." in render_markdown(make_env(tmp_path), "child.md.j2", {}, [], {}, {}, "x").text


EXTENDS = '{% extends "_base.md.j2" %}\n'


@pytest.mark.parametrize(
    ("new", "needle", "words"),
    [
        # Conditional: the check follows a parent the letter may never use.
        ('{% if case.id %}{% extends "_base.md.j2" %}{% endif %}\n', "{% if case.id %}",
         "at the top level of the template"),
        ('{% if case.id %}\n{% extends "_base.md.j2" %}\n{% else %}\n'
         '{% extends "_base.md.j2" %}\n{% endif %}\n', '{% extends "_base.md.j2" %}',
         "at the top level of the template"),
        ('{% for x in [1] %}{% extends "_base.md.j2" %}{% endfor %}\n', "{% for x",
         "at the top level of the template"),
        # A parent worked out from the case: no file the check could read.
        ('{% extends case.service ~ ".md.j2" %}\n', "{% extends case.service",
         "given the parent's name in quotes"),
        (EXTENDS + EXTENDS, None, "used once"),
    ],
    ids=["in-an-if", "in-if-and-else", "in-a-for", "computed-name", "twice"],
)  # fmt: skip
def test_extends_anywhere_but_once_at_the_top_is_an_error_naming_file_and_line(
    cli, tmp_path, new, needle, words
):
    root = copy_fixture("allitems", tmp_path)
    _write(root, EXTENDS, new)
    line = 2 if needle is None else _line_of(root, needle)
    check, letters = _run(cli, root, tmp_path)
    want = f"{TEMPLATE}: line {line}: {{% extends %}} must be {words}"
    assert check.code == 2, (check.out, check.err)  # the council's policy/ is wrong
    assert "error [letter-template]" in check.out, check.out
    for res in (check, letters):
        assert want in res.out + res.err, res.out + res.err
        assert "Traceback" not in res.out + res.err
    assert letters.code in (1, 2), letters.err
    assert not list((tmp_path / "out").rglob("*monitoring-letter*"))


def test_rendering_refuses_a_conditional_extends_too(tmp_path):
    from casebook.errors import ConfigError
    from casebook.publish.letters.templates import make_env, render_markdown

    letters = tmp_path / "policy" / "letters"
    letters.mkdir(parents=True)
    (letters / "_base.md.j2").write_text("# Letter\n{% block body %}{% endblock %}\n")
    (letters / "child.md.j2").write_text(
        '\n{% if x %}{% extends "_base.md.j2" %}{% endif %}\n{% block body %}Kept.{% endblock %}\n'
    )
    with pytest.raises(
        ConfigError, match=r"policy/letters/child\.md\.j2: line 2: \{% extends %\} must be at"
    ):
        render_markdown(make_env(tmp_path), "child.md.j2", {"x": True}, [], {}, {}, "a letter")
