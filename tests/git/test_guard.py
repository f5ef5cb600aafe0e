"""`casebook guard`: personal data of members of the public refused in git metadata."""

from __future__ import annotations

from pathlib import Path

import pytest

EXTRA = """\
  known_as: [Lexi Sample]
  contact: {email: alex@example.org, phone: "01632 960 123", address: "1 Example Street"}
  representatives:
    - {name: Robin Advocate, role: advocate, contact: {email: robin@advocacy.example}}
"""


@pytest.fixture
def book(mini: Path) -> Path:
    case = mini / "cases/MC-2026-0001.yaml"
    text = case.read_text().replace(
        '  contact: {email: alex@example.org, address: "1 Example Street, Exampletown"}\n', EXTRA
    )
    case.write_text(text)
    return mini


def message(cli, root: Path, text: str):
    path = root / "MSG"
    path.write_text(text)
    return cli("--root", root, "guard", "commit-msg", path)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Log the call from Alex Example", "a name"),
        ("log call from ALEX-EXAMPLE", "a name"),
        ("call from lexi_sample", "a known-as"),
        ("reply to alex@example.org", "an email"),
        ("called from 01632960123", "a phone"),
        ("letter copied to Robin Advocate", "a name"),
        ("forwarded to robin@advocacy.example", "an email"),
        ("Letter to Álex Exámple", "a name"),
    ],
)
def test_personal_data_in_a_message_is_refused_without_echoing_it(cli, book, text, kind):
    res = message(cli, book, f"MC-2026-0001: {text}\n")
    assert res.code == 1
    assert f"contains {kind}" in res.err
    assert "cases/MC-2026-0001.yaml (MC-2026-0001)" in res.err
    for secret in ("Alex", "Example", "Lexi", "Robin", "01632", "example.org"):
        assert secret.lower() not in res.err.lower().replace("cases/mc-2026-0001.yaml", "")


@pytest.mark.parametrize(
    "text",
    [
        "MC-2026-0001: log the call\n",
        "MC-2026-0001: Alexa called about an example\n",  # whole words only
        "MC-2026-0001: chase\n\n# Alex Example: git drops comment lines\n",
        "MC-2026-0001: chase\n# ------------------------ >8 ------------------------\n"
        "diff: Alex Example\n",
        "Letter signed by Amber Manager\n",  # staff are not members of the public
    ],
)
def test_clean_messages_pass(cli, book, text):
    res = message(cli, book, text)
    assert res.code == 0, res.err


def test_branch_names(cli, book):
    assert cli("--root", book, "guard", "branch", "case/MC-2026-0001-review").code == 0
    res = cli("--root", book, "guard", "branch", "case/MC-2026-0001-alex-example")
    assert res.code == 1
    assert "branch name contains a name" in res.err
    res = cli("--root", book, "guard", "branch", "case/robin")
    assert res.code == 0
    assert "does not follow case/<CASE-ID>-<kind>" in res.err


def test_an_unreadable_case_fails_closed(cli, book):
    (book / "cases/MC-2026-0002.yaml").write_text("person: {name: [unclosed\n")
    res = message(cli, book, "MC-2026-0001: fine\n")
    assert res.code == 1
    assert "cannot read cases/MC-2026-0002.yaml" in res.err


def test_missing_message_file_is_a_usage_error(cli, book):
    res = cli("--root", book, "guard", "commit-msg", book / "nope")
    assert res.code == 2
