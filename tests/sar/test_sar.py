"""`casebook sar`: every case and event about a person, other people marked for redaction."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from casebook.privacy.sar import due_dates

AS_OF = ("--as-of", "2026-04-01")

NEIGHBOUR = """\
id: MC-2026-0002
procedure: mini
service: Housing
person:
  name: Jo Neighbour
  contact: {email: jo@example.net}
  representatives:
    - {name: Alex Example, role: family, contact: {email: alex@example.org}}
referral:
  date: 2026-03-05
  by: mgr-basil
  capacity: staff
  behaviours: [verbal-abuse]
  account: Shouted at staff while Alex Example waited outside <b>loudly</b>
"""

UNRELATED = (
    NEIGHBOUR.replace("MC-2026-0002", "MC-2026-0003")
    .replace("Jo Neighbour", "Sam Stranger")
    .replace("Alex Example", "Pat Other")
    .replace("alex@example.org", "pat@example.net")
    .replace("jo@example.net", "sam@example.net")
)


@pytest.fixture
def book(mini: Path) -> Path:
    case = mini / "cases/MC-2026-0001.yaml"
    text = (
        case.read_text()
        .replace(
            '  contact: {email: alex@example.org, address: "1 Example Street, Exampletown"}\n',
            "  known_as: [Lex]\n"
            '  contact: {email: alex@example.org, address: "1 Example Street, Exampletown"}\n'
            "  representatives:\n    - {name: Robin Advocate, role: advocate}\n",
        )
        .replace(
            "summary: Called about the complaint",
            "summary: Called about the complaint; said Jo Neighbour and Mr Kettle saw it",
        )
    )
    case.write_text(text)
    (mini / "cases/MC-2026-0002.yaml").write_text(NEIGHBOUR)
    (mini / "cases/MC-2026-0003.yaml").write_text(UNRELATED)
    return mini


def run_sar(cli, root: Path, *args: str) -> tuple[str, str]:
    out = root / "bundle-out"
    res = cli("--root", root, "sar", *args, "--out", out, "--no-pdf", *AS_OF)
    assert res.code == 0, res.err
    return res.out, (out / "bundle.md").read_text()


def test_bundle_for_the_subject_and_as_representative(cli, book):
    assert cli("--root", book, "check", *AS_OF).code == 0
    out, md = run_sar(cli, book, "Alex Example", "--received", "2026-03-31")
    assert "2 case(s)" in out
    assert "Alex" not in out  # no personal data on the terminal / in CI logs
    # Their own case, whole: details, referral, every event, letters as a list.
    assert "## MC-2026-0001" in md
    assert "- **Also known as:** Lex" in md
    assert "- **Address:** 1 Example Street, Exampletown" in md
    assert "- **Representative:** Robin Advocate (advocate)" in md  # their own: not redacted
    assert "Restrictions: Contact only through Basil Manager (single point of contact)" in md
    assert "| 10 March 2026 | Stage 1 letter | Amber Manager | email | you |" in md
    assert "from you** (Basil Manager)" in md
    # Other members of the public marked; possible unknown names flagged; staff named.
    assert "said [REDACT: Jo Neighbour] and [CHECK: Mr Kettle] saw it" in md
    assert "Decided by Amber Manager; consulted Cora Governance" in md
    # As a representative: their own entry, and the other person's name marked.
    assert "## MC-2026-0002" in md
    assert "acting for another person ([REDACT: Jo Neighbour])" in md
    assert "- **E-mail:** alex@example.org" in md
    assert "jo@example.net" not in md
    # Text from records cannot inject markup into the HTML/PDF.
    assert "&lt;b&gt;loudly&lt;/b&gt;" in md
    # Not about them at all.
    assert "MC-2026-0003" not in md and "Sam Stranger" not in md
    # One calendar month to answer, three at most if extended.
    assert "**Response due:** 30 April 2026" in md
    assert "at the latest 30 June 2026" in md


def test_found_by_email_or_known_as(cli, book):
    _, md = run_sar(cli, book, "A. Example", "--email", "ALEX@example.org")
    assert "## MC-2026-0001" in md and "## MC-2026-0002" in md
    _, md = run_sar(cli, book, "Lex")
    assert "## MC-2026-0001" in md


def test_found_by_address(cli, book):
    _, md = run_sar(cli, book, "Somebody Else", "--address", "1 example street,  EXAMPLETOWN")
    assert "## MC-2026-0001" in md


def test_someone_only_mentioned_gets_those_entries_only(cli, book):
    _, md = run_sar(cli, book, "Jo Neighbour", "--email", "jo@example.net")
    assert "## MC-2026-0002" in md and "This case is about you." in md
    assert "## MC-2026-0001" in md
    assert "You are named in a case about another person" in md
    first = md[md.index("## MC-2026-0001") :]
    assert "Called about the complaint; said Jo Neighbour and [CHECK: Mr Kettle]" in first
    assert "Stage 1 letter" not in first  # only the entries that name them
    assert "1 Example Street" not in md
    assert "- **Representative:** Alex Example (family)" in md  # their own representative
    assert "MC-2026-0003" not in md


def test_redact_staff(cli, book):
    _, md = run_sar(cli, book, "Alex Example", "--redact-staff")
    assert "Decided by [REDACT: Amber Manager]" in md
    assert "Basil Manager (single point" not in md


def test_nobody_found(cli, book):
    out, md = run_sar(cli, book, "Nobody Known")
    assert "0 case(s)" in out
    assert "No case in the casebook concerns this person." in md


def test_default_folder_has_no_name_in_it(cli, book):
    res = cli("--root", book, "sar", "Alex Example", "--no-pdf", *AS_OF)
    assert res.code == 0, res.err
    (folder,) = (book / "out/sar").iterdir()
    assert folder.name.startswith("sar-2026-04-01-")
    assert "alex" not in folder.name.lower()


@pytest.mark.parametrize(
    ("received", "due", "latest"),
    [
        (date(2026, 1, 31), date(2026, 2, 28), date(2026, 4, 30)),
        (date(2028, 1, 31), date(2028, 2, 29), date(2028, 4, 30)),
        (date(2026, 3, 15), date(2026, 4, 15), date(2026, 6, 15)),
    ],
)
def test_due_dates_are_calendar_months(received, due, latest):
    assert due_dates(received) == (due, latest)


def test_pdf_bundle(cli, book):
    pytest.importorskip("weasyprint")
    out = book / "bundle-pdf"
    res = cli("--root", book, "sar", "Alex Example", "--out", out, *AS_OF)
    assert res.code == 0, res.err
    pdf = (out / "bundle.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-")
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", out / "bundle.pdf", "-"], capture_output=True, text=True, check=True
        ).stdout
        assert "Subject access request" in text
        assert "[REDACT: Jo Neighbour]" in text
        assert "<b>loudly</b>" in text  # shown as text, never read as markup


def test_a_one_word_name_is_not_searched_in_notes(cli, book):
    """Issue 13 kind 9: `sar a` bundled every case whose notes hold the word "a"."""
    out, md = run_sar(cli, book, "a")
    assert "0 case(s)" in out and "## MC-" not in md
    _, md = run_sar(cli, book, "Kettle")  # a word of a note, not anyone's recorded name
    assert "## MC-" not in md


def test_a_case_id_finds_its_person(cli, book):
    _, md = run_sar(cli, book, "MC-2026-0001")
    assert "## MC-2026-0001" in md and "## MC-2026-0002" in md


@pytest.mark.parametrize("where", ["/", "~"])
def test_out_must_be_new_empty_or_ours(cli, book, where):
    target = Path(where).expanduser()
    before = sorted(p.name for p in target.iterdir())
    res = cli("--root", book, "sar", "Alex Example", "--out", target, "--no-pdf", *AS_OF)
    assert res.code == 2 and "was not made by casebook" in res.err
    assert sorted(p.name for p in target.iterdir()) == before


def test_schema_out_refuses_a_folder_with_other_files(cli, book, tmp_path):
    res = cli("--root", book, "schema", "--out", "/")
    assert res.code == 2 and "holds other files" in res.err
    assert not Path("/case.schema.json").exists()
    fresh = tmp_path / "schemas"
    assert cli("--root", book, "schema", "--out", fresh).code == 0
    assert cli("--root", book, "schema", "--out", fresh).code == 0  # again: only ours there


def test_an_unreadable_case_file_makes_the_search_incomplete(cli, book):
    # Found by the sweep: a case about the person with one misspelt key was left out
    # silently; the bundle said "every case file" was searched and the run exited 0.
    case = book / "cases/MC-2026-0002.yaml"
    case.write_text(case.read_text().replace("service: Housing", "servce: Housing"))
    out = book / "bundle-out"
    res = cli("--root", book, "sar", "Jo Neighbour", "--out", out, "--no-pdf", *AS_OF)
    assert res.code == 1, res.err
    assert "cases/MC-2026-0002.yaml" in res.err and "could not be read" in res.err
    assert "Jo Neighbour" not in res.out + res.err  # still no personal data on the terminal
    md = (out / "bundle.md").read_text()
    assert "**except 1 file(s) that could not be read**" in md
    # The readable cases are still searched: MC-2026-0001 names them in a contact.
    assert "## MC-2026-0001" in md
