"""The floor set installs and works: requirements/floors.txt in a fresh environment.

Every lower bound in pyproject.toml is pinned exactly in requirements/floors.txt. This module
installs casebook[pdf] from a copy of this checkout with those constraints into a new virtual
environment, offline, from the wheels `.ci/install` downloads into build/floor-wheels (tests
must not download), checks that the floors really are what got installed, and runs a smoke
subset with the environment's own `casebook` command: `check` on the demo, letters as HTML and
PDF (WeasyPrint at its floor), and the staff site (MkDocs and Material at theirs).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from filelock import FileLock

REPO = Path(__file__).resolve().parents[2]
FLOORS = REPO / "requirements" / "floors.txt"
WHEELS = REPO / "build" / "floor-wheels"
DEMO_CASE = "CR-2025-0001"

pytestmark = pytest.mark.install


def norm(name: str) -> str:
    """A project name as PEP 503 normalises it: `ruamel.yaml` and `Ruamel_YAML` are one."""
    return re.sub(r"[-_.]+", "-", name).lower()


def floors() -> dict[str, str]:
    """Parse requirements/floors.txt: {normalised project name: exact version}.

    Raises ValueError naming the line for anything but `name==version` (comments allowed).
    """
    pins: dict[str, str] = {}
    for number, raw in enumerate(FLOORS.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        m = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([0-9][0-9A-Za-z.]*)", line)
        if not m:
            raise ValueError(f"{FLOORS}:{number}: expected NAME==VERSION, got {raw!r}")
        pins[norm(m[1])] = m[2]
    return pins


def _env() -> dict[str, str]:
    """The environment for the fresh venv: no machine pip config, no index, no PYTHONPATH.

    PYTHONPATH is dropped so that `casebook` runs the installed copy, not this checkout;
    PIP_* and the config file are dropped so that only build/floor-wheels is used.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_") and k != "PYTHONPATH"}
    env.update(
        PIP_CONFIG_FILE=os.devnull,
        PIP_NO_INDEX="1",
        PIP_FIND_LINKS=str(WHEELS),
        PIP_DISABLE_PIP_VERSION_CHECK="1",
    )
    return env


@pytest.fixture(scope="session")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new virtual environment with casebook[pdf] installed at the floors; returns its bin/.

    Made once per run, not once per pytest-xdist worker (about 30 s each): the first worker
    builds it under the run's shared temporary folder while holding a lock, the others wait
    and use it (pytest-xdist's documented recipe for a fixture made once)."""
    if not any(WHEELS.glob("*.whl")):
        message = f"no wheels in {WHEELS}: `bash .ci/install` downloads the floor set there"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    # The run's own folder: under pytest-xdist each worker's base is a sub-folder of it.
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    with FileLock(shared / "floors.lock"):
        tmp = shared / "floors"
        bin_dir = tmp / "venv" / "bin"
        if (tmp / "installed").exists():
            return bin_dir
        if tmp.exists():
            shutil.rmtree(tmp)  # a worker that failed half-way: start again
        tmp.mkdir()
        _install(tmp)
        (tmp / "installed").touch()
        return bin_dir


def _install(tmp: Path) -> None:
    # A copy, so that building casebook writes nothing into the checkout.
    src = tmp / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, src / name)
    shutil.copytree(
        REPO / "tooling",
        src / "tooling",
        ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"),
    )
    subprocess.run([sys.executable, "-m", "venv", str(tmp / "venv")], check=True)
    bin_dir = tmp / "venv" / "bin"
    done = subprocess.run(
        [str(bin_dir / "python"), "-m", "pip", "install", "--quiet", "-c", str(FLOORS),
         f"{src}[pdf]"],
        env=_env(), capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, f"the floor set does not install:\n{done.stdout}\n{done.stderr}"


def run(bin_dir: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    """Run the fresh environment's own `casebook` command."""
    return subprocess.run(
        [str(bin_dir / "casebook"), *map(str, args)],
        env=_env(), capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("demo")
    for name in ("policy", "cases", "site"):
        shutil.copytree(REPO / name, root / name)
    return root


def test_floors_are_what_got_installed(venv: Path) -> None:
    listed = subprocess.run(
        [str(venv / "python"), "-m", "pip", "list", "--format=json"],
        env=_env(), capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    installed = {norm(p["name"]): p["version"] for p in json.loads(listed)}
    wrong = {name: installed.get(name) for name, v in floors().items() if installed.get(name) != v}
    assert not wrong, f"installed versions differ from requirements/floors.txt: {wrong}"
    where = subprocess.run(
        [str(venv / "python"), "-c", "import casebook; print(casebook.__file__)"],
        env=_env(), capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert str(venv.parent) in where, f"casebook imported from outside the fresh venv: {where}"


def test_floors_match_pyproject() -> None:
    """Every `name>=X` in pyproject.toml's runtime and pdf dependencies is pinned at X."""
    import tomllib

    from packaging.version import Version

    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pins = floors()
    for spec in [*project["dependencies"], *project["optional-dependencies"]["pdf"]]:
        m = re.match(r"([A-Za-z0-9._-]+)(?:\[[^\]]*\])?\s*>=\s*([0-9][0-9A-Za-z.]*)", spec)
        assert m, f"pyproject.toml: {spec!r} has no floor"
        name = norm(m[1])
        pinned = pins.get(name)
        assert pinned and Version(pinned) == Version(m[2]), (
            f"floors.txt pins {name}=={pinned}, pyproject.toml says {spec!r}"
        )


def test_check_on_the_demo(venv: Path, demo: Path) -> None:
    done = run(venv, "--root", demo, "check", "--as-of", "2026-11-23")
    assert done.returncode == 0, done.stdout + done.stderr
    assert " 0 error(s)" in done.stdout


def test_letter_as_html_and_pdf(venv: Path, demo: Path, tmp_path: Path) -> None:
    for fmt in ("html", "pdf"):
        out = tmp_path / fmt
        done = run(venv, "--root", demo, "letters", DEMO_CASE, "--format", fmt, "--out", out,
                   "--as-of", "2026-11-23")  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        letters = sorted((out / DEMO_CASE).glob(f"*.{fmt}"))
        assert letters, f"no {fmt} letter written: {done.stdout}"
        data = letters[0].read_bytes()
        if fmt == "pdf":
            assert data.startswith(b"%PDF-") and len(data) > 2000
        else:
            assert b"<html" in data.lower()


def test_staff_site_builds(venv: Path, demo: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    done = run(venv, "--root", demo, "site", "build", "--audience", "staff", "--out", out)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (out / "index.html").is_file()
    assert (out / "search" / "search_index.json").is_file()
