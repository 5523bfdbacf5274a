"""Items that are not (fully) stored, with their reason (table ``crawl_issues``).

States: ``parked`` (blocked again after the host's cool-down; retried on the next run),
``failed`` (a fetch failed: HTTP error, timeout...; retried on the next run), ``flagged`` (an
attachment that could not be fetched or read; the notice itself is stored). Kinds: ``article``,
``listing`` (a feed, list page, column page or list API page) and ``attachment``. Stored pages
whose processing failed are listed with them (kind ``processing``, retried by
``process --retry-failed``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import inspect, select, text, update
from sqlalchemy.orm import Session

from storage.models import CrawlIssue, FetchedPage, Source

NEXT_RETRY = {"parked": "next crawl", "failed": "next crawl", "flagged": "next fetch of the notice"}
RETRY_PROCESSING = "process --retry-failed"


def _next_retry(state: str, scheduled: datetime | None) -> str:
    retry = NEXT_RETRY.get(state, "next crawl")
    if retry == "next crawl" and scheduled is not None:
        from extract.dates import BEIJING

        retry += f" ({scheduled.astimezone(BEIJING):%Y-%m-%d %H:%M} Beijing)"
    return retry


def record_issue(
    session: Session,
    source_id: int,
    url: str,
    kind: str,
    state: str,
    reason: str,
    *,
    run_id: int | None = None,
    discovery: dict[str, Any] | None = None,
    name: str | None = None,
    parent_url: str | None = None,
) -> CrawlIssue:
    now = datetime.now(UTC)
    issue = session.scalar(
        select(CrawlIssue).where(
            CrawlIssue.source_id == source_id, CrawlIssue.kind == kind, CrawlIssue.url == url
        )
    )
    if issue is None:
        issue = CrawlIssue(
            source_id=source_id,
            url=url,
            kind=kind,
            attempts=0,
            first_seen_at=now,
            discovery=discovery or {},
        )
        session.add(issue)
    elif issue.resolved_at is not None:  # it came back: a new episode
        issue.first_seen_at, issue.attempts, issue.resolved_at = now, 0, None
    issue.state, issue.reason, issue.last_seen_at = state, reason, now
    issue.attempts += 1
    issue.crawl_run_id = run_id
    if discovery:
        issue.discovery = discovery
    if name:
        issue.name = name
    if parent_url:
        issue.parent_url = parent_url
    session.flush()
    return issue


def resolve_issues(session: Session, source_id: int, urls: list[str], kind: str) -> None:
    if not urls:
        return
    session.execute(
        update(CrawlIssue)
        .where(
            CrawlIssue.source_id == source_id,
            CrawlIssue.kind == kind,
            CrawlIssue.url.in_(urls),
            CrawlIssue.resolved_at.is_(None),
        )
        .values(resolved_at=datetime.now(UTC))
    )


def scheduled_crawls(session: Session) -> dict[str, datetime]:
    """Next run of each source's crawl job in the service's job store (when it has one)."""
    if not inspect(session.get_bind()).has_table("apscheduler_jobs"):
        return {}
    rows = session.execute(
        text("SELECT id, next_run_time FROM apscheduler_jobs WHERE id LIKE 'crawl:%'")
    )
    return {
        str(job_id).split(":", 1)[1]: datetime.fromtimestamp(float(when), tz=UTC)
        for job_id, when in rows
        if when is not None
    }


def open_issues(session: Session, source: str | None = None) -> list[dict[str, Any]]:
    """Every unresolved item: source, state, kind, url, name, reason, since, attempts, retry
    (the next scheduled crawl of the source when the service has one)."""
    scheduled = scheduled_crawls(session)
    query = (
        select(CrawlIssue, Source.name)
        .join(Source, Source.id == CrawlIssue.source_id)
        .where(CrawlIssue.resolved_at.is_(None))
        .order_by(Source.name, CrawlIssue.state, CrawlIssue.kind, CrawlIssue.url)
    )
    if source:
        query = query.where(Source.name == source)
    rows = []
    for issue, name in session.execute(query):
        rows.append(
            {
                "source": name,
                "state": issue.state,
                "kind": issue.kind,
                "url": issue.url,
                "name": issue.name or (issue.discovery or {}).get("title"),
                "parent_url": issue.parent_url,
                "reason": issue.reason,
                "first_seen_at": issue.first_seen_at,
                "last_seen_at": issue.last_seen_at,
                "attempts": issue.attempts,
                "next_retry": _next_retry(issue.state, scheduled.get(name)),
            }
        )
    # stored pages whose processing failed (kind "processing"): kept, skipped until retried
    pages = (
        select(FetchedPage, Source.name)
        .join(Source, Source.id == FetchedPage.source_id)
        .where(FetchedPage.parent_id.is_(None), FetchedPage.process_error.is_not(None))
        .order_by(Source.name, FetchedPage.canonical_url)
    )
    if source:
        pages = pages.where(Source.name == source)
    for page, name in session.execute(pages):
        rows.append(
            {
                "source": name,
                "state": "failed",
                "kind": "processing",
                "url": page.canonical_url,
                "name": (page.discovery or {}).get("title"),
                "parent_url": None,
                "reason": page.process_error,
                "first_seen_at": page.fetched_at,
                "last_seen_at": page.processed_at or page.fetched_at,
                "attempts": 1,
                "next_retry": RETRY_PROCESSING,
            }
        )
    return rows
