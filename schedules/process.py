"""The process job: stored raw pages -> documents -> mentions, without any network access.

``process`` handles pages not processed yet; ``process --all`` first puts the newest fetch of
every document back in the queue, ``--retry-failed`` the pages whose processing failed.

Pages are handed out in batches. The text stages (page parsing, tagging, claims) are pure and run
in worker processes (``workers``, default every core); the parent claims each batch, writes its
results in one transaction (each page in a savepoint: a failure stores nothing derived for that
page and marks it) and writes batches in the order they were claimed, so the output is the same
with any number of workers.

Claims: on PostgreSQL a batch is claimed with ``SELECT … FOR UPDATE SKIP LOCKED`` in the
transaction that later writes its results, so any number of `process` on any number of machines
take disjoint pages; a process that dies (kill -9, lost machine) loses its connection, the server
rolls its transaction back and its pages are claimable again at once. A page waits while an older
fetch of the same document is still pending, so versions are stored in fetch order. On SQLite
(one machine) a lock file keeps one `process` at a time (schedules.service.processing_lock).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
import zlib
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session, selectinload

from extract.claims import Count, extract_claims, extract_counts
from extract.document import ExtractedDocument, RawPage
from extract.errors import ExtractionError
from extract.gazetteer import load_gazetteer
from extract.programmes import Classification, Programme, classify, load_programmes
from extract.sources import chinadaily as chinadaily_pages
from extract.sources import miit as miit_pages
from extract.sources import xinhua as xinhua_pages
from extract.tagging import get_tagger
from extract.text_claims import ClaimRecord, records
from policywatch.errors import PolicywatchError
from schedules.chunking import is_oversize, tag_in_chunks
from storage.coordination import is_postgres
from storage.db import Database
from storage.issues import record_issue, resolve_issues
from storage.models import CrawlIssue, FetchedPage, ProcessWorker, Source
from storage.repository import PageResult, Saved, save_batch, sync_entities
from storage.runs import HOST

log = logging.getLogger("policywatch.process")

BATCH_SIZE = 32
ANALYZE_EVERY_SECONDS = 60.0
GROWING_TABLES = ("fetched_pages", "documents", "document_versions", "mentions", "claims")

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


@dataclass
class PageJob:
    """What a worker needs of one stored page (picklable; no database objects)."""

    id: int
    source: str
    canonical_url: str
    discovery: dict[str, Any]
    raws: list[RawPage]
    source_id: int | None = None  # the stored page's (jobs built outside `process` have none)


@dataclass
class PageOutcome:
    """A page's derived data, or the error that stopped it."""

    id: int
    doc: ExtractedDocument | None = None
    mentions: list[Any] = field(default_factory=list)
    tagger_version: str = ""
    classification: Classification | None = None
    claims: list[ClaimRecord] = field(default_factory=list)
    counts: list[Count] = field(default_factory=list)
    error: str | None = None


def _raw(page: FetchedPage) -> RawPage:
    return RawPage(
        url=page.url,
        body=zlib.decompress(page.body_zlib),
        status=page.status,
        content_type=page.headers.get("Content-Type"),
    )


def _error_text(exc: BaseException) -> str:
    return str(exc) if isinstance(exc, ExtractionError) else f"{type(exc).__name__}: {exc}"


# -- the text stages (pure: run in worker processes) -----------------------------------------
def _tag_all(texts: list[str], lang: str) -> list[list | BaseException]:
    """Mentions of each text; an exception in place of a text that could not be tagged.

    Texts over spaCy's max_length are tagged in chunks (schedules.chunking); the others in one
    ``nlp.pipe`` batch, text by text if the batch fails, so one bad text fails alone."""
    tagger = get_tagger(lang)
    results: list[list | BaseException] = [[] for _ in texts]
    normal = [i for i, t in enumerate(texts) if not is_oversize(tagger, t)]
    for i, text_ in enumerate(texts):
        if i not in normal:
            try:
                results[i] = tag_in_chunks(tagger, text_)
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


