"""The command layer: help, clear one-line errors for bad config and databases, `tag`, export
neutralisation."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from extract.document import RawPage
from extract.sources.chinadaily import parse_article
from schedules.process import process_pages
from storage.db import Database
from storage.queries import MENTION_COLUMNS, neutralise, write_csv
from storage.sources import ensure_source
from tests.conftest import CLI
from tests.seeding import raw_page


def one_error_line(result) -> str:  # type: ignore[no-untyped-def]
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("Error")]
    assert len(errors) == 1, result.stderr
    return " ".join(lines[lines.index(errors[0]) :])


def test_help_lists_every_command(cli: CLI) -> None:
    out = cli("--help").stdout
    for command in (
        "init",
        "crawl",
        "process",
        "documents",
        "mentions",
        "export",
        "tag",
        "sources",
        "demo",
    ):
        assert f"  {command}" in out
    assert "--max-items" in cli("crawl", "--help").stdout


def test_broken_config_file(cli: CLI, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[crawl\ndownload_delay = 2\n", "utf-8")
    msg = one_error_line(cli("--config", str(bad), "documents", check=False))
    assert "not valid TOML" in msg and str(bad) in msg


def test_unknown_config_key_and_impolite_delay(cli: CLI, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[crawl]\ndownload_dealy = 2\n", "utf-8")
    msg = one_error_line(cli("--config", str(bad), "documents", check=False))
    assert "unknown key [crawl] download_dealy" in msg and "did you mean download_delay?" in msg
    fast = tmp_path / "fast.toml"
    fast.write_text("[crawl]\ndownload_delay = 0.2\n", "utf-8")
    cli.env.pop("POLICYWATCH_ALLOW_FAST_CRAWL")
    msg = one_error_line(cli("--config", str(fast), "documents", check=False))
    assert "1 second minimum" in msg and str(fast) in msg and "[crawl] download_delay" in msg


def test_bad_host_map(cli: CLI) -> None:
    msg = one_error_line(cli("documents", host_map="www.chinadaily.com.cn", check=False))
    assert "POLICYWATCH_HOST_MAP" in msg and "real.host=127.0.0.1:PORT" in msg


def test_unreachable_database(cli: CLI) -> None:
    msg = one_error_line(
        cli("--database", "postgresql://nobody@127.0.0.1:1/nowhere", "documents", check=False)
    )
    assert "Cannot connect to the database" in msg and "127.0.0.1:1" in msg
    assert "start the server" in msg and "[database] url" in msg


def test_invalid_database_url(cli: CLI) -> None:
    msg = one_error_line(cli("--database", "not a url", "documents", check=False))
    assert "not a valid SQLAlchemy URL" in msg


def test_bad_date_option(cli: CLI) -> None:
    result = cli("mentions", "--since", "yesterday", check=False)
    assert result.returncode == 2 and "use YYYY-MM-DD" in result.stderr


def test_tag_prints_json_lines(cli: CLI) -> None:
    out = cli("tag", "--lang", "en", "-", stdin="HSBC's fintech unit applied in Shenzhen.").stdout
    rows = [json.loads(line) for line in out.splitlines()]
    assert {"surface", "label", "entity", "kind", "start", "end"} <= set(rows[0])
    by_surface = {r["surface"]: r for r in rows}
    assert by_surface["HSBC's fintech unit"]["entity"] == "firm:hsbc-fintech"
    assert by_surface["Shenzhen"]["kind"] == "city"
    zh = cli("tag", "-", stdin="特斯拉在上海提交申请。").stdout
    assert {json.loads(line)["entity"] for line in zh.splitlines()} >= {
        "firm:tesla",
        "province:310000",
    }


def test_init_is_idempotent(cli: CLI) -> None:
    first = cli("init").stdout
    assert "migrated" in first or "up to date" in first
    assert "up to date" in cli("init").stdout


def test_neutralise_formula_cells() -> None:
    for dangerous in ('=HYPERLINK("http://x")', "+1+1", "-2", "@SUM(A1)", "\tx", "＝1"):
        assert neutralise(dangerous) == "'" + dangerous
    assert neutralise("Tesla") == "Tesla" and neutralise(3) == 3


def test_export_neutralises_a_formula_title(db_url: str, cli: CLI, tmp_path: Path) -> None:
    """A hostile page title must reach the CSV as text, not as a formula."""
    url = "https://www.chinadaily.com.cn/a/202411/06/WS0123456789abcdef01234567.html"
    html = (
        b"<!-- HAND-WRITTEN FIXTURE --><html><head><meta name='publishdate' "
        b"content='2024-11-06'></head><body><div class='lft_art'><h1>=HYPERLINK(\"http://e"
        b'vil","x")</h1><div id=\'Content\'><p>-Tesla applied in Shanghai.</p></div></div>'
        b"</body></html>"
    )
    assert parse_article([RawPage(url, html)]).title.startswith("=")
    db = Database(db_url)
    with db.session() as s:
        s.add(raw_page(ensure_source(s, "chinadaily").id, url, html))
    process_pages(db)
    db.dispose()
    target = tmp_path / "out.csv"
    cli("export", "mentions", "--format", "csv", "-o", str(target))
    rows = list(csv.DictReader(io.StringIO(target.read_text("utf-8-sig"))))
    assert rows and all(r["title"].startswith("'=HYPERLINK") for r in rows)
    assert all(r["sentence"].startswith("'-Tesla") for r in rows)
    assert list(rows[0]) == MENTION_COLUMNS


def test_write_csv_streams_from_an_iterator() -> None:
    def rows():
        for i in range(3):
            yield {"entity": f"E{i}", "kind": "company"}

    buf = io.StringIO()
    assert write_csv(rows(), buf, MENTION_COLUMNS) == 3
    assert buf.getvalue().count("\r\n") == 4


def test_second_crawl_of_a_source_is_refused(cli: CLI, tmp_path: Path, db_url: str) -> None:
    import fcntl

    from storage.coordination import advisory_lock

    if db_url.startswith("postgresql"):
        # the lock lives in the database, shared by every machine: held here as another
        # machine's crawl holds it
        db = Database(db_url)
        with advisory_lock(db.engine, "crawl:chinadaily"):
            msg = one_error_line(cli("crawl", "chinadaily", check=False))
            both = cli("crawl", "chinadaily", "xinhua", check=False)
            quiet = cli("crawl", "chinadaily", "--skip-if-busy", check=False)
        db.dispose()
        assert "already running" in msg and "another one" in msg
        # for schedulers (the service): a note and EX_TEMPFAIL, not an error
        assert quiet.returncode == 75 and "Error" not in quiet.stderr
        assert "crawl chinadaily: skipped (another crawl of it is running)" in quiet.stdout
        # among several sources the busy one is skipped, the others crawled
        assert "crawl chinadaily: skipped (another crawl of it is running)" in both.stdout
        assert "crawl xinhua:" in both.stdout
        return
    lock = tmp_path / "home" / "locks" / "crawl-chinadaily.lock"
    lock.parent.mkdir(parents=True)
    with lock.open("w") as held:  # as the service (or another shell) holds it during a crawl
        fcntl.flock(held, fcntl.LOCK_EX)
        msg = one_error_line(cli("crawl", "chinadaily", check=False))
        quiet = cli("crawl", "chinadaily", "--skip-if-busy", check=False)
    assert "already running" in msg
    assert quiet.returncode == 75 and "Error" not in quiet.stderr
    assert "crawl chinadaily: skipped (another crawl of it is running)" in quiet.stdout
