"""Two record commands on one case at once: neither edits from a stale record, neither loses
the other's event (the file's lock, ``store.locks``, held from the re-read to the rename)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
import yaml

from casebook.check.loading import require
from casebook.errors import RecordError
from casebook.records.edits import AppendEvents, apply, plan_edit, plan_new
from casebook.store import locks, temporary

CASE = "MC-2026-0001"


def _contact(day: str) -> dict[str, object]:
    return {
        "date": date.fromisoformat(day),
        "type": "contact",
        "time": "09:30",
        "channel": "email",
        "to": "mgr-basil",
        "summary": "Asked about the complaint",
    }


def test_a_record_written_by_another_command_after_loading_is_edited_as_it_is_now(cli, mini):
    # Found by the sweep: six `log contact` runs at once; one placed its event by the dates
    # of the record it had loaded, in the text another run had just written, and failed with
    # a false "events are a history: keep them in date order". The change is now made to the
    # record as the other command left it, so it lands in date order and nothing is lost.
    book = require(mini)
    assert book.file_for(CASE) is not None and book.file_for(CASE).case is not None
    # Another command records a later contact in between.
    res = cli(
        "--root", mini, "log", "contact", CASE, "--date", "2026-03-20", "--time", "09:30",
        "--channel", "email", "--to", "mgr-basil", "--summary", "Asked again",
        "--as-of", "2026-04-01",
    )  # fmt: skip
    assert res.code == 0, res.err
    edit = plan_edit(book, CASE, AppendEvents((_contact("2026-03-18"),)), date(2026, 4, 1))
    assert edit.ok, [x.as_text() for x in edit.new_errors]
    apply(edit)
    case = require(mini).file_for(CASE).case
    summaries = [e.summary for e in case.events if e.type == "contact"]
    assert summaries[-2:] == ["Asked about the complaint", "Asked again"]


def test_a_change_made_after_the_plan_is_kept_when_the_plan_is_written(cli, mini):
    # The lost update: a plan made from the old bytes, another command writes, then the plan
    # is written. Before the lock the second write failed ("changed while ..."): now it is
    # made again, under the lock, to what the other command wrote; both events stay.
    edit = plan_edit(require(mini), CASE, AppendEvents((_contact("2026-03-18"),)), date(2026, 4, 1))
    assert edit.ok
    res = cli(
        "--root", mini, "log", "contact", CASE, "--date", "2026-03-20", "--time", "09:30",
        "--channel", "email", "--to", "mgr-basil", "--summary", "Asked again",
        "--as-of", "2026-04-01",
    )  # fmt: skip
    assert res.code == 0, res.err
    written = apply(edit)
    assert written is not edit
    text = (mini / f"cases/{CASE}.yaml").read_text()
    assert text.index("Asked about the complaint") < text.index("Asked again")
    assert not _lock_files(mini)


# --- real processes -----------------------------------------------------------------------

PATH = f"cases/{CASE}.yaml"


def _log(root: Path, summary: str, day: str = "2026-03-20") -> list[str]:
    return [
        sys.executable, "-m", "casebook", "--root", str(root), "log", "contact", CASE,
        "--date", day, "--time", "09:30", "--channel", "email", "--to", "mgr-basil",
        "--summary", summary, "--as-of", "2026-04-01",
    ]  # fmt: skip


def _env(timeout: float) -> dict[str, str]:
    return dict(os.environ, CASEBOOK_LOCK_TIMEOUT=str(timeout))


def _lock_files(root: Path) -> list[str]:
    return sorted(p.name for p in root.rglob(f"{locks.PREFIX}*"))


def _run(args: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, capture_output=True, text=True, env=_env(timeout), timeout=120, check=False
    )


def test_a_held_lock_makes_a_record_command_give_up_and_write_nothing(mini):
    path = mini / PATH
    before = path.read_bytes()
    with locks.hold(path, PATH):
        started = time.monotonic()
        done = _run(_log(mini, "Asked while another command wrote"), timeout=1)
        waited = time.monotonic() - started
    assert done.returncode == 1, done.stderr
    assert done.stderr.strip() == (
        f"casebook: another casebook command is writing {PATH}; try again (nothing was written)"
    )
    assert "Traceback" not in done.stderr
    assert waited >= 1
    assert path.read_bytes() == before
    assert not _lock_files(mini)


def test_fmt_and_purge_wait_for_the_lock_too(mini):
    path = mini / PATH
    path.write_bytes(path.read_bytes().replace(b"summary:", b"summary:  ", 1))  # not canonical
    before = path.read_bytes()
    base = [sys.executable, "-m", "casebook", "--root", str(mini)]
    with locks.hold(path, PATH):
        fmt = _run([*base, "fmt", str(path)], timeout=0.5)
        purge = _run([*base, "purge", CASE, "--ground", "erasure request"], timeout=0.5)
    assert fmt.returncode == 1, fmt.stderr
    assert f"another casebook command is writing {PATH}; try again" in fmt.stderr
    assert purge.returncode == 1, purge.stderr
    assert f"another casebook command is writing {PATH}; try again" in purge.stderr
    assert path.read_bytes() == before
    assert not (mini / "policy" / "deletion-log.yaml").exists()
    # Once the lock is free, both go through.
    assert _run([*base, "fmt", str(path)], timeout=5).returncode == 0
    assert path.read_bytes() != before


def test_a_waiting_command_writes_once_the_lock_is_let_go(mini):
    path = mini / PATH
    before = path.read_bytes()
    with locks.hold(path, PATH):
        waiting = subprocess.Popen(
            _log(mini, "Asked while another command wrote"),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_env(60),
        )
        # Long enough for it to load the casebook and reach the lock (a second or so).
        time.sleep(4)
        assert waiting.poll() is None, waiting.communicate()
        assert path.read_bytes() == before
    _out, err = waiting.communicate(timeout=120)
    assert waiting.returncode == 0, err
    assert "Asked while another command wrote" in path.read_text()
    assert not _lock_files(mini)


def test_a_lock_left_by_a_killed_process_does_not_block(mini):
    holder = subprocess.Popen(
        [
            sys.executable, "-c",
            "import sys, time; from pathlib import Path; from casebook.store import locks\n"
            f"with locks.hold(Path({str(mini / PATH)!r}), {PATH!r}):\n"
            "    print('held', flush=True); time.sleep(600)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        assert _lock_files(mini) == [f"{locks.PREFIX}{CASE}.yaml.lock"]
        assert _run(_log(mini, "Asked while held"), timeout=0.5).returncode == 1
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
    # The killed holder's lock file is still there (empty), and no obstacle.
    assert _lock_files(mini) == [f"{locks.PREFIX}{CASE}.yaml.lock"]
    assert (mini / "cases" / f"{locks.PREFIX}{CASE}.yaml.lock").read_bytes() == b""
    done = _run(_log(mini, "Asked after the kill"), timeout=5)
    assert done.returncode == 0, done.stderr
    assert "Asked after the kill" in (mini / PATH).read_text()
    assert not _lock_files(mini)


@pytest.mark.parametrize("round_", range(3))
def test_record_commands_racing_on_one_case_keep_every_event(mini, round_):
    # Three `log contact` processes started together on one case: every one succeeds and
    # every event is in the file (before the lock, all but one failed or lost its event).
    summaries = [f"Call {round_}-{n}" for n in range(3)]
    procs = [
        subprocess.Popen(
            _log(mini, s, day=f"2026-03-{20 + n}"),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_env(120),
        )
        for n, s in enumerate(summaries)
    ]
    results = [(p.communicate(timeout=300), p.returncode) for p in procs]
    for (_out, err), code in results:
        assert code == 0, err
    case = require(mini).file_for(CASE).case
    assert case is not None
    logged = [e.summary for e in case.events if e.type == "contact"]
    assert sorted(s for s in logged if s in summaries) == summaries
    days = [e.date for e in case.events]
    assert days == sorted(days)
    assert not _lock_files(mini)


def test_check_does_not_take_a_write_in_progress_for_a_case(cli, mini):
    # `casebook check` run while a record command renames its new copy into place sees that
    # copy in cases/ (a `.casebook-tmp.*` file ending in .yaml); it is not a second case.
    path = mini / PATH
    copy = mini / "cases" / f"{temporary.PREFIX}{os.getpid()}.abc123.{CASE}.yaml"
    copy.write_bytes(path.read_bytes())
    res = cli("--root", mini, "check", "--as-of", "2026-04-01")
    assert res.code == 0, res.out
    assert temporary.PREFIX not in res.out


def test_a_new_case_whose_id_another_command_took_meanwhile_is_not_written_over_it(mini):
    book = require(mini)
    existing = yaml.safe_load((mini / PATH).read_text())
    record = {k: v for k, v in existing.items() if k not in ("id", "events")}
    edit = plan_new(book, record, date(2026, 4, 1))
    assert edit.ok, [x.as_text() for x in edit.new_errors]
    # Another `casebook new` wrote the same next id first.
    edit.path.write_text("# the other command's case\n")
    with pytest.raises(RecordError, match="was made by another command while casebook"):
        apply(edit)
    assert edit.path.read_text() == "# the other command's case\n"
    assert not _lock_files(mini)


def test_check_does_not_take_a_procedure_being_formatted_for_a_procedure(cli, mini):
    # `casebook fmt policy/procedures/X.yaml` renames its new copy into place like a record
    # command: a check at that moment saw the `.casebook-tmp.*.yaml` copy as a second procedure
    # ("procedure id ... must match the file name"), checked 0 cases and exited 2.
    folder = mini / "policy" / "procedures"
    source = sorted(folder.glob("*.yaml"))[0]
    copy = folder / f"{temporary.PREFIX}{os.getpid()}.abc123.{source.name}"
    copy.write_bytes(source.read_bytes())
    res = cli("--root", mini, "check", "--as-of", "2026-04-01", "--no-cache")
    assert res.code == 0, res.out
    assert temporary.PREFIX not in res.out
