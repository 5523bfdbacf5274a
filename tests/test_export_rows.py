"""The CSV export's fast paths write exactly what the plain csv module would: the rows read from
the driver's cursor (SQLite, PostgreSQL) and, on PostgreSQL, the rows made by the server with
COPY. The seeded rows are hand-written edge cases (not real pages): formula cells, empty and
missing values, quotes and line breaks inside cells, dates with and without microseconds, a
document without a date, Chinese text."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from storage.db import Database
from storage.models import Entity, Mention
from storage.queries import (
    MENTION_COLUMNS,
    MentionFilter,
    copy_mentions_csv,
    iter_mention_rows,
    neutralise,
    write_csv_rows,
)
from storage.sources import ensure_source
from tests.seeding import stored_document

# (title, published_at, surface, sentence, entity name or None, entity_zh)
DOCS = [
    (
        '=HYPERLINK("http://example.invalid")',
        datetime(2024, 11, 6, 2, 0, tzinfo=UTC),
        "Tesla",
        '-Tesla said "yes",\r\nthen left.',
        "Tesla",
        "",
    ),
    (
        "Plain, with a comma",
        datetime(2024, 11, 5, 2, 0, 0, 120, tzinfo=UTC),
        "@Acme",
        "Acme applied.",
        None,
        None,
    ),
    ("特斯拉获批", None, "特斯拉", "＝特斯拉获批试点。", "Tesla", "特斯拉"),
    ("", datetime(2023, 1, 1, tzinfo=UTC), "", "", None, None),
]


def seed(url: str) -> None:
    db = Database(url)
    with db.session() as s:
        source = ensure_source(s, "chinadaily")
        tesla = Entity(key="firm:tesla", name="Tesla", name_zh="特斯拉", kind="company")
        s.add(tesla)
        s.flush()
        for i, (title, published, surface, sentence, entity, _zh) in enumerate(DOCS):
            doc = stored_document(
                s,
                source.id,
                f"https://www.chinadaily.com.cn/a/202411/06/WS{i:024x}.html",
                title=title,
                published_at=published,
                text=sentence,
                content_hash=f"{i:064x}",
                at=datetime(2024, 11, 6, tzinfo=UTC),
            )
            for start in (0, 7):
                s.add(
                    Mention(
                        document_id=doc.id,
                        document_version=1,
                        entity_id=tesla.id if entity else None,
                        surface=surface,
                        label="ORG",
                        kind="company",
                        start_char=start,
                        end_char=start + len(surface),
                        sentence=sentence,
                        tagger_version="t",
                    )
                )
    db.dispose()


def python_csv(db: Database) -> str:
    out = io.StringIO()
    with db.session() as s:
        write_csv_rows(iter_mention_rows(s, MentionFilter(), batch=3), out, MENTION_COLUMNS)
    return out.getvalue()


def test_export_rows_are_what_the_csv_module_writes(db_url: str) -> None:
    seed(db_url)
    db = Database(db_url)
    text = python_csv(db)
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert len(rows) == 2 * len(DOCS)
    # newest first, a document's mentions in text order; the undated document last on SQLite
    # and first on PostgreSQL (NULLS FIRST for DESC), as the query orders them
    dated = [r for r in rows if r["published_at"]]
    assert [r["published_at"] for r in dated] == [
        "2024-11-06T02:00:00+00:00",
        "2024-11-06T02:00:00+00:00",
        "2024-11-05T02:00:00.000120+00:00",
        "2024-11-05T02:00:00.000120+00:00",
        "2023-01-01T00:00:00+00:00",
        "2023-01-01T00:00:00+00:00",
    ]
    first = dated[0]
    assert first["title"] == neutralise(DOCS[0][0])
    assert first["sentence"] == neutralise(DOCS[0][3])  # quotes and CRLF kept inside the cell
    assert first["entity"] == "Tesla" and first["entity_zh"] == "特斯拉"
    assert dated[2]["surface"] == "'@Acme" and dated[2]["entity"] == ""
    chinese = [r for r in rows if r["title"] == "特斯拉获批"]
    assert chinese[0]["sentence"] == "'＝特斯拉获批试点。" and chinese[0]["published_at"] == ""
    assert [r["start"] for r in chinese] == ["0", "7"]
    # CRLF line ends: the header, each row, and the line break inside the first document's
    # sentence (twice: two mentions)
    assert text.count("\r\n") == 1 + 2 * len(DOCS) + 2

    # PostgreSQL: the server-made rows are the same bytes; elsewhere COPY is not used
    out = io.StringIO()
    with db.session() as s:
        n = copy_mentions_csv(s, MentionFilter(), out)
    if db.engine.dialect.driver == "psycopg":
        assert n == 2 * len(DOCS)
        assert out.getvalue() == text
    else:
        assert n is None and out.getvalue() == ""
    db.dispose()
