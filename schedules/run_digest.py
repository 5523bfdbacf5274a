"""Build, render, and (optionally) deliver and record one digest."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from extract.dates import beijing_to_utc
from policywatch.config import Config
from schedules.deliver import check_urls, deliver, redact
from schedules.digest import Digest, build_digest, period_start
from schedules.render import render
from storage.db import Database
from storage.models import DigestRecord

log = logging.getLogger("policywatch.digest")


@dataclass
class DigestOutcome:
    digest: Digest | None
    text: str  # what to show the user
    status: str  # shown | delivered | failed | skipped | already-delivered | dry-run
    error: str | None = None


def current_slot(config: Config, now: datetime) -> datetime:
    """The latest scheduled digest time at or before ``now`` (UTC)."""
    tz = ZoneInfo(config.digest.timezone)
    hour, minute = config.digest.hour_minute
    local = now.astimezone(tz)
    slot = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if slot > local:
        slot -= timedelta(days=1)
    return slot.astimezone(UTC)


def run_digest(
    config: Config,
    db: Database,
    *,
    fmt: str = "markdown",
    since: date | None = None,
    send: bool = False,
    dry_run: bool = False,
    slot: datetime | None = None,
    now: datetime | None = None,
) -> DigestOutcome:
    now = now or datetime.now(UTC)
    settings = config.digest
    with db.session() as s:
        if slot is not None:
            done = s.scalar(select(DigestRecord).where(DigestRecord.slot == slot))
            if done is not None and done.status in ("delivered", "skipped"):
                return DigestOutcome(
                    None,
                    f"The digest for {slot.isoformat()} was already {done.status}.",
                    "already-delivered",
                )
        start = beijing_to_utc(since, None) if since else period_start(s, config, now)
        digest = build_digest(s, config, start, now)
    text = render(digest, fmt, title=settings.title, timezone=settings.timezone)
    if not send:
        return DigestOutcome(digest, text, "shown")
    body = render(digest, settings.format, title=settings.title, timezone=settings.timezone)
    subject = (
        f"{settings.title}: {len(digest.announcements)} announcements, "
        f"{len(digest.claims)} firm reports"
    )
    if dry_run:
        check_urls(settings.notify)
        targets = ", ".join(redact(u) for u in settings.notify)
        return DigestOutcome(digest, f"Would send '{subject}' to {targets}:\n\n{body}", "dry-run")
    content_hash = digest.content_hash()
    with db.session() as s:
        if not digest.empty:
            same = s.scalar(
                select(DigestRecord).where(
                    DigestRecord.status == "delivered", DigestRecord.content_hash == content_hash
                )
            )
            if same is not None:
                return DigestOutcome(
                    digest,
                    "This digest was already delivered "
                    f"({same.delivered_at:%Y-%m-%d %H:%M} UTC); not sent again.",
                    "already-delivered",
                )
    if digest.empty and settings.skip_empty:
        _record(db, digest, slot, "skipped", 0, None, content_hash)
        return DigestOutcome(
            digest, "Nothing new in this period; digest skipped (digest.skip_empty).", "skipped"
        )
    result = deliver(
        settings.notify,
        subject,
        body,
        settings.format,
        retries=settings.retries,
        retry_delay=settings.retry_delay_seconds,
    )
    status = "delivered" if result.ok else "failed"
    _record(db, digest, slot, status, result.attempts, result.error, content_hash)
    if not result.ok:
        log.error("digest not delivered: %s; it will be sent again next time", result.error)
        return DigestOutcome(digest, text, "failed", result.error)
    return DigestOutcome(
        digest, f"Digest delivered to {', '.join(result.delivered_to)}.", "delivered"
    )


def _record(
    db: Database,
    digest: Digest,
    slot: datetime | None,
    status: str,
    attempts: int,
    error: str | None,
    content_hash: str,
) -> None:
    with db.session() as s:
        record = s.scalar(select(DigestRecord).where(DigestRecord.slot == slot)) if slot else None
        if record is None:
            record = DigestRecord(
                slot=slot,
                period_start=digest.start,
                period_end=digest.end,
                status=status,
                content_hash=content_hash,
            )
            s.add(record)
        record.period_start, record.period_end = digest.start, digest.end
        record.status, record.error, record.content_hash = status, error, content_hash
        record.attempts = (record.attempts or 0) + attempts
        record.content = digest.as_json()
        if status == "delivered":
            record.delivered_at = datetime.now(UTC)
