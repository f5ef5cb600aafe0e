"""`casebook log contacts --csv`: all rows or none, errors name the CSV line."""

from __future__ import annotations

from pathlib import Path

CASE = "MC-2026-0001"
AS_OF = ("--as-of", "2026-04-01")


def run(cli, root: Path, csv_text: str, *extra: str):
    src = root / "export.csv"
    src.write_text(csv_text, encoding="utf-8")
    return cli("--root", root, "log", "contacts", CASE, "--csv", src, *extra, *AS_OF)


GOOD = """Date,Channel,To,Summary,Minutes,Mailbox folder
2026-03-21 14:05,phone,mgr-basil,Called again about the complaint,12,Inbox
2026-03-20,email,mgr-basil,"E-mail: copied to 12 officers, again",,Inbox
"""


def test_import_sorts_rows_and_skips_those_already_logged(cli, mini):
    path = mini / "cases" / f"{CASE}.yaml"
    res = run(cli, mini, GOOD)
    assert res.code == 0, res.err
    assert "logged 2 contact(s)" in res.out
    text = path.read_text()
    first = text.index("E-mail: copied to 12 officers")
    second = text.index("Called again about the complaint")
    assert first < second  # sorted by date, though the export is newest first
    assert '    time: "14:05"\n    channel: phone\n' in text
    assert "    minutes: 12\n" in text
    assert cli("--root", mini, "check", *AS_OF).code == 0

    again = run(cli, mini, GOOD)
    assert again.code == 0
    assert "nothing to add" in again.out
    assert path.read_text() == text


def test_channel_and_to_for_the_whole_file(cli, mini):
    res = run(cli, mini, "date,summary\n2026-03-20T09:15:00Z,Mailbox message\n",
              "--channel", "email", "--to", "mgr-basil")  # fmt: skip
    assert res.code == 0, res.err
    assert '    time: "09:15"\n    channel: email\n' in (mini / f"cases/{CASE}.yaml").read_text()


BAD = [
    ("date,channel,to,summary\n2026-03-20,phone,x,ok\n16/03/2026,phone,x,bad\n",
     "export.csv line 3: date '16/03/2026' is not YYYY-MM-DD", 2),
    ("date,channel,to,summary\n2026-03-20,phone,x,ok\n2026-03-21,fax,x,bad\n",
     "export.csv line 3: error [reference] events[4].channel: unknown channel 'fax'", 1),
    ("date,channel,to,summary\n2026-03-20,phone,x,ok\n\n2026-03-21,phone,x,\n",
     "export.csv line 4: summary", 2),
    ("date,channel,to,summary\n2026-03-20,phone,x,ok,extra\n",
     "export.csv line 2: 5 values but 4 columns", 2),
    ("date,channel,summary\n2026-03-20,phone,ok\n", "line 1: missing column(s) to", 2),
    ("", "the file is empty", 2),
    ("date,channel,to,summary,minutes\n2026-03-20,phone,x,ok,ten\n",
     "line 2: minutes 'ten' is not a whole number", 2),
    ('date,channel,to,summary\n2026-03-20,phone,x,"multi\nline"\n2026-03-01,phone,x,early\n',
     "export.csv line 4: error [event-order]", 1),
]  # fmt: skip


def test_a_bad_row_names_its_line_and_nothing_is_written(cli, mini):
    path = mini / "cases" / f"{CASE}.yaml"
    before = path.read_bytes()
    for csv_text, words, code in BAD:
        res = run(cli, mini, csv_text)
        assert res.code == code, (csv_text, res.err)
        assert words in res.err, res.err
        assert path.read_bytes() == before


def test_not_utf8(cli, mini):
    src = mini / "export.csv"
    src.write_bytes(b"date,channel,to,summary\n2026-03-20,phone,x,caf\xe9\n")
    res = cli("--root", mini, "log", "contacts", CASE, "--csv", src, *AS_OF)
    assert res.code == 2
    assert "not UTF-8" in res.err


def test_a_column_named_twice_is_refused(cli, mini):
    # Before, the last `date` silently won: the contact was logged on the wrong day.
    res = run(cli, mini, "date,channel,to,summary,Date\n2026-03-20,phone,mgr-basil,Hi,2026-03-21\n")
    assert res.code == 2
    assert "export.csv line 1: column(s) date named more than once" in res.err


def test_an_unterminated_quote_names_its_line(cli, mini):
    # Before, the rest of the file became one cell and the message blamed the channel.
    text = 'date,summary,channel,to\n2026-03-20,"unterminated,phone,mgr-basil\n'
    res = run(cli, mini, text)
    assert res.code == 2
    assert "export.csv line 2" in res.err and "channel" not in res.err


def test_an_endless_file_is_refused_without_reading_it_all(cli, mini):
    res = cli("--root", mini, "log", "contacts", CASE, "--csv", "/dev/zero", *AS_OF)
    assert res.code == 2 and "Traceback" not in res.err
    assert "an import takes at most" in res.err
