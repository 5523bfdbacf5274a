"""Storage: migrations on SQLite and PostgreSQL, upgrades that keep data, UTC round trips."""

from __future__ import annotations

import zlib
from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic import command
from sqlalchemy import select, text

from policywatch.errors import DatabaseError
from storage.db import Database, _alembic_config, make_engine, migrate, schema_state
from storage.models import Document, FetchedPage
from storage.sources import ensure_source


def test_upgrade_from_first_schema_keeps_pages(db_url: str) -> None:
    engine = make_engine(db_url)
    command.upgrade(_alembic_config(engine), "0001")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO sources (name, title, homepage) VALUES "
                "('chinadaily', 'China Daily', 'https://www.chinadaily.com.cn/')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO fetched_pages (source_id, part_no, url, canonical_url, status, "
                "headers, fetched_at, content_hash, body_zlib, discovery) VALUES (1, 1, :u, :u, "
                "200, '{}', :t, 'h', :b, '{}')"
            ),
            {
                "u": "https://www.chinadaily.com.cn/a/202411/06/WS672ab1c4a310f1265a1cd201.html",
                "t": datetime(2024, 11, 6, tzinfo=UTC),
                "b": zlib.compress(b"<html></html>"),
            },
        )
    before, after = migrate(engine)
    assert (before, after) == ("0001", schema_state(engine)[1])
    db = Database(db_url)
    with db.session() as s:
        page = s.scalar(select(FetchedPage))
        assert page is not None and page.kind == "page"
        assert zlib.decompress(page.body_zlib) == b"<html></html>"
    db.dispose()
    engine.dispose()


def test_times_round_trip_as_aware_utc(db_url: str) -> None:
    db = Database(db_url)
    beijing = timezone(timedelta(hours=8))
    with db.session() as s:
        source = ensure_source(s, "chinadaily")
        page = FetchedPage(
            source_id=source.id,
            url="u",
            canonical_url="u",
            status=200,
            headers={},
            content_hash="h",
            body_zlib=b"",
            discovery={},
        )
        s.add(page)
        s.flush()
        s.add(
            Document(
                canonical_url="u",
                source_id=source.id,
                language="en",
                text="",
                extraction_path="x",
                extractor_version="x",
                content_hash="h",
                page_id=page.id,
                published_at=datetime(2024, 11, 6, 20, 13, tzinfo=beijing),
            )
        )
    with db.session() as s:
        doc = s.scalar(select(Document))
        assert doc is not None
        assert doc.published_at == datetime(2024, 11, 6, 12, 13, tzinfo=UTC)
        assert doc.published_at.tzinfo is not None
    db.dispose()


def test_foreign_database_is_not_touched(db_url: str) -> None:
    engine = make_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE documents (id INTEGER PRIMARY KEY)"))
    with pytest.raises(DatabaseError, match="no migration record"):
        migrate(engine)
    engine.dispose()
