"""Hand-written test data written straight into the tables (no crawl, no extraction): a stored
raw page for `process` to read, or a processed page with its document for the queries."""

from __future__ import annotations

import hashlib
import zlib
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from storage.models import Document, FetchedPage


def raw_page(source_id: int, url: str, body: bytes, **fields: Any) -> FetchedPage:
    """A fetched, not yet processed page holding ``body`` (add it to a session)."""
    values: dict[str, Any] = {
        "source_id": source_id,
        "url": url,
        "canonical_url": url,
        "status": 200,
        "headers": {},
        "fetched_at": datetime.now(UTC),
        "content_hash": hashlib.sha256(body).hexdigest(),
        "body_zlib": zlib.compress(body),
        "discovery": {},
    }
    return FetchedPage(**(values | fields))


def stored_document(
    s: Session,
    source_id: int,
    url: str,
    *,
    text: str,
    title: str | None = None,
    published_at: datetime | None = None,
    language: str = "en",
    content_hash: str = "0" * 64,
    at: datetime | None = None,
    **fields: Any,
) -> Document:
    """A processed page at ``url`` and its document (flushed: ids are set)."""
    at = at or datetime(2024, 11, 6, 2, 0, tzinfo=UTC)
    page = raw_page(source_id, url, b"", fetched_at=at, processed_at=at, content_hash=content_hash)
    s.add(page)
    s.flush()
    doc = Document(
        canonical_url=url,
        source_id=source_id,
        language=language,
        title=title,
        published_at=published_at,
        text=text,
        extraction_path=fields.pop("extraction_path", "test"),
        extractor_version=fields.pop("extractor_version", "t"),
        content_hash=content_hash,
        page_id=page.id,
        **fields,
    )
    s.add(doc)
    s.flush()
    return doc
