"""Run one source's spider in this process (CrawlerProcess can start once per process:
the scheduler runs each crawl in a child process, see schedules/)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.settings import Settings

from crawler import settings as default_settings
from crawler.spiders.chinadaily import ChinaDailySpider
from crawler.spiders.miit import MiitSpider
from crawler.spiders.xinhua import XinhuaSpider
from crawler.store import CrawlStore
from policywatch.config import Config
from policywatch.errors import SourceError
from storage.db import Database

log = logging.getLogger("policywatch.crawl")

SPIDERS = {"chinadaily": ChinaDailySpider, "xinhua": XinhuaSpider, "miit": MiitSpider}


@dataclass
class CrawlSummary:
    source: str
    run_id: int
    status: str
    counts: dict[str, int]
    error: str | None


def build_settings(config: Config) -> Settings:
    """Settings shared by every source's crawler in this process."""
    settings = Settings()
    settings.setmodule(default_settings, priority="project")
    crawl = config.crawl
    settings.set("ROBOTSTXT_OBEY", crawl.obey_robots_txt, priority="cmdline")
    settings.set("AUTOTHROTTLE_ENABLED", crawl.autothrottle, priority="cmdline")
    settings.set("DOWNLOAD_TIMEOUT", crawl.download_timeout, priority="cmdline")
    settings.set("RETRY_TIMES", crawl.retry_times, priority="cmdline")
    settings.set("POLICYWATCH_RETRY_BACKOFF_BASE", crawl.retry_backoff_base, priority="cmdline")
    settings.set("POLICYWATCH_RETRY_BACKOFF_MAX", crawl.retry_backoff_max, priority="cmdline")
    settings.set("POLICYWATCH_HOST_MAP", dict(crawl.host_map), priority="cmdline")
    settings.set("POLICYWATCH_BLOCK_COOLDOWN", crawl.block_cooldown, priority="cmdline")
    settings.set("POLICYWATCH_BLOCK_COOLDOWN_MAX", crawl.block_cooldown_max, priority="cmdline")
    settings.set("POLICYWATCH_BLOCK_RETRIES", crawl.block_retries, priority="cmdline")
    settings.set(
        "POLICYWATCH_MAX_CONSECUTIVE_BLOCKS", crawl.max_consecutive_blocks, priority="cmdline"
    )
    settings.set("LOGSTATS_INTERVAL", 0, priority="cmdline")
    return settings


def source_settings(config: Config, source: str) -> dict[str, Any]:
    """Per-source settings (User-Agent, delays), applied as the spider's custom_settings."""
    crawl, src = config.crawl, config.source(source)
    user_agent = src.get("user_agent") or crawl.effective_user_agent
    if src.get("user_agent") and crawl.contact and "+" not in user_agent:
        user_agent = f"{user_agent} (+{crawl.contact})"
    delay = float(src.get("download_delay", crawl.download_delay))
    return {
        "USER_AGENT": user_agent,
        # never exactly 0: with no delay Scrapy hands a host's queued requests to the
        # downloader together, and a block could not pause the ones already handed over
        "DOWNLOAD_DELAY": max(delay, 0.001),
        "AUTOTHROTTLE_START_DELAY": max(delay, 1.0) if delay else 0.0,
    }


def run_crawl(
    config: Config,
    db: Database,
    source: str,
    *,
    max_items: int | None = None,
    since: date | None = None,
    refresh: bool = False,
) -> CrawlSummary:
    return run_crawls(config, db, [source], max_items=max_items, since=since, refresh=refresh)[0]


@dataclass
class Backfill:
    """`crawl --backfill`: walk older list pages, down to ``until`` or for ``pages`` pages."""

    until: date | None = None
    pages: int | None = None


