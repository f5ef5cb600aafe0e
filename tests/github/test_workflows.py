"""The workflows keep to least privilege and pinned actions (actionlint and zizmor run in CI)."""

from __future__ import annotations

import re

import pytest
import yaml

from tests.conftest import REPO

WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))


def load(path):
    # PyYAML reads the key `on` as True (YAML 1.1); that is fine for what is checked here.
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def steps(wf):
    for job in wf["jobs"].values():
        yield from job.get("steps", [])


def test_the_workflows_exist():
    names = {p.name for p in WORKFLOWS}
    assert {"check.yml", "approvals.yml", "review-due.yml", "site.yml"} <= names


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_least_privilege_and_pinned_actions(path):
    wf = load(path)
    assert wf["permissions"] == {}, "top-level permissions must be {}"
    for name, job in wf["jobs"].items():
        assert "permissions" in job, f"job {name} must declare its own permissions"
        assert "write-all" not in str(job["permissions"])
    text = path.read_text(encoding="utf-8")
    for line in re.findall(r"^\s*(?:- )?uses:\s*(\S+.*)$", text, re.M):
        assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+", line), line
    for step in steps(wf):
        if str(step.get("uses", "")).startswith("actions/checkout@"):
            assert step["with"]["persist-credentials"] is False
        assert "${{" not in str(step.get("run", "")), f"expression expanded in run: {step}"


def test_approvals_runs_the_base_branchs_code_on_reviews_too():
    wf = load(REPO / ".github/workflows/approvals.yml")
    assert set(wf[True]) == {"pull_request", "pull_request_review"}
    (job,) = wf["jobs"].values()
    assert job["permissions"] == {
        "contents": "read",
        "pull-requests": "read",
        "statuses": "write",
    }
    checkouts = [s for s in job["steps"] if str(s.get("uses", "")).startswith("actions/checkout@")]
    assert checkouts[0]["with"]["ref"] == "${{ github.event.pull_request.base.sha }}"
    assert checkouts[1]["with"]["fetch-depth"] == 0
    install = next(s for s in job["steps"] if "pip install" in str(s.get("run", "")))
    lines = install["run"].replace("\\\n", " ").split("\n")
    # The lock and the code both come from the base branch, never from the pull request.
    assert any("--require-hashes" in x and "-r trusted/requirements/lock.txt" in x for x in lines)
    assert any("--no-deps" in x and x.rstrip().endswith("./trusted") for x in lines)


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_pip_install_is_from_a_hashed_lock(path):
    """`pip install` of anything but casebook itself takes `--require-hashes -r LOCK`."""
    locked = re.compile(r"--require-hashes .*-r \S*requirements/[\w-]*lock\.txt")
    for step in steps(load(path)):
        run = str(step.get("run", "")).replace("\\\n", " ")
        for line in run.splitlines():
            if "pip install" not in line:
                continue
            if "--no-deps" in line:
                assert "--no-build-isolation" in line, line  # no unpinned setuptools either
            else:
                assert locked.search(line), line


def test_review_due_is_daily_off_the_hour_and_serialised():
    wf = load(REPO / ".github/workflows/review-due.yml")
    (cron,) = [c["cron"] for c in wf[True]["schedule"]]
    minute = cron.split()[0]
    assert minute not in ("0", "*") and "workflow_dispatch" in wf[True]
    assert wf["concurrency"]["cancel-in-progress"] is False
    (job,) = wf["jobs"].values()
    assert job["permissions"] == {"contents": "read", "issues": "write"}
    assert "--apply" in job["steps"][-1]["run"]


def test_approvals_reruns_on_every_event_that_can_change_the_answer_and_fails_closed():
    wf = load(REPO / ".github/workflows/approvals.yml")
    on = wf[True]
    # edited: the base branch can be changed, and the roles and decisions are read against it
    assert {"opened", "synchronize", "reopened", "ready_for_review", "edited"} <= set(
        on["pull_request"]["types"]
    )
    assert {"submitted", "edited", "dismissed"} <= set(on["pull_request_review"]["types"])
    (job,) = wf["jobs"].values()
    first, last = job["steps"][0], job["steps"][-1]
    assert "state=pending" in first["run"] and "context=casebook/approvals" in first["run"]
    assert "always()" in last["if"] and "steps.approvals.outcome" in last["if"]
    assert "state=error" in last["run"]
    run = next(s for s in job["steps"] if s.get("id") == "approvals")
    assert '--head-sha "$HEAD_SHA"' in run["run"]


def test_the_required_check_judges_the_pull_request_not_the_calendar():
    wf = load(REPO / ".github/workflows/check.yml")
    assert "edited" in wf[True]["pull_request"]["types"]  # a new base is a new comparison
    (job,) = wf["jobs"].values()
    checkout = next(s for s in job["steps"] if str(s.get("uses", "")).startswith("actions/"))
    assert checkout["with"]["fetch-depth"] == 0
    assert job["steps"][-1]["run"] == 'casebook check --changed-since "$BASE_SHA"'
    assert job["steps"][-1]["env"]["BASE_SHA"] == "${{ github.event.pull_request.base.sha }}"
