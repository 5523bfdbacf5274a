"""Blocks slow the crawl down; they do not end coverage.

``HostCooldown`` (a Scrapy extension) sees every downloaded response first — on the
``response_downloaded`` signal, before the downloader sends the next request of that host — and
asks the spider whether it is a block answer (403, 429, or a status-200 challenge page, see
``extract.blocking``). On a block it pauses the host's downloader slot for a cool-down
(``POLICYWATCH_BLOCK_COOLDOWN`` seconds, doubled on each further block of the host in a row,
capped by ``POLICYWATCH_BLOCK_COOLDOWN_MAX``; a longer ``Retry-After`` wins), marks the response
(``request.meta["pw_block"]``) so that the spider retries the URL after the pause or parks it,
and tells the spider to stop only after ``POLICYWATCH_MAX_CONSECUTIVE_BLOCKS`` blocks in a row.
Other URLs of the source go on after the pause.
"""

from __future__ import annotations

import logging
from email.utils import parsedate_to_datetime
from time import monotonic
from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.http import Response

from crawler.middlewares import REAL_URL_KEY

log = logging.getLogger("policywatch.crawl")

BLOCK_META = "pw_block"  # reason, set on a request whose answer was a block
ATTEMPTS_META = "pw_block_attempts"  # how many times the URL was already blocked


def retry_after_seconds(value: bytes | str | None) -> float | None:
    """Seconds asked for by a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        from datetime import UTC, datetime

        when = parsedate_to_datetime(text)
        return max(0.0, (when - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError):
        return None


class HostCooldown:
    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.base = settings.getfloat("POLICYWATCH_BLOCK_COOLDOWN", 120.0)
        self.cap = settings.getfloat("POLICYWATCH_BLOCK_COOLDOWN_MAX", 1800.0)
        self.max_consecutive = settings.getint("POLICYWATCH_MAX_CONSECUTIVE_BLOCKS", 4)
        self.consecutive = 0  # blocks in a row, any host of the source
        self.in_a_row: dict[str, int] = {}  # per downloader slot
        crawler.signals.connect(self.response_downloaded, signal=signals.response_downloaded)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HostCooldown:
        return cls(crawler)

    def cooldown(self, blocks_in_a_row: int, retry_after: float | None) -> float:
        pause = min(self.cap, self.base * 2 ** max(0, blocks_in_a_row - 1))
        if retry_after is not None:
            pause = max(pause, min(retry_after, self.cap * 4))
        return pause

    def response_downloaded(self, response: Response, request: Request, spider: Any) -> None:
        if request.url.endswith("/robots.txt") or not hasattr(spider, "block_reason_for"):
            return
        engine = self.crawler.engine
        key = engine.downloader.get_slot_key(request) if engine else ""
        reason = spider.block_reason_for(request, response)
        if reason is None:
            if response.status < 400:
                self.consecutive = 0
                self.in_a_row[key] = 0
                spider.blocks_in_a_row = 0
            return
        request.meta[BLOCK_META] = reason
        self.consecutive += 1
        spider.blocks_in_a_row = self.consecutive
        self.in_a_row[key] = self.in_a_row.get(key, 0) + 1
        pause = self.cooldown(
            self.in_a_row[key], retry_after_seconds(response.headers.get(b"Retry-After"))
        )
        if engine is not None:
            slot = engine.downloader.slots.get(key)
            if slot is not None:
                # the downloader waits delay - now + lastseen before the slot's next request
                slot.lastseen = max(slot.lastseen, monotonic() + pause)
                if not slot.delay:
                    slot.delay = 0.001
        real_url = request.meta.get(REAL_URL_KEY, request.url)
        log.warning(
            "blocked source=%s url=%s reason=%s; pausing the host for %.1fs (%d block(s) in a row)",
            getattr(spider, "source_name", spider.name),
            real_url,
            reason,
            pause,
            self.consecutive,
        )
        if self.consecutive >= self.max_consecutive:
            spider.too_many_blocks(self.consecutive)