def run_crawls(
    config: Config,
    db: Database,
    sources: list[str],
    *,
    max_items: int | None = None,
    since: date | None = None,
    refresh: bool = False,
    backfill: Backfill | None = None,
    progress: Callable[[str, str, int], None] | None = None,
    stop: threading.Event | None = None,
) -> list[CrawlSummary]:
    """Crawl the sources side by side in one Twisted reactor (startable once per process).

    ``stop``: set by the caller's SIGINT/SIGTERM handler while Scrapy is still starting (before
    it installs its own): the crawls are then not begun (status ``stopped``)."""
    for source in sources:
        if source not in SPIDERS:
            raise SourceError(
                f"No spider for source {source!r}; available: {', '.join(sorted(SPIDERS))}."
            )
    quiet = not logging.getLogger("policywatch").isEnabledFor(logging.DEBUG)
    settings = build_settings(config)
    if quiet:
        settings.set("LOG_LEVEL", "WARNING", priority="cmdline")
    process = CrawlerProcess(settings)
    if quiet:
        for name in ("scrapy", "twisted", "py.warnings"):
            logging.getLogger(name).setLevel(logging.WARNING)
    runs: list[tuple[str, CrawlStore, Crawler]] = []
    for source in sources:
        store = CrawlStore(db, source)
        spider_class = type(
            SPIDERS[source].__name__,
            (SPIDERS[source],),
            {"custom_settings": source_settings(config, source)},
        )
        crawler = process.create_crawler(spider_class)
        process.crawl(
            crawler,
            store=store,
            max_items=max_items,
            since=since,
            refresh=refresh,
            source_config=config.source(source),
            backfill=backfill is not None,
            until=backfill.until if backfill else None,
            pages=backfill.pages if backfill else None,
            progress=(lambda event, n, _s=source: progress(_s, event, n)) if progress else None,
        )
        runs.append((source, store, crawler))
    if stop is not None and stop.is_set():  # stopped while starting: nothing begun, say so
        note = "stopped by a signal before the crawl began; nothing was fetched"
        for _source, store, _crawler in runs:
            store.finish("stopped", note)
        return [
            CrawlSummary(source, store.run_id, "stopped", dict(store.counts), note)
            for source, store, _crawler in runs
        ]
    try:
        process.start()  # from here Scrapy's own handlers stop it gracefully
    except Exception as exc:  # the run records must be closed whatever happened
        for _source, store, _crawler in runs:
            store.finish("failed", f"{type(exc).__name__}: {exc}")
        raise
    return [_close_run(source, store, crawler) for source, store, crawler in runs]


def _close_run(source: str, store: CrawlStore, crawler: Crawler) -> CrawlSummary:
    stats: dict[str, Any] = crawler.stats.get_stats() if crawler.stats else {}
    reason = stats.get("finish_reason", "did not start")
    status, error = "ok", None
    for stat, key in (
        ("policywatch/refused_outside_host_map", "refused_outside_host_map"),
        ("policywatch/redirects_dropped", "redirects_dropped"),
        ("policywatch/connection_refused", "connection_refused"),
        ("policywatch/dns_failed", "dns_failed"),
    ):
        if stats.get(stat):
            store.count(key, int(stats[stat]))
    spider = crawler.spider
    if reason == "blocked" or getattr(spider, "is_blocked", False):
        status, error = (
            "blocked",
            "blocked by the site too many times in a row; the run stopped early and what was "
            "not fetched is parked for the next run (see `policywatch sources --missing`)",
        )
    elif stats.get("policywatch/unreachable"):
        status, error = "failed", str(stats["policywatch/unreachable"])
    elif reason == "shutdown":  # SIGTERM / SIGINT: Scrapy stored what it had fetched
        status, error = "stopped", "stopped by a signal; the pages fetched so far are stored"
    elif reason != "finished":
        status, error = "failed", f"crawl ended: {reason}"
    elif store.counts.get("failed") and not store.counts.get("stored"):
        status, error = "failed", "every article fetch failed"
    elif store.counts.get("listing_failed") and not store.counts.get("discovered"):
        status, error = "failed", "no feed or list page could be read"
    elif any(store.counts.get(k) for k in ("parked", "failed", "listing_parked")):
        status = "partial"
        error = (
            f"{store.counts.get('parked', 0)} article(s) parked after blocks, "
            f"{store.counts.get('failed', 0)} failed, "
            f"{store.counts.get('listing_parked', 0)} list page(s) parked: they are retried on "
            "the next run (see `policywatch sources --missing`)"
        )
    if stats.get("robotstxt/forbidden"):
        store.count("robots_forbidden", int(stats["robotstxt/forbidden"]))
    store.finish(status, error)
    return CrawlSummary(source, store.run_id, status, dict(store.counts), error)
