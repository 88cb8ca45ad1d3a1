"""The Makefile's quickstart explains itself: a Python older than 3.11 (or none) is named with what
is needed, and a .venv made by another Python is made again, once. Run on a copy of the Makefile
in a scratch directory, with stand-in interpreters for the old and the foreign Python."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

MAKEFILE = Path(__file__).resolve().parent.parent / "Makefile"
pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def base_python() -> str:
    """The interpreter this test venv was made from (what `make` would be given as PYTHON)."""
    for name in (f"python{sys.version_info.major}.{sys.version_info.minor}", "python3"):
        candidate = Path(sys.base_prefix) / "bin" / name
        if candidate.exists():
            return str(candidate)
    pytest.skip("no base interpreter found")


def stand_in(path: Path, version: str, which: str) -> Path:
    """An executable that answers like a Python of `version` whose WHICH line is `which`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "#!/bin/sh\n"
        f'[ "$1" = --version ] && {{ echo "Python {version}"; exit 0; }}\n'
        f'case "$2" in *base_prefix*) echo "{which}"; exit 0;; esac\n'
        "exit 1\n"
    )
    path.chmod(0o755)
    return path


def make(workdir: Path, python: str) -> subprocess.CompletedProcess:
    shutil.copy(MAKEFILE, workdir / "Makefile")
    # A make that runs this suite exports its command-line variables (CI's VENV=.venv-newest):
    # drop them, so that the copy sees only what is given here.
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("MAKE", "VIRTUAL_ENV")) and key not in ("VENV", "PYTHON")
    }
    return subprocess.run(
        ["make", "--no-print-directory", ".venv/.python", "VENV=.venv", f"PYTHON={python}"],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize(
    ("python", "says"),
    [
        ("old", "armswing needs Python ≥ 3.11; {python} is Python 3.10.12."),
        ("missing", "armswing needs Python ≥ 3.11; {python} is not installed."),
    ],
)
def test_an_old_or_missing_python_is_named_with_what_is_needed(tmp_path, python, says):
    interpreter = str(stand_in(tmp_path / "bin" / "python3.10", "3.10.12", "(3, 10) /usr"))
    if python == "missing":
        interpreter = str(tmp_path / "bin" / "python3.77")
    done = make(tmp_path, interpreter)
    assert done.returncode != 0
    assert done.stderr.splitlines()[0] == says.format(python=interpreter)
    assert "make run PYTHON=python3.12" in done.stderr
    assert not (tmp_path / ".venv").exists()


def test_a_venv_made_by_another_python_is_made_again_once(tmp_path):
    stand_in(tmp_path / ".venv" / "bin" / "python", "3.12.1", "(3, 12) /opt/python3.12")
    (tmp_path / ".venv" / "bin" / "armswing").write_text("left over")
    python = base_python()

    done = make(tmp_path, python)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [f".venv was made by another Python: making it again with {python}"]
    assert not (tmp_path / ".venv" / "bin" / "armswing").exists()
    rebuilt = subprocess.run(
        [str(tmp_path / ".venv" / "bin" / "python"), "-c", "import sys; print(sys.prefix != sys.base_prefix)"],
        capture_output=True,
        text=True,
    )
    assert rebuilt.stdout.strip() == "True"  # a real venv now
    stamp = tmp_path / ".venv" / ".python"
    assert stamp.read_text().startswith(str(sys.version_info[:2]))

    before = stamp.stat().st_mtime_ns
    again = make(tmp_path, python)
    assert again.returncode == 0 and again.stdout == ""
    assert stamp.stat().st_mtime_ns == before  # unchanged: the install that depends on it is not redone
