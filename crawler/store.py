"""What a crawl writes: the run record (counts for source health) and raw pages.

Pages of one article (page 1 and its continuation pages) are stored in one transaction, so an
article is stored whole or not at all.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import zlib
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update

from storage.db import Database
from storage.issues import record_issue, resolve_issues
from storage.models import BackfillProgress, CrawlIssue, CrawlRun, FetchedPage
from storage.runs import HEARTBEAT_SECONDS, HOST, mark_interrupted
from storage.sources import ensure_source

log = logging.getLogger("policywatch.crawl")


class CrawlStore:
    def __init__(self, db: Database, source_name: str) -> None:
        self.db = db
        self.source_name = source_name
        self.counts: Counter[str] = Counter()
        with db.session() as s:
            source = ensure_source(s, source_name)
            self.source_id = source.id
            mark_interrupted(s, source.id)  # runs of this source whose process died
            run = CrawlRun(
                source_id=source.id,
                counts={},
                pid=os.getpid(),
                host=HOST,
                heartbeat_at=datetime.now(UTC),
            )
            s.add(run)
            s.flush()
            self.run_id = run.id
            self._known = set(
                s.scalars(
                    select(FetchedPage.canonical_url).where(
                        FetchedPage.source_id == source.id, FetchedPage.parent_id.is_(None)
                    )
                )
            )
        # what was stored before this run started: "nothing new on a list page" is judged
        # against this, never against items found earlier in the same run
        self._known_before = frozenset(self._known)

        self._stop = threading.Event()
        self._heartbeat = threading.Thread(
            target=self._beat, name=f"heartbeat-{source_name}", daemon=True
        )
        self._heartbeat.start()

    def _beat(self) -> None:
        """Refresh the run's heartbeat while the crawl lives (see storage.runs)."""
        while not self._stop.wait(HEARTBEAT_SECONDS):
            try:
                with self.db.session() as s:
                    s.execute(
                        update(CrawlRun)
                        .where(CrawlRun.id == self.run_id, CrawlRun.status == "running")
                        .values(heartbeat_at=datetime.now(UTC))
                    )
            except Exception as exc:  # a busy or briefly unreachable database: try again later
                log.debug("heartbeat of run %s not recorded: %s", self.run_id, exc)

    def is_known(self, canonical_url: str) -> bool:
        return canonical_url in self._known

    def was_known_before_run(self, canonical_url: str) -> bool:
        return canonical_url in self._known_before

    def record(
        self,
        url: str,
        kind: str,
        state: str,
        reason: str,
        *,
        discovery: dict[str, Any] | None = None,
        name: str | None = None,
        parent_url: str | None = None,
    ) -> None:
        """Account for an item that is not stored: parked (blocked again), failed, flagged."""
        with self.db.session() as s:
            record_issue(
                s,
                self.source_id,
                url,
                kind,
                state,
                reason,
                run_id=self.run_id,
                discovery=discovery,
                name=name,
                parent_url=parent_url,
            )

    def open_items(self, kind: str = "article") -> list[tuple[str, dict[str, Any]]]:
        """Parked or failed items of earlier runs, to retry: (url, discovery)."""
        with self.db.session() as s:
            rows = s.execute(
                select(CrawlIssue.url, CrawlIssue.discovery).where(
                    CrawlIssue.source_id == self.source_id,
                    CrawlIssue.kind == kind,
                    CrawlIssue.resolved_at.is_(None),
                    CrawlIssue.state.in_(["parked", "failed"]),
                )
            ).all()
        return [(url, dict(discovery or {})) for url, discovery in rows]

    def backfill_mark(self, listing: str, page: int, *, done: bool) -> None:
        """`crawl --backfill` read ``page`` of ``listing`` (resumable progress)."""
        with self.db.session() as s:
            row = s.scalar(
                select(BackfillProgress).where(
                    BackfillProgress.source_id == self.source_id,
                    BackfillProgress.listing == listing,
                )
            )
            if row is None:
                row = BackfillProgress(source_id=self.source_id, listing=listing, last_page=0)
                s.add(row)
            if row.done and page == 1:  # a new backfill after a finished one starts afresh
                row.last_page, row.done = 0, False
            row.last_page = max(row.last_page, page)
            row.done = done
            row.updated_at = datetime.now(UTC)

    def backfill_resume(self, listing: str) -> int:
        """The page an interrupted backfill of ``listing`` reached (0: none)."""
        with self.db.session() as s:
            row = s.scalar(
                select(BackfillProgress).where(
                    BackfillProgress.source_id == self.source_id,
                    BackfillProgress.listing == listing,
                )
            )
            return row.last_page if row is not None and not row.done else 0

    def resolve(self, url: str, kind: str) -> None:
        with self.db.session() as s:
            resolve_issues(s, self.source_id, [url], kind)

    def count(self, key: str, n: int = 1) -> None:
        self.counts[key] += n

    def store_article(
        self, canonical_url: str, parts: list[dict[str, Any]], discovery: dict[str, Any]
    ) -> int:
        """Store page 1 and its continuation pages; returns page 1's id."""
        with self.db.session() as s:
            parent: FetchedPage | None = None
            for number, part in enumerate(parts, start=1):
                body: bytes = part["body"]
                page = FetchedPage(
                    source_id=self.source_id,
                    crawl_run_id=self.run_id,
                    parent_id=parent.id if parent else None,
                    part_no=number,
                    kind=part.get("kind", "page"),
                    url=part["url"],
                    canonical_url=canonical_url,
                    status=part["status"],
                    headers=part["headers"],
                    fetched_at=part["fetched_at"],
                    content_hash=hashlib.sha256(body).hexdigest(),
                    body_zlib=zlib.compress(body, 6),
                    discovery=discovery if parent is None else {},
                )
                s.add(page)
                s.flush()
                if parent is None:
                    parent = page
            assert parent is not None
            page_id = parent.id
            resolve_issues(s, self.source_id, [canonical_url], "article")
            # attachments are judged again when this fetch is processed
            s.execute(
                update(CrawlIssue)
                .where(
                    CrawlIssue.source_id == self.source_id,
                    CrawlIssue.kind == "attachment",
                    CrawlIssue.parent_url == canonical_url,
                    CrawlIssue.resolved_at.is_(None),
                )
                .values(resolved_at=datetime.now(UTC))
            )
        self._known.add(canonical_url)
        return page_id

    def finish(self, status: str, last_error: str | None = None) -> None:
        self._stop.set()
        with self.db.session() as s:
            run = s.get(CrawlRun, self.run_id)
            assert run is not None
            run.finished_at = run.heartbeat_at = datetime.now(UTC)
            run.status = status
            run.counts = dict(sorted(self.counts.items()))
            run.last_error = last_error
