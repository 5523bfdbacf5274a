"""The process job: stored raw pages -> documents -> mentions, without any network access.

``process`` handles pages not processed yet; ``process --all`` re-runs extraction and tagging over
every stored page (the newest fetch of each document), e.g. after the extractor or gazetteer
improved. Each page is handled in its own transaction: a failure stores nothing derived for it.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from extract.claims import extract_claims, extract_counts
from extract.document import RawPage
from extract.errors import BlockedPage, ExtractionError
from extract.gazetteer import load_gazetteer
from extract.programmes import Programme, classify, load_programmes
from extract.sources import chinadaily as chinadaily_pages
from extract.sources import miit as miit_pages
from extract.sources import xinhua as xinhua_pages
from extract.tagging import get_tagger
from extract.text_claims import records
from storage.db import Database
from storage.models import FetchedPage, Source
from storage.repository import replace_claims, replace_mentions, save_document, sync_entities

log = logging.getLogger("policywatch.process")

PAGE_PARSERS = {
    "chinadaily": chinadaily_pages.parse_article,
    "xinhua": xinhua_pages.parse_article,
    "miit": miit_pages.parse_article,
}


@dataclass
class ProcessSummary:
    pages: int = 0
    documents_new: int = 0
    documents_changed: int = 0
    documents_unchanged: int = 0
    mentions: int = 0
    claims: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def _raw(page: FetchedPage) -> RawPage:
    return RawPage(
        url=page.url,
        body=zlib.decompress(page.body_zlib),
        status=page.status,
        content_type=page.headers.get("Content-Type"),
    )


def _page_ids(db: Database, redo_all: bool) -> list[int]:
    with db.session() as s:
        query = select(FetchedPage.id).where(FetchedPage.parent_id.is_(None))
        if redo_all:
            newest = (
                select(func.max(FetchedPage.id))
                .where(FetchedPage.parent_id.is_(None))
                .group_by(FetchedPage.canonical_url)
            )
            query = query.where(FetchedPage.id.in_(newest))
        else:
            query = query.where(FetchedPage.processed_at.is_(None))
        return list(s.scalars(query.order_by(FetchedPage.id)))


@dataclass
class _Context:
    entity_ids: dict[str, int]
    names: dict[str, str]
    programmes: list[Programme]


def process_pages(
    db: Database,
    *,
    redo_all: bool = False,
    programmes: list[dict] | None = None,
    batch_size: int = 32,
    progress: Callable[[int], None] | None = None,
) -> ProcessSummary:
    summary = ProcessSummary()
    ids = _page_ids(db, redo_all)
    if not ids:
        return summary
    gazetteer = load_gazetteer()
    with db.session() as s:
        entity_ids = sync_entities(s, gazetteer)
    context = _Context(
        entity_ids, {k: r.name for k, r in gazetteer.entities.items()}, load_programmes(programmes)
    )
    for start in range(0, len(ids), batch_size):
        _process_batch(db, ids[start : start + batch_size], context, summary)
        if progress:
            progress(len(ids[start : start + batch_size]))
    return summary


def _process_batch(
    db: Database, ids: list[int], context: _Context, summary: ProcessSummary
) -> None:
    with db.session() as s:
        pages = s.scalars(
            select(FetchedPage)
            .where(FetchedPage.id.in_(ids))
            .options(selectinload(FetchedPage.parts))
            .order_by(FetchedPage.id)
        ).all()
        sources = {src.id: src.name for src in s.scalars(select(Source))}
    extracted = []
    for page in pages:
        summary.pages += 1
        source = sources[page.source_id]
        parser = PAGE_PARSERS.get(source)
        try:
            if parser is None:
                raise ExtractionError(f"no page parser for source {source!r}")
            raw = [_raw(page)] + [_raw(p) for p in page.parts]
            extracted.append((page, parser(raw, page.discovery)))
        except (ExtractionError, BlockedPage) as exc:
            summary.failed += 1
            summary.errors.append(str(exc))
            log.warning("not processed source=%s url=%s: %s", source, page.canonical_url, exc)
            with db.session() as s:
                row = s.get(FetchedPage, page.id)
                assert row is not None
                row.processed_at, row.process_error = datetime.now(UTC), str(exc)
    by_lang: dict[str, list[int]] = {}
    for i, (_page, doc) in enumerate(extracted):
        by_lang.setdefault(doc.language, []).append(i)
    tagged: dict[int, list] = {}
    for lang, idx in by_lang.items():
        tagger = get_tagger(lang)
        for i, mentions in zip(idx, tagger.pipe(extracted[j][1].text for j in idx), strict=True):
            tagged[i] = (mentions, tagger.version)
    for i, (page, doc) in enumerate(extracted):
        mentions, tagger_version = tagged[i]
        with db.session() as s:
            row = s.get(FetchedPage, page.id)
            assert row is not None
            document, changed = save_document(s, row, doc)
            if changed and document.version == 1:
                summary.documents_new += 1
            elif changed:
                summary.documents_changed += 1
            else:
                summary.documents_unchanged += 1
            summary.mentions += replace_mentions(
                s, document, mentions, context.entity_ids, tagger_version
            )
            classification = classify(doc.title, doc.text, context.programmes)
            claims = []
            if classification.is_pilot or classification.programme:
                found = extract_claims(mentions, doc.language, text=doc.text)
                claims = records(found, doc.text, classification.programme, context.programmes)
            counts = extract_counts(doc.text, doc.language) if classification.is_pilot else []
            summary.claims += replace_claims(
                s, document, classification, claims, counts, context.entity_ids, context.names
            )
            row.processed_at, row.process_error = datetime.now(UTC), None
        log.info(
            "processed url=%s version=%d path=%s mentions=%d",
            doc.canonical_url,
            document.version,
            doc.extraction_path,
            len(mentions),
        )
