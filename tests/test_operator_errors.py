"""Operator mistakes end in one clear line, never a traceback: unsupported databases, a file that
is not a database, a database newer than the code, an unwritable data or demo directory, and
`tag` on text of another encoding or over the model's length limit."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from policywatch.textinput import chunks
from tests.conftest import CLI
from tests.test_cli import one_error_line


@pytest.mark.parametrize(
    "url", ["mysql://user:secret@db.example/pw", "oracle://user:secret@db.example/pw"]
)
def test_unsupported_database_says_which_are_supported(cli: CLI, url: str) -> None:
    msg = one_error_line(cli("--database", url, "documents", check=False))
    assert "SQLite or PostgreSQL" in msg and "secret" not in msg


def test_sqlite_file_that_is_not_a_database(cli: CLI, tmp_path: Path) -> None:
    notes = tmp_path / "notes.db"
    notes.write_text("shopping list\n" * 100, "utf-8")
    msg = one_error_line(cli("--database", f"sqlite:///{notes}", "documents", check=False))
    assert "not a usable database" in msg and str(notes) in msg
    assert notes.read_text("utf-8") == "shopping list\n" * 100  # untouched


def test_database_newer_than_the_code(cli: CLI, tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    cli("--database", f"sqlite:///{path}", "init")
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0099'")
    msg = one_error_line(cli("--database", f"sqlite:///{path}", "documents", check=False))
    assert "0099" in msg and "upgrade policywatch" in msg
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [("0099",)]


def test_unwritable_data_dir_with_the_database_elsewhere(
    cli: CLI, tmp_path: Path, db_url: str
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x", "utf-8")
    cli.env["POLICYWATCH_HOME"] = str(blocker / "home")  # cannot be created, even by root
    if db_url.startswith("postgresql"):
        # the locks live in the database: processing needs no data directory
        result = cli("process", check=False)
        assert result.returncode == 0 and "lock file" not in result.stderr, result.stderr
        return
    for command in (["crawl", "chinadaily"], ["process"], ["run", "--once"]):
        msg = one_error_line(cli(*command, check=False))
        assert "lock file" in msg and "POLICYWATCH_HOME" in msg


def test_demo_workdir_unwritable(cli: CLI, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x", "utf-8")
    msg = one_error_line(cli("demo", "--workdir", str(blocker / "demo"), check=False))
    assert "--workdir" in msg


def test_tag_detects_another_encoding(cli: CLI, tmp_path: Path) -> None:
    text = "特斯拉在上海提交申请。匯豐在深圳设立公司。"
    path = tmp_path / "gb.txt"
    path.write_bytes(text.encode("gb18030"))
    result = cli("tag", str(path))
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert {r["entity"] for r in rows} >= {"firm:tesla", "firm:hsbc", "city:440300"}
    assert all(text[r["start"] : r["end"]] == r["surface"] for r in rows)
    assert "gb18030" in result.stderr


def test_tag_refuses_binary_input_in_one_line(cli: CLI, tmp_path: Path) -> None:
    path = tmp_path / "image.bin"
    path.write_bytes(bytes(range(256)) * 20)
    msg = one_error_line(cli("tag", str(path), check=False))
    assert "encoding could not be detected" in msg and "UTF-8" in msg


def test_tag_text_over_the_model_length_limit(cli: CLI, tmp_path: Path) -> None:
    # 1.2 million characters, over spaCy's 1,000,000 (mostly blank so that it tags quickly)
    text = ("Tesla applied in Shanghai.\n" + " " * 200_000 + "\n") * 6
    path = tmp_path / "long.txt"
    path.write_text(text, "utf-8")
    rows = [json.loads(line) for line in cli("tag", "--lang", "en", str(path)).stdout.splitlines()]
    tesla = [r for r in rows if r["entity"] == "firm:tesla"]
    assert len(tesla) == 6
    assert all(text[r["start"] : r["end"]] == r["surface"] for r in rows)


def test_chunks_cover_the_text_at_sentence_ends() -> None:
    text = "One sentence here. " * 50 + "无标点" * 100
    pieces = list(chunks(text, 120))
    assert "".join(p for _o, p in pieces) == text
    assert all(len(p) <= 120 for _o, p in pieces)
    assert all(text[o : o + len(p)] == p for o, p in pieces)
    assert pieces[0][1].endswith(". ")
