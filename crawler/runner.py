"""Run one source's spider in this process (CrawlerProcess can start once per process:
the scheduler runs each crawl in a child process, see schedules/)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from crawler import settings as default_settings
from crawler.spiders.chinadaily import ChinaDailySpider
from crawler.store import CrawlStore
from policywatch.config import Config
from policywatch.errors import SourceError
from storage.db import Database

log = logging.getLogger("policywatch.crawl")

SPIDERS = {"chinadaily": ChinaDailySpider}


@dataclass
class CrawlSummary:
    source: str
    run_id: int
    status: str
    counts: dict[str, int]
    error: str | None


def build_settings(config: Config, source: str) -> Settings:
    settings = Settings()
    settings.setmodule(default_settings, priority="project")
    crawl = config.crawl
    src = config.source(source)
    settings.set("USER_AGENT", crawl.effective_user_agent, priority="cmdline")
    settings.set("ROBOTSTXT_OBEY", crawl.obey_robots_txt, priority="cmdline")
    settings.set("AUTOTHROTTLE_ENABLED", crawl.autothrottle, priority="cmdline")
    delay = float(src.get("download_delay", crawl.download_delay))
    settings.set("DOWNLOAD_DELAY", delay, priority="cmdline")
    settings.set("AUTOTHROTTLE_START_DELAY", max(delay, 1.0) if delay else 0, priority="cmdline")
    settings.set("DOWNLOAD_TIMEOUT", crawl.download_timeout, priority="cmdline")
    settings.set("RETRY_TIMES", crawl.retry_times, priority="cmdline")
    settings.set("POLICYWATCH_RETRY_BACKOFF_BASE", crawl.retry_backoff_base, priority="cmdline")
    settings.set("POLICYWATCH_RETRY_BACKOFF_MAX", crawl.retry_backoff_max, priority="cmdline")
    settings.set("POLICYWATCH_HOST_MAP", dict(crawl.host_map), priority="cmdline")
    settings.set("LOG_LEVEL", "WARNING", priority="cmdline")  # policywatch logs its own events
    settings.set("LOGSTATS_INTERVAL", 0, priority="cmdline")
    return settings


def run_crawl(
    config: Config,
    db: Database,
    source: str,
    *,
    max_items: int | None = None,
    since: date | None = None,
    refresh: bool = False,
) -> CrawlSummary:
    if source not in SPIDERS:
        raise SourceError(
            f"No spider for source {source!r} yet; available: {', '.join(sorted(SPIDERS))}."
        )
    store = CrawlStore(db, source)
    process = CrawlerProcess(build_settings(config, source), install_root_handler=False)
    if not logging.getLogger("policywatch").isEnabledFor(logging.DEBUG):
        for name in ("scrapy", "twisted", "py.warnings"):
            logging.getLogger(name).setLevel(logging.WARNING)
    crawler = process.create_crawler(SPIDERS[source])
    process.crawl(
        crawler,
        store=store,
        max_items=max_items,
        since=since,
        refresh=refresh,
        source_config=config.source(source),
    )
    error: str | None = None
    try:
        process.start()
    except Exception as exc:  # the run record must be closed whatever happened
        error = f"{type(exc).__name__}: {exc}"
        store.finish("failed", error)
        raise
    stats: dict[str, Any] = crawler.stats.get_stats() if crawler.stats else {}
    reason = stats.get("finish_reason", "finished")
    status = "ok"
    if store.counts.get("blocked"):
        status, error = "blocked", "blocked by the site; backed off for the rest of the run"
    elif reason != "finished":
        status, error = "failed", f"crawl ended: {reason}"
    elif store.counts.get("failed") and not store.counts.get("stored"):
        status, error = "failed", "every article fetch failed"
    elif store.counts.get("listing_failed") and not store.counts.get("discovered"):
        status, error = "failed", "no feed or list page could be read"
    for key in ("robotstxt/forbidden",):
        if stats.get(key):
            store.count("robots_forbidden", int(stats[key]))
    store.finish(status, error)
    return CrawlSummary(source, store.run_id, status, dict(store.counts), error)
