"""`issues sync` under faults: one fault at each request of a scripted run, then a clean re-run.

For every request number k of the scripted run and every kind of fault the fake GitHub can
inject at k (``FAULT_KINDS``: a 502 with nothing done; the request done and then a 502, a
dropped connection or an answer held past the client's timeout; a connection reset), the run
is made once with the fault, then once clean. The end state must be the state a run without
faults gives: 0 duplicate issues, 0 duplicate comments, 0 half-updated issues, 0 lost updates
(and that state is final: after the run without faults a third run writes nothing). It is
done with the client's retries on (the shape of a CI run) and off (so that every fault stops
the run part-way and the re-run has to repair it).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest

from casebook.errors import GitHubError
from casebook.github.client import RestGitHub, RetryPolicy
from casebook.github.issues import LABEL, key_of, render, sync
from tests.github.server import FAULT_KINDS, FakeGitHub, Running, openapi, serve
from tests.github.test_issues import AS_OF, ob

# The faulted run's timeout: short, so that 2 x 5 x ~20 runs stay within seconds, and the held
# answer well beyond it. Not shorter: the fake does the request before holding the answer,
# and on a busy machine (the suite runs on every core; the first sight of an exchange is
# checked against GitHub's OpenAPI description) a 0.3 s timeout sometimes fired before the
# fake had done it, which then landed after the clean re-run had looked.
TIMEOUT = 1.0
HANG = 2.5


def _issue(fake: FakeGitHub, o: Any, state: str = "open", as_of: date = AS_OF) -> None:
    title, body = render(o, as_of)
    issue = fake.add_issue(title, body, [LABEL], state=state)
    if state == "closed":
        issue["state_reason"] = "completed"


def busy(fake: FakeGitHub) -> list[Any]:
    """Every kind of change at once: open, update with a comment, reopen, close (met, duplicate,
    gone); the label exists. Returns the obligations."""
    _issue(fake, ob(case="MC-2026-0001", due=date(2026, 6, 5)))  # due date moves to 12 June
    _issue(fake, ob(case="MC-2026-0002", due=date(2026, 6, 10)), state="closed")  # due again
    _issue(fake, ob(case="MC-2026-0003"))  # met: close
    _issue(fake, ob(case="MC-2026-0004", due=date(2026, 6, 8)))  # kept
    _issue(fake, ob(case="MC-2026-0004", due=date(2026, 6, 8)))  # its duplicate: close
    _issue(fake, ob(case="MC-2026-0005"))  # no longer arises: close
    return [
        ob(case="MC-2026-0001", due=date(2026, 6, 12)),
        ob(case="MC-2026-0002", due=date(2026, 6, 10)),
        ob(case="MC-2026-0003", met=True),
        ob(case="MC-2026-0004", due=date(2026, 6, 8)),
        ob(case="MC-2026-0006", due=date(2026, 5, 20)),  # new, overdue: open
    ]


def fresh(fake: FakeGitHub) -> list[Any]:
    """A repository with no label and no issues: create the label, open two issues."""
    return [ob(case="MC-2026-0007"), ob(case="MC-2026-0008", due=date(2026, 6, 2))]


SCENARIOS: dict[str, Callable[[FakeGitHub], list[Any]]] = {"busy": busy, "fresh": fresh}


# The clean runs have no held answer to wait out: a long timeout costs them nothing, and keeps a
# busy machine (the suite runs on every core) from turning a slow answer into a failed re-run.
CALM_TIMEOUT = 10.0


def client(url: str, retries: int, timeout: float = TIMEOUT) -> RestGitHub:
    return RestGitHub(
        token="test-token",
        api_url=url,
        sleep=lambda s: None,
        clock=lambda: 1000.0,
        timeout=timeout,
        retry=RetryPolicy(max_retries=retries, max_wait=30.0),
    )


def run_sync(gh: RestGitHub, obligations: list[Any]) -> Any:
    # One client for the runs of a scenario: building an httpx client takes a fifth of a
    # second (its TLS context), which over hundreds of runs is most of the test's time. Each
    # run is still its own plan from a fresh listing, as a new process would make.
    return sync(gh, "o/r", obligations, AS_OF, 14, True)


@dataclass
class Outcome:
    snapshot: dict[str, list[tuple[Any, ...]]]  # key -> its issues (number order)
    comments: dict[str, Counter[str]]  # key -> every comment on its issues
    failed: str | None  # the first run's error, if it stopped
    writes_after: int  # POST/PATCH made by a third run (must be 0; only run without a fault)
    violations: list[str]
    triggered: bool  # the fault was reached


def snapshot(fake: FakeGitHub) -> tuple[dict[str, list[tuple[Any, ...]]], dict[str, Counter[str]]]:
    issues: dict[str, list[tuple[Any, ...]]] = {}
    comments: dict[str, Counter[str]] = {}
    for n, i in sorted(fake.issues.items()):
        key = key_of(i["body"]) or f"#{n}"
        labels = tuple(sorted(lab["name"] for lab in i["labels"]))
        issues.setdefault(key, []).append(
            (n, i["title"], i["body"], i["state"], i.get("state_reason"), labels)
        )
        comments.setdefault(key, Counter()).update(fake.comments.get(n, []))
    return issues, comments


def play(
    running: Running, calm: RestGitHub, scenario: str, retries: int, k: int | None, kind: str
) -> Outcome:
    """One scenario on a new fake GitHub (served by the module's server): the run with the
    fault at request ``k`` (None: no fault), a clean re-run, and a third run that must find
    nothing to write. The clean runs use ``calm``, a client with a long timeout, made once
    per test (a client costs a fifth of a second to build)."""
    fake = FakeGitHub()
    fake.hang = HANG
    fake.base_url = running.url
    running.server.set_app(fake)
    obligations = SCENARIOS[scenario](fake)
    if scenario == "fresh":
        fake.labels.clear()
    if k is not None:
        fake.fault_at[k] = kind
    failed = None
    gh = client(running.url, retries)
    try:
        run_sync(gh, obligations)
    except GitHubError as exc:  # any other exception fails the test
        failed = str(exc)
    triggered = k is not None and fake.count >= k
    fake.fault_at.clear()
    gh.close()
    gh = calm
    try:
        run_sync(gh, obligations)  # the clean re-run
    except GitHubError as exc:
        raise AssertionError(f"the clean re-run failed after {failed!r}: {exc}") from exc
    writes = 0
    if k is None:
        # A third run finds nothing to write. Checked on the run without faults only: a
        # faulted run that ends in the same state would plan the same (nothing) from it.
        before = len(fake.seen)
        run_sync(gh, obligations)
        writes = sum(s.method in ("POST", "PATCH") for s in fake.seen[before:])
    issues, comments = snapshot(fake)
    return Outcome(issues, comments, failed, writes, fake.violations, triggered)


def counts(base: Outcome, got: Outcome) -> dict[str, int]:
    """The four numbers the issue asks for, counted against a run without faults."""
    dup_issues = sum(
        max(0, len(got.snapshot.get(k, [])) - len(v)) for k, v in base.snapshot.items()
    ) + sum(len(v) for k, v in got.snapshot.items() if k not in base.snapshot)
    dup_comments = sum(
        max(0, got.comments.get(k, Counter())[c] - n)
        for k, cs in base.comments.items()
        for c, n in cs.items()
    ) + sum(
        n
        for k, cs in got.comments.items()
        for c, n in cs.items()
        if c not in base.comments.get(k, {})
    )
    half = 0
    lost = 0
    for key, issues in base.snapshot.items():
        mine = got.snapshot.get(key, [])
        if not mine:
            lost += 1
            continue
        half += sum(a[1:] != b[1:] for a, b in zip(issues, mine, strict=False))
        lost += sum(
            max(0, n - got.comments.get(key, Counter())[c]) for c, n in base.comments[key].items()
        )
    return {
        "duplicate issues": dup_issues,
        "duplicate comments": dup_comments,
        "half-updated issues": half,
        "lost updates": lost,
    }


@pytest.fixture(scope="module")
def running() -> Iterator[Running]:
    """One server for the module; each run swaps in a new fake GitHub (``play``)."""
    openapi()  # build the validator once, before any request is timed
    with serve(FakeGitHub()) as r:
        yield r


CASES = [("busy", kind, retries) for kind in FAULT_KINDS for retries in (0, 3)] + [
    ("fresh", kind, 0) for kind in FAULT_KINDS
]


@pytest.mark.parametrize(
    ("scenario", "kind", "retries"), CASES, ids=[f"{s}-{k}-retries{r}" for s, k, r in CASES]
)
def test_one_fault_at_every_step_then_one_clean_run_ends_clean(running, scenario, kind, retries):
    calm = client(running.url, retries, CALM_TIMEOUT)
    try:
        _every_step(running, calm, scenario, kind, retries)
    finally:
        calm.close()


def _every_step(running: Running, calm: RestGitHub, scenario: str, kind: str, retries: int) -> None:
    base = play(running, calm, scenario, retries, None, kind)
    assert base.failed is None and base.violations == []
    assert base.writes_after == 0
    k = 0
    stopped = 0
    while True:
        k += 1
        got = play(running, calm, scenario, retries, k, kind)
        if not got.triggered:
            break  # k is past the last request of the run
        where = f"{scenario}, fault {kind} at request {k}, retries={retries}"
        assert got.violations == [], where
        assert counts(base, got) == {
            "duplicate issues": 0,
            "duplicate comments": 0,
            "half-updated issues": 0,
            "lost updates": 0,
        }, where
        assert got.snapshot == base.snapshot, where
        if got.failed is not None:
            stopped += 1
            # A clear message: what failed, and (once writing began) how far the run got.
            assert "GitHub" in got.failed and "Traceback" not in got.failed, got.failed
    assert k > 5  # the scripted run really has steps
    if retries == 0:
        assert stopped > 0  # without retries the faults do stop runs part-way


def test_the_scenario_covers_every_kind_of_write(running):
    fake = FakeGitHub()
    fake.base_url = running.url
    running.server.set_app(fake)
    obligations = busy(fake)
    result = run_sync(client(running.url, 0), obligations)
    assert result.counts() == {"create": 1, "update": 1, "reopen": 1, "close": 3, "keep": 1}
    writes = [(s.method, s.path) for s in fake.seen if s.method != "GET"]
    # Comment first, then the PATCH of the same issue, for each change that has a comment.
    posts = [i for i, w in enumerate(writes) if w[1].endswith("/comments")]
    assert len(posts) == 5
    for i in posts:
        assert writes[i + 1] == ("PATCH", writes[i][1].removesuffix("/comments"))
