"""`export -o PATH` writes where it is told: a regular file is replaced atomically, standard
output, a named pipe or a device is written in place, a symlink is followed and stays a link."""

from __future__ import annotations

import csv
import io
import os
import stat
import threading
from pathlib import Path

from tests.conftest import CLI
from tests.test_hostile_text import seed_hostile


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def test_regular_file_replaced_atomically(db_url: str, cli: CLI, tmp_path: Path) -> None:
    seed_hostile(db_url)
    target = tmp_path / "out.csv"
    target.write_text("old", "utf-8")
    target.chmod(0o640)
    cli("export", "mentions", "-o", str(target))
    assert len(rows_of(target.read_text("utf-8-sig"))) == 3
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []


def test_symlink_is_followed_not_replaced(db_url: str, cli: CLI, tmp_path: Path) -> None:
    seed_hostile(db_url)
    real = tmp_path / "data" / "mentions.csv"
    real.parent.mkdir()
    real.write_text("old", "utf-8")
    link = tmp_path / "latest.csv"
    link.symlink_to(real)
    cli("export", "mentions", "-o", str(link))
    assert link.is_symlink() and link.resolve() == real.resolve()
    assert len(rows_of(real.read_text("utf-8-sig"))) == 3


def test_named_pipe_is_written_in_place(db_url: str, cli: CLI, tmp_path: Path) -> None:
    seed_hostile(db_url)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []

    def read() -> None:
        with open(fifo, "rb") as fh:
            received.append(fh.read())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    result = cli("export", "mentions", "--format", "json", "-o", str(fifo), check=False)
    if not received:  # the command never opened the pipe: unblock the reader
        with open(fifo, "wb"):
            pass
    reader.join(10)
    assert result.returncode == 0, result.stderr
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert b'"sentence"' in received[0]


def test_stdout_and_devices_in_place(db_url: str, cli: CLI) -> None:
    seed_hostile(db_url)
    for name in ("-", "/dev/stdout"):
        out = cli("export", "mentions", "-o", name).stdout
        assert len(rows_of(out)) == 3
    cli("export", "mentions", "-o", "/dev/null")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    assert not Path("/dev/null.part").exists()
