"""Crawl run records that tell the truth: a run whose process died without closing it (kill -9,
a power cut) is marked ``interrupted`` by the next run or by `policywatch sources`.

A running crawl records its pid and host and refreshes ``heartbeat_at`` every
``HEARTBEAT_SECONDS``. A run still ``running`` is dead when its pid is gone on this host, or when
its heartbeat is older than ``STALE_AFTER`` (another host, or a reused pid).
"""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import CrawlRun

HEARTBEAT_SECONDS = 30.0
STALE_AFTER = timedelta(minutes=10)
HOST = socket.gethostname()[:255]


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    except OSError:
        return False
    return True


def is_dead(run: CrawlRun, now: datetime) -> bool:
    if run.pid is not None and run.host == HOST and run.pid != os.getpid():
        if not pid_alive(run.pid):
            return True
    last_sign = run.heartbeat_at or run.started_at
    return last_sign is not None and now - last_sign > STALE_AFTER


def mark_interrupted(session: Session, source_id: int | None = None) -> int:
    """Close the dead ``running`` runs (of one source, or all) as ``interrupted``."""
    now = datetime.now(UTC)
    q = select(CrawlRun).where(CrawlRun.status == "running")
    if source_id is not None:
        q = q.where(CrawlRun.source_id == source_id)
    n = 0
    for run in session.scalars(q):
        if is_dead(run, now):
            run.status = "interrupted"
            run.finished_at = run.heartbeat_at or run.started_at
            run.last_error = (
                "the crawl process ended without closing its run (killed?); the pages it "
                "stored are kept, the next run fetches the rest"
            )
            n += 1
    return n
