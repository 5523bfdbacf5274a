"""Crawled text is data, never markup: titles, sentences, evidence and errors that look like
Rich markup print literally in every table."""

from __future__ import annotations

from datetime import UTC, datetime

from storage.db import Database
from storage.models import Claim, CrawlRun, Mention
from storage.sources import ensure_source
from tests.conftest import CLI
from tests.seeding import stored_document

TITLE = "x [/] y [bold]z"
SENTENCES = [
    "Tesla [/i] applied.",
    "Tesla [bold]applied[/bold] twice.",
    "Tesla [link=https://evil.example]click[/link] here.",
]


def seed_hostile(db_url: str) -> None:
    """One document whose title and sentences look like markup, as a hostile page would give."""
    db = Database(db_url)
    url = "https://www.chinadaily.com.cn/a/202411/06/WS0123456789abcdef01234567.html"
    now = datetime(2024, 11, 6, 2, 0, tzinfo=UTC)
    with db.session() as s:
        source = ensure_source(s, "chinadaily")
        s.add(
            CrawlRun(
                source_id=source.id,
                started_at=now,
                finished_at=now,
                status="failed",
                counts={"failed": 1},
                last_error="HTTP 500 [/] on [red]page",
            )
        )
        doc = stored_document(
            s,
            source.id,
            url,
            title=TITLE,
            published_at=now,
            text=" ".join(SENTENCES),
            extraction_path="site:chinadaily-en",
            extractor_version="test",
            at=now,
        )
        for sentence in SENTENCES:
            s.add(
                Mention(
                    document_id=doc.id,
                    document_version=1,
                    surface="Tesla [/]",
                    label="ORG",
                    kind="company",
                    start_char=0,
                    end_char=5,
                    sentence=sentence,
                    tagger_version="test",
                )
            )
            s.add(
                Claim(
                    document_id=doc.id,
                    document_version=1,
                    firm_name="Evil [/] Corp [bold]",
                    firm_surface="Evil",
                    programme_name="pilot",
                    status="applied",
                    evidence=sentence,
                    reported_at=now,
                    extractor_version="test",
                )
            )
    db.dispose()


def assert_clean(result) -> str:  # type: ignore[no-untyped-def]
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "MarkupError" not in result.stderr
    return result.stdout


def test_markup_in_crawled_text_prints_literally(db_url: str, cli: CLI) -> None:
    seed_hostile(db_url)
    cli.env["COLUMNS"] = "1000"
    docs = assert_clean(cli("documents", check=False))
    assert TITLE in docs
    mentions = assert_clean(cli("mentions", check=False))
    for sentence in SENTENCES:
        assert sentence in mentions
    assert "(Tesla [/])" in mentions
    firms = assert_clean(cli("firms", check=False))
    assert "Evil [/] Corp [bold]" in firms
    assert "[link=https://evil.example]click[/link]" in firms
    sources = assert_clean(cli("sources", check=False))
    assert "HTTP 500 [/] on [red]page" in sources


def test_paths_with_brackets_print_literally(db_url: str, cli: CLI, tmp_path) -> None:  # type: ignore[no-untyped-def]
    seed_hostile(db_url)
    target = tmp_path / "[bold]out[red].csv"
    result = cli("export", "mentions", "-o", str(target))
    assert f"wrote 3 mentions to {target}" in result.stderr.replace("\n", "")
    assert target.exists()
