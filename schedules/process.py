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

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from extract.claims import extract_claims, extract_counts
from extract.document import ExtractedDocument, RawPage
from extract.errors import ExtractionError
from extract.gazetteer import load_gazetteer
from extract.programmes import Programme, classify, load_programmes
from extract.sources import chinadaily as chinadaily_pages
from extract.sources import miit as miit_pages
from extract.sources import xinhua as xinhua_pages
from extract.tagging import get_tagger
from extract.text_claims import records
from schedules.chunking import is_oversize, tag_in_chunks
from storage.db import Database
from storage.issues import record_issue, resolve_issues
from storage.models import CrawlIssue, FetchedPage, Source
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


def _page_ids(db: Database, redo_all: bool, retry_failed: bool = False) -> list[int]:
    """Pages to process: not processed yet; with ``redo_all`` the newest fetch of every
    document; with ``retry_failed`` also the pages whose processing failed before (they are
    skipped otherwise, so one bad page never blocks later runs)."""
    with db.session() as s:
        query = select(FetchedPage.id).where(FetchedPage.parent_id.is_(None))
        if redo_all:
            newest = (
                select(func.max(FetchedPage.id))
                .where(FetchedPage.parent_id.is_(None))
                .group_by(FetchedPage.canonical_url)
            )
            query = query.where(FetchedPage.id.in_(newest))
        elif retry_failed:
            query = query.where(
                or_(FetchedPage.processed_at.is_(None), FetchedPage.process_error.is_not(None))
            )
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
    retry_failed: bool = False,
    programmes: list[dict] | None = None,
    batch_size: int = 32,
    progress: Callable[[int], None] | None = None,
) -> ProcessSummary:
    summary = ProcessSummary()
    ids = _page_ids(db, redo_all, retry_failed)
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


def _mark_failed(db: Database, page_id: int, error: str) -> None:
    with db.session() as s:
        row = s.get(FetchedPage, page_id)
        assert row is not None
        row.processed_at, row.process_error = datetime.now(UTC), error


def _failure(
    summary: ProcessSummary, db: Database, page: FetchedPage, source: str, exc: BaseException
) -> None:
    """A page that cannot be processed is marked with its error and skipped by later runs
    (until `process --retry-failed`); it never stops the batch."""
    error = str(exc) if isinstance(exc, ExtractionError) else f"{type(exc).__name__}: {exc}"
    summary.failed += 1
    summary.errors.append(f"{page.canonical_url}: {error}")
    log.warning("not processed source=%s url=%s: %s", source, page.canonical_url, error)
    _mark_failed(db, page.id, error[:2000])


def _tag_all(texts: list[str], lang: str) -> list[list | BaseException]:
    """Mentions of each text; an exception in place of a text that could not be tagged.

    Texts over spaCy's max_length are tagged in chunks (schedules.chunking); the others in one
    ``nlp.pipe`` batch, text by text if the batch fails, so one bad text fails alone."""
    tagger = get_tagger(lang)
    results: list[list | BaseException] = [[] for _ in texts]
    normal = [i for i, t in enumerate(texts) if not is_oversize(tagger, t)]
    for i, text in enumerate(texts):
        if i not in normal:
            try:
                results[i] = tag_in_chunks(tagger, text)
            except Exception as exc:
                results[i] = exc
    try:
        for i, mentions in zip(normal, tagger.pipe(texts[j] for j in normal), strict=True):
            results[i] = mentions
    except Exception:
        for i in normal:
            try:
                results[i] = tagger.tag(texts[i])
            except Exception as exc:
                results[i] = exc
    return results


def _flag_attachments(session: Session, page: FetchedPage, doc: ExtractedDocument) -> None:
    """Attachments that could not be fetched or read: flagged (name, URL, reason) for
    `sources --missing` and the digest; the notice itself is stored with its own text."""
    flagged = []
    for att in doc.extra.get("attachments", []):
        if att.get("error"):
            flagged.append((att["url"], att.get("name"), att["error"]))
    urls = {url for url, _name, _reason in flagged}
    for url, name, reason in flagged:
        record_issue(
            session,
            page.source_id,
            url,
            "attachment",
            "flagged",
            reason,
            name=name,
            parent_url=page.canonical_url,
        )
    stale = session.scalars(
        select(CrawlIssue.url).where(
            CrawlIssue.source_id == page.source_id,
            CrawlIssue.kind == "attachment",
            CrawlIssue.parent_url == page.canonical_url,
            CrawlIssue.resolved_at.is_(None),
        )
    ).all()
    resolve_issues(session, page.source_id, [u for u in stale if u not in urls], "attachment")


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
        except Exception as exc:  # any failure: marked, skipped, the batch goes on
            _failure(summary, db, page, source, exc)
    by_lang: dict[str, list[int]] = {}
    for i, (_page, doc) in enumerate(extracted):
        by_lang.setdefault(doc.language, []).append(i)
    tagged: dict[int, tuple[list | BaseException, str]] = {}
    for lang, idx in by_lang.items():
        version = get_tagger(lang).version
        results = _tag_all([extracted[j][1].text for j in idx], lang)
        for i, result in zip(idx, results, strict=True):
            tagged[i] = (result, version)
    for i, (page, doc) in enumerate(extracted):
        mentions, tagger_version = tagged[i]
        source = sources[page.source_id]
        if isinstance(mentions, BaseException):
            _failure(summary, db, page, source, mentions)
            continue
        try:
            outcome = _save(db, page, doc, mentions, tagger_version, context)
        except Exception as exc:
            _failure(summary, db, page, source, exc)
            continue
        document_version, changed, n_mentions, n_claims = outcome
        if changed and document_version == 1:
            summary.documents_new += 1
        elif changed:
            summary.documents_changed += 1
        else:
            summary.documents_unchanged += 1
        summary.mentions += n_mentions
        summary.claims += n_claims
        log.info(
            "processed url=%s version=%d path=%s mentions=%d",
            doc.canonical_url,
            document_version,
            doc.extraction_path,
            len(mentions),
        )


def _save(
    db: Database,
    page: FetchedPage,
    doc: ExtractedDocument,
    mentions: list,
    tagger_version: str,
    context: _Context,
) -> tuple[int, bool, int, int]:
    """Store one document with its mentions and claims in one transaction."""
    with db.session() as s:
        row = s.get(FetchedPage, page.id)
        assert row is not None
        document, changed = save_document(s, row, doc)
        n_mentions = replace_mentions(s, document, mentions, context.entity_ids, tagger_version)
        classification = classify(doc.title, doc.text, context.programmes)
        claims = []
        if classification.is_pilot or classification.programme:
            found = extract_claims(mentions, doc.language, text=doc.text)
            claims = records(found, doc.text, classification.programme, context.programmes)
        counts = extract_counts(doc.text, doc.language) if classification.is_pilot else []
        n_claims = replace_claims(
            s, document, classification, claims, counts, context.entity_ids, context.names
        )
        _flag_attachments(s, row, doc)
        row.processed_at, row.process_error = datetime.now(UTC), None
        return document.version, changed, n_mentions, n_claims
