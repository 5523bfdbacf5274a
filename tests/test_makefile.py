"""`make setup` checks the Python version first with a clear message, and rebuilds a `.venv` made
by another interpreter (a failed first run with Python 3.10 no longer sticks)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def make(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "--no-print-directory", "-f", str(ROOT / "Makefile"), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def fake_python(path: Path, version_line: str, identity: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "#!/bin/sh\n"
        f'if [ "$1" = "--version" ]; then echo "{version_line}"; exit 0; fi\n'
        # the version check (-c '...version_info < (3, 11)...') fails, identity prints
        f'case "$2" in *version_info\\ \\<*) exit 1;; esac\necho "{identity}"\n',
        "utf-8",
    )
    path.chmod(0o755)
    return path


def test_old_python_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    old = fake_python(tmp_path / "py310", "Python 3.10.14", "/usr 3 10 14")
    result = make(tmp_path, "setup", f"PYTHON={old}")
    assert result.returncode != 0
    assert "needs Python 3.11 or newer" in result.stderr and "3.10.14" in result.stderr
    assert "PYTHON=python3.11" in result.stderr
    assert not (tmp_path / ".venv").exists()  # nothing half-made to trip the next run


def test_venv_of_another_interpreter_is_rebuilt(tmp_path: Path) -> None:
    fake_python(tmp_path / ".venv" / "bin" / "python", "Python 3.10.14", "/usr 3 10 14")
    result = make(tmp_path, "check-python", f"PYTHON={sys.executable}")
    assert result.returncode == 0, result.stderr
    assert "made by another Python" in result.stdout
    assert not (tmp_path / ".venv").exists()


def test_matching_venv_is_kept(tmp_path: Path) -> None:
    base = Path(sys.base_prefix)
    python = next((p for p in (base / "bin" / "python3", base / "bin" / "python") if p.exists()), None)
    if python is None:
        pytest.skip("the base interpreter is not at a known path")
    subprocess.run([str(python), "-m", "venv", "--without-pip", ".venv"], cwd=tmp_path, check=True)
    (tmp_path / ".venv" / "bin" / "pip").write_text("#!/bin/sh\n", "utf-8")
    (tmp_path / ".venv" / "bin" / "pip").chmod(0o755)
    result = make(tmp_path, "check-python", f"PYTHON={python}")
    assert result.returncode == 0, result.stderr
    assert "another Python" not in result.stdout
    assert (tmp_path / ".venv" / "bin" / "python").exists()
