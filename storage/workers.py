"""`policywatch workers`: every `process` that works (or worked) on this database, from any
machine, with its heartbeat and progress, and how many pages wait."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from storage.models import FetchedPage, ProcessWorker
from storage.runs import HOST, STALE_AFTER, pid_alive


def worker_state(row: ProcessWorker, now: datetime) -> str:
    """running | gone (died without closing its record) | done | failed."""
    if row.status != "running":
        return row.status
    if row.host == HOST and not pid_alive(row.pid):
        return "gone"
    if now - row.heartbeat_at > STALE_AFTER:
        return "gone"
    return "running"


def workers_view(session: Session, *, recent: timedelta = timedelta(days=1)) -> dict[str, Any]:
    now = datetime.now(UTC)
    rows = session.scalars(
        select(ProcessWorker)
        .where(or_(ProcessWorker.status == "running", ProcessWorker.heartbeat_at >= now - recent))
        .order_by(ProcessWorker.started_at.desc())
    ).all()
    pending = session.scalar(
        select(func.count())
        .select_from(FetchedPage)
        .where(FetchedPage.processed_at.is_(None), FetchedPage.parent_id.is_(None))
    )
    failed = session.scalar(
        select(func.count())
        .select_from(FetchedPage)
        .where(FetchedPage.process_error.is_not(None), FetchedPage.parent_id.is_(None))
    )
    return {
        "pages_waiting": pending or 0,
        "pages_failed": failed or 0,
        "workers": [
            {
                "name": r.name,
                "host": r.host,
                "pid": r.pid,
                "processes": r.workers,
                "state": worker_state(r, now),
                "started_at": r.started_at.isoformat(),
                "heartbeat_at": r.heartbeat_at.isoformat(),
                "pages": r.pages,
                "failed": r.failed,
                "in_flight": r.in_flight if r.status == "running" else 0,
            }
            for r in rows
        ],
    }
