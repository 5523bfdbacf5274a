"""Source health: each source's last crawl run, its counts and error, and silence warnings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from extract.dates import BEIJING
from policywatch.config import Config
from storage.models import CrawlRun, FetchedPage, Source
from storage.runs import mark_interrupted


def source_health(session: Session, config: Config) -> list[dict[str, Any]]:
    mark_interrupted(session)  # a crawl killed with -9 is not "running" forever
    rows = []
    now = datetime.now(UTC)
    for name, settings in sorted(config.sources.items()):
        source = session.scalar(select(Source).where(Source.name == name))
        run = None
        last_new = None
        if source is not None:
            run = session.scalar(
                select(CrawlRun)
                .where(CrawlRun.source_id == source.id)
                .order_by(CrawlRun.id.desc())
                .limit(1)
            )
            last_new = session.scalar(
                select(func.max(FetchedPage.fetched_at)).where(FetchedPage.source_id == source.id)
            )
        warning = ""
        period = timedelta(hours=float(settings.get("expected_period_hours", 24)))
        if run is None:
            warning = "never crawled"
        elif run.status != "ok":
            warning = f"last run {run.status}"
        elif last_new is None or now - last_new > period:
            warning = f"nothing new for more than {period.total_seconds() / 3600:g} h"
        rows.append(
            {
                "source": name,
                "last_run": run.started_at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")
                if run
                else "",
                "status": run.status if run else "",
                "counts": ", ".join(f"{k}={v}" for k, v in (run.counts or {}).items())
                if run
                else "",
                "last_error": (run.last_error or "") if run else "",
                "warning": warning,
            }
        )
    return rows