def compute_batch(jobs: list[PageJob], programmes: list[Programme]) -> list[PageOutcome]:
    """Parse, tag and find the claims of each page; never raises for one page's failure."""
    outcomes: dict[int, PageOutcome] = {}
    extracted: list[tuple[PageJob, ExtractedDocument]] = []
    for job in jobs:
        parser = PAGE_PARSERS.get(job.source)
        try:
            if not job.raws:
                raise ExtractionError("the stored page body cannot be read (corrupt data)")
            if parser is None:
                raise ExtractionError(f"no page parser for source {job.source!r}")
            extracted.append((job, parser(job.raws, job.discovery)))
        except Exception as exc:  # any failure: marked, skipped, the batch goes on
            outcomes[job.id] = PageOutcome(job.id, error=_error_text(exc))
    by_lang: dict[str, list[int]] = {}
    for i, (_job, doc) in enumerate(extracted):
        by_lang.setdefault(doc.language, []).append(i)
    for lang, idx in by_lang.items():
        version = get_tagger(lang).version
        results = _tag_all([extracted[j][1].text for j in idx], lang)
        for i, result in zip(idx, results, strict=True):
            job, doc = extracted[i]
            if isinstance(result, BaseException):
                outcomes[job.id] = PageOutcome(job.id, error=_error_text(result))
                continue
            try:
                classification = classify(doc.title, doc.text, programmes)
                claims: list[ClaimRecord] = []
                if classification.is_pilot or classification.programme:
                    found = extract_claims(result, doc.language, text=doc.text)
                    claims = records(found, doc.text, classification.programme, programmes)
                counts = extract_counts(doc.text, doc.language) if classification.is_pilot else []
            except Exception as exc:
                outcomes[job.id] = PageOutcome(job.id, error=_error_text(exc))
                continue
            outcomes[job.id] = PageOutcome(
                job.id, doc, result, version, classification, claims, counts
            )
    return [outcomes[job.id] for job in jobs]


_worker_programmes: list[Programme] | None = None


