"""Source health and coverage: each source's last crawl run (discovered, stored, already known,
parked, failed by cause), what the site says it holds against what is stored, the items still
missing (parked, failed, flagged attachments) and silence warnings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from extract.dates import BEIJING
from policywatch.config import Config
from storage.issues import open_issues
from storage.models import CrawlRun, FetchedPage, Source
from storage.runs import mark_interrupted

SITE_TOTAL = "site_total:"
# host of each source's documents, for comparing a column's stated total with what is stored
DOCUMENT_BASE = {"miit": "https://www.miit.gov.cn"}
MAX_NAMED = 5  # missing URLs named in a warning (the digest's health section)


def _failed_by_cause(counts: dict[str, Any]) -> str:
    causes = {k.split(":", 1)[1]: v for k, v in counts.items() if k.startswith("failed:")}
    return ", ".join(f"{cause}: {n}" for cause, n in sorted(causes.items()))


def site_totals(session: Session, source: Source, counts: dict[str, Any]) -> list[dict[str, Any]]:
    """Per list whose answer stated a total (MIIT columns): stated vs stored."""
    rows = []
    base = DOCUMENT_BASE.get(source.name, "")
    for key, stated in sorted(counts.items()):
        if not key.startswith(SITE_TOTAL):
            continue
        prefix = key[len(SITE_TOTAL) :]
        stored = session.scalar(
            select(func.count(func.distinct(FetchedPage.canonical_url))).where(
                FetchedPage.source_id == source.id,
                FetchedPage.parent_id.is_(None),
                FetchedPage.canonical_url.like(f"{base}{prefix}%"),
            )
        )
        rows.append({"list": prefix, "site_total": int(stated), "stored": int(stored or 0)})
    return rows


def source_health(session: Session, config: Config) -> list[dict[str, Any]]:
    mark_interrupted(session)  # a crawl killed with -9 is not "running" forever
    rows = []
    now = datetime.now(UTC)
    missing_by_source: dict[str, list[dict[str, Any]]] = {}
    for item in open_issues(session):
        missing_by_source.setdefault(item["source"], []).append(item)
    for name, settings in sorted(config.sources.items()):
        source = session.scalar(select(Source).where(Source.name == name))
        run = None
        last_new = None
        totals: list[dict[str, Any]] = []
        stored_total = 0
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
            stored_total = (
                session.scalar(
                    select(func.count(func.distinct(FetchedPage.canonical_url))).where(
                        FetchedPage.source_id == source.id, FetchedPage.parent_id.is_(None)
                    )
                )
                or 0
            )
            if run is not None:
                totals = site_totals(session, source, run.counts or {})
        counts: dict[str, Any] = dict(run.counts or {}) if run else {}
        missing = missing_by_source.get(name, [])
        warnings = []
        period = timedelta(hours=float(settings.get("expected_period_hours", 24)))
        if run is None:
            warnings.append("never crawled")
        elif run.status not in ("ok", "partial"):
            warnings.append(f"last run {run.status}")
        elif last_new is None or now - last_new > period:
            warnings.append(f"nothing new for more than {period.total_seconds() / 3600:g} h")
        brief = list(warnings)
        if missing:
            named = ", ".join(f"{m['state']} {m['url']}" for m in missing[:MAX_NAMED])
            more = f" and {len(missing) - MAX_NAMED} more" if len(missing) > MAX_NAMED else ""
            warnings.append(
                f"{len(missing)} item(s) missing ({named}{more}); "
                "see `policywatch sources --missing`"
            )
            brief.append(f"{len(missing)} item(s) missing: see `sources --missing`")
        for t in totals:
            if t["stored"] < t["site_total"]:
                gap = f"{t['list']}: the site lists {t['site_total']}, {t['stored']} stored"
                warnings.append(gap)
                brief.append(gap)
        rows.append(
            {
                "source": name,
                "last_run": run.started_at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")
                if run
                else "",
                "status": run.status if run else "",
                "discovered": counts.get("discovered", 0),
                "stored": counts.get("stored", 0),
                "known": counts.get("skipped_known", 0),
                "parked": counts.get("parked", 0) + counts.get("listing_parked", 0),
                "failed": counts.get("failed", 0),
                "failed_by_cause": _failed_by_cause(counts),
                "blocked_answers": counts.get("blocked", 0),
                "stored_total": stored_total,
                "site_totals": totals,
                "missing": len(missing),
                "counts": ", ".join(
                    f"{k}={v}" for k, v in counts.items() if not k.startswith(SITE_TOTAL)
                ),
                "last_error": (run.last_error or "") if run else "",
                "warning": "; ".join(warnings),  # names the missing URLs (digest)
                "warning_brief": "; ".join(brief),  # for tables
            }
        )
    return rows