def one_core() -> None:
    """The numeric libraries of this process (NumPy's BLAS for the English models) use one thread:
    a worker is one core, and ``--workers`` fills the others (LAC's ONNX sessions are single
    threaded already: extract.zh_ner). Results are the same."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)


def _init_worker(programmes_config: list[dict] | None) -> None:
    global _worker_programmes
    one_core()
    _worker_programmes = load_programmes(programmes_config)


def _compute_in_worker(jobs: list[PageJob]) -> list[PageOutcome]:
    assert _worker_programmes is not None
    return compute_batch(jobs, _worker_programmes)


# -- the queue of pages --------------------------------------------------------------------------
PENDING = (FetchedPage.processed_at.is_(None), FetchedPage.parent_id.is_(None))

CLAIM_PG = text(
    """
    SELECT p.id FROM fetched_pages p
    WHERE p.processed_at IS NULL AND p.parent_id IS NULL
      AND NOT EXISTS (
        SELECT 1 FROM fetched_pages o
        WHERE o.canonical_url = p.canonical_url AND o.processed_at IS NULL
          AND o.parent_id IS NULL AND o.id < p.id)
    ORDER BY p.id
    LIMIT :n
    FOR UPDATE OF p SKIP LOCKED
    """
)


def requeue(db: Database, redo_all: bool, retry_failed: bool) -> None:
    """``--all``: the newest fetch of every document goes back to the queue; ``--retry-failed``:
    the pages whose processing failed (skipped otherwise, so one bad page never blocks later
    runs)."""
    if not (redo_all or retry_failed):
        return
    with db.session() as s:
        query = update(FetchedPage).values(processed_at=None, process_error=None)
        if redo_all:
            newest = (
                select(func.max(FetchedPage.id))
                .where(FetchedPage.parent_id.is_(None))
                .group_by(FetchedPage.canonical_url)
            )
            query = query.where(FetchedPage.id.in_(newest))
        else:
            query = query.where(
                FetchedPage.parent_id.is_(None), FetchedPage.process_error.is_not(None)
            )
        s.execute(query.execution_options(synchronize_session=False))


def pending_count(db: Database) -> int:
    """Pages waiting for `process` (on a shared database: including those another machine
    is working on right now)."""
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(FetchedPage).where(*PENDING)) or 0


@dataclass
class _Batch:
    jobs: list[PageJob]
    session: Session | None  # PostgreSQL: the transaction that holds the claim
    future: Future[list[PageOutcome]] | None = None


class _Queue:
    def __init__(self, db: Database, batch_size: int) -> None:
        self.db = db
        self.batch_size = batch_size
        self.shared = is_postgres(db.engine)
        self.after = 0  # SQLite: the last page id handed out
        self.sources: dict[int, str] = {}

    def claim(self) -> _Batch | None:
        if self.shared:
            session = self.db._sessions()
            try:
                session.begin()
                ids = list(session.scalars(CLAIM_PG, {"n": self.batch_size}))
                if not ids:
                    session.rollback()
                    session.close()
                    return None
                return _Batch(self._jobs(session, ids), session)
            except BaseException:
                session.rollback()
                session.close()
                raise
        with self.db.session() as s:
            ids = list(
                s.scalars(
                    select(FetchedPage.id)
                    .where(*PENDING, FetchedPage.id > self.after)
                    .order_by(FetchedPage.id)
                    .limit(self.batch_size)
                )
            )
            if not ids:
                return None
            self.after = ids[-1]
            return _Batch(self._jobs(s, ids), None)

    def _jobs(self, s: Session, ids: list[int]) -> list[PageJob]:
        pages = s.scalars(
            select(FetchedPage)
            .where(FetchedPage.id.in_(ids))
            .options(selectinload(FetchedPage.parts))
            .order_by(FetchedPage.id)
        ).all()
        if any(p.source_id not in self.sources for p in pages):
            self.sources = {src.id: src.name for src in s.scalars(select(Source))}
        jobs = []
        for page in pages:
            try:
                raws = [_raw(page)] + [_raw(p) for p in page.parts]
            except Exception:  # a corrupt stored body: the parser reports it on the page
                raws = []
            jobs.append(
                PageJob(
                    page.id,
                    self.sources[page.source_id],
                    page.canonical_url,
                    dict(page.discovery or {}),
                    raws,
                    page.source_id,
                )
            )
        return jobs


# -- the parent: claims, hands out, writes ----------------------------------------------------
@dataclass
class _Context:
    entity_ids: dict[str, int]
    names: dict[str, str]
    programmes: list[Programme]


class _Registration:
    """This `process` in the ``process_workers`` table (for `policywatch workers`)."""

    def __init__(self, db: Database, workers: int) -> None:
        self.db = db
        now = datetime.now(UTC)
        with db.session() as s:
            row = ProcessWorker(
                name=f"{HOST}:{os.getpid()}:{now.timestamp():.3f}"[:300],
                host=HOST,
                pid=os.getpid(),
                workers=workers,
                started_at=now,
                heartbeat_at=now,
                pages=0,
                failed=0,
                in_flight=0,
                status="running",
            )
            s.add(row)
            s.flush()
            self.id = row.id

    def beat(self, summary: ProcessSummary, in_flight: int, status: str = "running") -> None:
        now = datetime.now(UTC)
        values: dict[str, Any] = dict(
            heartbeat_at=now, pages=summary.pages, failed=summary.failed, in_flight=in_flight
        )
        if status != "running":
            values.update(status=status, finished_at=now)
        try:
            with self.db.session() as s:
                s.execute(update(ProcessWorker).where(ProcessWorker.id == self.id).values(values))
        except Exception as exc:  # bookkeeping only: never stop processing for it
            log.debug("worker heartbeat not recorded: %s", exc)


def _analyze(db: Database) -> None:
    """PostgreSQL: refresh the planner's statistics of the tables a backlog makes grow (plans
    made for near-empty tables go on being used otherwise); one machine at a time does it."""
    if not is_postgres(db.engine):
        return
    try:
        with db.engine.connect() as conn:
            got = conn.execute(
                text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": _analyze_key()}
            ).scalar()
            if got:
                for table in GROWING_TABLES:
                    conn.execute(text(f"ANALYZE {table}"))
            conn.commit()
    except Exception as exc:
        log.debug("ANALYZE skipped: %s", exc)


def _analyze_key() -> int:
    from storage.coordination import lock_key

    return lock_key("analyze")


def process_pages(
    db: Database,
    *,
    redo_all: bool = False,
    retry_failed: bool = False,
    programmes: list[dict] | None = None,
    batch_size: int = BATCH_SIZE,
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
    on_start: Callable[[int], None] | None = None,
    stop: threading.Event | None = None,
) -> ProcessSummary:
    """Process the queued pages with ``workers`` processes; returns what was done. When
    ``stop`` is set no new batch is claimed: the batches in hand are finished and written."""
    summary = ProcessSummary()
    requeue(db, redo_all, retry_failed)
    total = pending_count(db)
    if on_start:
        on_start(total)
    if not total:
        return summary
    gazetteer = load_gazetteer()
    with db.session() as s:
        entity_ids = sync_entities(s, gazetteer)
    context = _Context(
        entity_ids, {k: r.name for k, r in gazetteer.entities.items()}, load_programmes(programmes)
    )
    if total > 4 * batch_size:
        _analyze(db)  # a fresh backlog: statistics for the tables as they are now
    # a worker process costs a few seconds of start-up (loading the models): worth it from two
    # batches of work per worker on
    workers = max(1, min(workers, total // (2 * batch_size)))
    registration = _Registration(db, workers)
    status = "failed"
    try:
        stop = stop or threading.Event()
        if workers == 1:
            _run_inline(db, batch_size, context, summary, registration, progress, stop)
        else:
            _run_pool(
                db, batch_size, workers, programmes, context, summary, registration, progress, stop
            )
        status = "done"
    finally:
        registration.beat(summary, 0, status)
    return summary


def _run_inline(
    db: Database,
    batch_size: int,
    context: _Context,
    summary: ProcessSummary,
    registration: _Registration,
    progress: Callable[[int], None] | None,
    stop: threading.Event,
) -> None:
    one_core()
    queue = _Queue(db, batch_size)
    last_analyze = time.monotonic()
    # One helper thread does the database work while the text stages run: batch k+1 is read
    # (claimed) and batch k-1 written while batch k is computed. Batches are still written in
    # claim order, one at a time.
    writing: Future[None] | None = None
    ahead: Future[_Batch | None] | None = None
    claimed: _Batch | None = None

    def write(batch: _Batch, outcomes: list[PageOutcome]) -> None:
        _write_batch(db, batch, outcomes, context, summary)
        registration.beat(summary, 0)
        if progress:
            progress(len(batch.jobs))

    with ThreadPoolExecutor(1, thread_name_prefix="policywatch-db") as helper:
        try:
            ahead = None if stop.is_set() else helper.submit(queue.claim)
            while ahead is not None:
                claimed, ahead = ahead.result(), None
                if claimed is None and writing is not None:
                    # PostgreSQL: a page waiting for an older fetch of its document (in the
                    # batch being written) is free once that batch is stored
                    writing.result()
                    writing = None
                    claimed = queue.claim()
                if claimed is None:
                    break
                if not stop.is_set():
                    ahead = helper.submit(queue.claim)
                outcomes = compute_batch(claimed.jobs, context.programmes)
                if writing is not None:
                    writing.result()  # the previous batch is stored (or its error raised)
                batch, claimed = claimed, None
                writing = helper.submit(write, batch, outcomes)
                if time.monotonic() - last_analyze > ANALYZE_EVERY_SECONDS:
                    _analyze(db)
                    last_analyze = time.monotonic()
            if writing is not None:
                writing.result()
        except BaseException:
            if claimed is not None:
                _abandon(claimed)
            if ahead is not None:
                try:
                    early = ahead.result()
                except Exception:
                    early = None
                if early is not None:
                    _abandon(early)
            raise


def _run_pool(
    db: Database,
    batch_size: int,
    workers: int,
    programmes: list[dict] | None,
    context: _Context,
    summary: ProcessSummary,
    registration: _Registration,
    progress: Callable[[int], None] | None,
    stop: threading.Event,
) -> None:
    # numeric libraries in each worker use one thread: the workers themselves fill the cores
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    queue = _Queue(db, batch_size)
    in_flight: deque[_Batch] = deque()
    last_analyze = time.monotonic()
    pool = ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_init_worker,
        initargs=(programmes,),
    )
    try:
        exhausted = False
        while True:
            while not exhausted and not stop.is_set() and len(in_flight) < workers + 1:
                batch = queue.claim()
                if batch is None:
                    exhausted = True
                    break
                batch.future = pool.submit(_compute_in_worker, batch.jobs)
                in_flight.append(batch)
            if not in_flight:
                break
            batch = in_flight[0]
            assert batch.future is not None
            try:
                outcomes = batch.future.result()
            except BrokenProcessPool:
                raise PolicywatchError(
                    "A worker process of `policywatch process` died (out of memory or killed): "
                    "nothing of its batch was stored and its pages are queued again; run "
                    "`policywatch process` again, with fewer --workers if memory is short."
                ) from None
            in_flight.popleft()
            _write_batch(db, batch, outcomes, context, summary)
            registration.beat(summary, sum(len(b.jobs) for b in in_flight))
            if progress:
                progress(len(batch.jobs))
            # PostgreSQL: a page waiting for an older fetch of its document may be free now
            exhausted = False
            if time.monotonic() - last_analyze > ANALYZE_EVERY_SECONDS:
                _analyze(db)
                last_analyze = time.monotonic()
    finally:
        for batch in in_flight:
            _abandon(batch)
        pool.shutdown(wait=True, cancel_futures=True)


def _abandon(batch: _Batch) -> None:
    """Give a claimed batch back (its pages stay queued)."""
    if batch.session is not None:
        try:
            batch.session.rollback()
        finally:
            batch.session.close()


def _write_batch(
    db: Database,
    batch: _Batch,
    outcomes: list[PageOutcome],
    context: _Context,
    summary: ProcessSummary,
) -> None:
    """Store a batch's results in one transaction (the claim's, on PostgreSQL)."""
    if batch.session is not None:
        s = batch.session
        try:
            _write(s, batch.jobs, outcomes, context, summary)
            s.commit()
        except BaseException:
            s.rollback()
            raise
        finally:
            s.close()
        return
    with db.session() as s:
        _write(s, batch.jobs, outcomes, context, summary)


def _write(
    s: Session,
    jobs: list[PageJob],
    outcomes: list[PageOutcome],
    context: _Context,
    summary: ProcessSummary,
) -> None:
    """A batch's results: written together (a few statements for the whole batch); if that
    fails, page by page, each in a savepoint, so that one page's failure stores nothing derived
    for it, marks it and leaves the rest of the batch stored."""
    items: list[tuple[PageJob, PageResult]] = []
    for job, outcome in zip(jobs, outcomes, strict=True):
        if outcome.error is not None:
            _fail(s, summary, job, outcome.error)
            continue
        assert outcome.doc is not None and outcome.classification is not None
        assert job.source_id is not None
        item = PageResult(
            job.id,
            job.source_id,
            outcome.doc,
            outcome.mentions,
            outcome.tagger_version,
            outcome.classification,
            outcome.claims,
            outcome.counts,
        )
        items.append((job, item))
    try:
        with s.begin_nested():
            done = _save(s, items, context)
    except Exception:
        done = []
        for job, item in items:
            try:
                with s.begin_nested():
                    done += _save(s, [(job, item)], context)
            except Exception as exc:
                _fail(s, summary, job, _error_text(exc))
    for (_job, item), saved in done:
        summary.pages += 1
        if saved.changed and saved.new:
            summary.documents_new += 1
        elif saved.changed:
            summary.documents_changed += 1
        else:
            summary.documents_unchanged += 1
        summary.mentions += saved.mentions
        summary.claims += saved.claims
        log.info(
            "processed url=%s version=%d path=%s mentions=%d",
            item.doc.canonical_url,
            saved.version,
            item.doc.extraction_path,
            saved.mentions,
        )


def _save(
    s: Session, items: list[tuple[PageJob, PageResult]], context: _Context
) -> list[tuple[tuple[PageJob, PageResult], Saved]]:
    """Store the documents of ``items`` with their mentions and claims, flag their broken
    attachments and mark their pages processed (in the caller's transaction)."""
    if not items:
        return []
    saved = save_batch(s, [item for _job, item in items], context.entity_ids, context.names)
    for (job, item), result in zip(items, saved, strict=True):
        _flag_attachments(s, item.source_id, job.canonical_url, item.doc, new=result.new)
    s.execute(
        update(FetchedPage)
        .where(FetchedPage.id.in_([job.id for job, _item in items]))
        .values(processed_at=datetime.now(UTC), process_error=None)
        .execution_options(synchronize_session=False)
    )
    return list(zip(items, saved, strict=True))


def _fail(s: Session, summary: ProcessSummary, job: PageJob, error: str) -> None:
    """A page that cannot be processed is marked with its error and skipped by later runs
    (until `process --retry-failed`); it never stops the batch."""
    summary.pages += 1
    summary.failed += 1
    summary.errors.append(f"{job.canonical_url}: {error}")
    log.warning("not processed source=%s url=%s: %s", job.source, job.canonical_url, error)
    s.execute(
        update(FetchedPage)
        .where(FetchedPage.id == job.id)
        .values(processed_at=datetime.now(UTC), process_error=error[:2000])
        .execution_options(synchronize_session=False)
    )


def _flag_attachments(
    session: Session, source_id: int, page_url: str, doc: ExtractedDocument, *, new: bool = False
) -> None:
    """Attachments that could not be fetched or read: flagged (name, URL, reason) for
    `sources --missing` and the digest; the notice itself is stored with its own text. Flags
    of an earlier processing that no longer apply are resolved (a ``new`` document has none)."""
    flagged = []
    for att in doc.extra.get("attachments", []):
        if att.get("error"):
            flagged.append((att["url"], att.get("name"), att["error"]))
    urls = {url for url, _name, _reason in flagged}
    for url, name, reason in flagged:
        record_issue(
            session,
            source_id,
            url,
            "attachment",
            "flagged",
            reason,
            name=name,
            parent_url=page_url,
        )
    if new:
        return
    stale = session.scalars(
        select(CrawlIssue.url).where(
            CrawlIssue.source_id == source_id,
            CrawlIssue.kind == "attachment",
            CrawlIssue.parent_url == page_url,
            CrawlIssue.resolved_at.is_(None),
        )
    ).all()
    resolve_issues(session, source_id, [u for u in stale if u not in urls], "attachment")
