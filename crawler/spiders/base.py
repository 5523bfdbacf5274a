"""Shared spider behaviour: incremental skipping, limits, failure/block accounting, page parts."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from typing import Any, TypeVar

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.blocks import ATTEMPTS_META, BLOCK_META
from crawler.items import ArticleItem
from crawler.middlewares import NotInHostMap
from crawler.sources.common import Discovered
from crawler.store import CrawlStore
from extract.blocking import block_reason
from extract.dates import parse_lenient

log = logging.getLogger("policywatch.crawl")
T = TypeVar("T")

# statuses the callbacks see (to log and count them) instead of Scrapy dropping the response;
# 3xx are left out so that redirects are still followed
SEE_ERRORS = list(range(400, 600))


def response_part(response: Response) -> dict[str, Any]:
    headers = {
        k.decode("latin-1"): b", ".join(v).decode("latin-1")
        for k, v in response.headers.items()
        if k.lower() in {b"content-type", b"last-modified", b"etag", b"date", b"content-language"}
    }
    return {
        "url": response.url,
        "status": response.status,
        "headers": headers,
        "body": response.body,
        "fetched_at": datetime.now(UTC),
    }


def failure_cause(failure: Failure) -> str:
    from scrapy.spidermiddlewares.httperror import HttpError
    from twisted.internet.error import (
        ConnectionRefusedError,
        DNSLookupError,
        TCPTimedOutError,
        TimeoutError,
    )

    if failure.check(HttpError):
        return f"HTTP {failure.value.response.status}"
    if failure.check(TimeoutError, TCPTimedOutError) or "Timeout" in type(failure.value).__name__:
        return "timeout"
    if failure.check(ConnectionRefusedError):
        return "connection refused"
    if failure.check(DNSLookupError):
        return "DNS lookup failed"
    return type(failure.value).__name__


class PolicywatchSpider(scrapy.Spider):
    """Base for per-source spiders. The runner passes ``store`` (a CrawlStore) and options."""

    source_name: str = ""

    def __init__(
        self,
        *args: Any,
        store: CrawlStore,
        max_items: int | None = None,
        since: date | None = None,
        refresh: bool = False,
        source_config: dict[str, Any] | None = None,
        backfill: bool = False,
        until: date | None = None,
        pages: int | None = None,
        progress: Callable[[str, int], None] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.backfill = backfill
        self.until = until
        self.backfill_pages = pages
        self.store = store
        self.max_items = max_items
        self.since = since
        self.refresh = refresh
        self.source_config = source_config or {}
        self.scheduled: set[str] = set()
        self.seen: set[str] = set()
        self.is_blocked = False
        # articles requested and not yet stored, failed or parked: {url: discovery}
        self.pending: dict[str, dict[str, Any]] = {}
        self.progress = progress
        # articles parked in this run, tried once more when the run is otherwise done and the
        # host's last answer was not a block (a burst that cleared)
        self.parked_now: dict[str, scrapy.Request] = {}
        self.final_pass_done = False
        self.blocks_in_a_row = 0  # kept up to date by crawler.blocks.HostCooldown

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> PolicywatchSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.on_idle, signal=signals.spider_idle)
        return spider

    def on_idle(self) -> None:
        """Before closing: one last try of the articles parked in this run, if the host has
        stopped blocking since (their cool-down is over); blocked again, they stay parked."""
        engine = self.crawler.engine
        if self.final_pass_done or self.is_blocked or not self.parked_now or engine is None:
            return
        self.final_pass_done = True
        if self.blocks_in_a_row:
            return
        for url, request in self.parked_now.items():
            meta = {k: v for k, v in request.meta.items() if k != BLOCK_META}
            meta[ATTEMPTS_META] = self.block_retries + 1  # blocked again: parked at once
            self.pending[url] = meta.get("discovery") or {}
            self.store.count("parked", -1)
            log.info("last try of a parked article source=%s url=%s", self.source_name, url)
            engine.crawl(request.replace(dont_filter=True, meta=meta))
        self.parked_now.clear()
        raise DontCloseSpider

    @property
    def block_retries(self) -> int:
        return self.crawler.settings.getint("POLICYWATCH_BLOCK_RETRIES", 1)

    # -- accounting --------------------------------------------------------------------------
    def fail(
        self,
        cause: str,
        url: str,
        message: str | None = None,
        *,
        article: str | None = None,
    ) -> None:
        """An article could not be fetched: counted by cause, recorded for `sources --missing`
        and retried on the next run. ``article`` is its canonical URL when ``url`` is another
        of its pages."""
        self.store.count("failed")
        self.store.count(f"failed:{cause}")
        key = article or url
        discovery = self.pending.pop(key, None)
        self.store.record(
            key,
            "article",
            "failed",
            f"{cause}" + (f" ({message})" if message else ""),
            discovery=discovery,
        )
        log.warning(
            "failed source=%s cause=%s url=%s%s",
            self.source_name,
            cause,
            url,
            f" ({message})" if message else "",
        )

    # -- blocks ------------------------------------------------------------------------------
    def block_reason_for(self, request: scrapy.Request, response: Response) -> str | None:
        """Whether an answer is a block (called by crawler.blocks.HostCooldown for every
        download): 403/429, or a challenge page lacking the structure expected of it."""
        if response.status in (403, 429):
            return f"HTTP {response.status}"
        if response.status != 200:
            return None
        kind = request.meta.get("pw_kind", "listing")
        body = response.body[:400_000]
        head = body.lstrip()[:200].lower()
        if kind == "attachment" and not head.startswith((b"<", b"\xef\xbb\xbf<")):
            return None
        if head.startswith((b"{", b"[", b"<?xml", b"<rss", b"<feed")):
            return None  # JSON or a feed: the structure is there
        text = body.decode(getattr(response, "encoding", None) or "utf-8", "replace")
        structured = (
            self.looks_like_article(text) if kind == "article" else self.looks_like_listing(text)
        )
        return block_reason(response.status, text, structured)

    def looks_like_listing(self, html: str) -> bool:
        """Whether a list/hub/column page has its expected structure (for block detection)."""
        return False

    def was_blocked(self, response: Response) -> bool:
        """Handle a response that crawler.blocks marked as a block: the URL is tried again
        after the host's cool-down, or parked when it was blocked before. True if blocked."""
        reason = response.meta.get(BLOCK_META)
        if not reason:
            return False
        self.on_block(response.request, reason)
        return True

    def on_block(self, request: scrapy.Request | None, reason: str) -> None:
        assert request is not None
        self.store.count("blocked")
        attempts = int(request.meta.get(ATTEMPTS_META, 0)) + 1
        engine = self.crawler.engine
        if attempts <= self.block_retries and not self.is_blocked and engine is not None:
            meta = {k: v for k, v in request.meta.items() if k != BLOCK_META}
            meta[ATTEMPTS_META] = attempts
            # lower priority: the other URLs go first; the host's pause applies to it
            retry = request.replace(dont_filter=True, priority=request.priority - 10, meta=meta)
            log.info(
                "will retry after the cool-down source=%s url=%s", self.source_name, request.url
            )
            engine.crawl(retry)
            return
        self.park(request, reason)

    def park(self, request: scrapy.Request, reason: str) -> None:
        kind = request.meta.get("pw_kind", "listing")
        article = request.meta.get("article")  # a continuation page or attachment's article
        if kind == "attachment":
            self._attachment_blocked(request, reason)
            return
        url = article or request.url
        if kind == "article" or article:
            self.store.count("parked")
            if not self.final_pass_done:
                self.parked_now[url] = request
            discovery = self.pending.pop(url, None) or request.meta.get("discovery")
            self.store.record(
                url, "article", "parked", f"blocked again: {reason}", discovery=discovery
            )
        else:
            self.store.count("listing_parked")
            self.store.record(url, "listing", "parked", f"blocked again: {reason}")
            self.listing_parked(request)
        log.warning(
            "parked source=%s url=%s reason=%s; retried on the next run",
            self.source_name,
            url,
            reason,
        )

    def listing_parked(self, request: scrapy.Request) -> None:
        """A list/column page was parked (per-source fallbacks hook in here)."""

    def _attachment_blocked(self, request: scrapy.Request, reason: str) -> None:
        self.store.count("attachment_failed")
        self.store.record(
            request.url,
            "attachment",
            "flagged",
            f"blocked again: {reason}",
            parent_url=request.meta.get("article"),
        )

    def too_many_blocks(self, in_a_row: int) -> None:
        if self.is_blocked:
            return
        self.is_blocked = True
        log.error(
            "source=%s stops this run after %d blocks in a row; what was discovered and not "
            "fetched is parked for the next run",
            self.source_name,
            in_a_row,
        )
        self.close_now("blocked")

    def closed(self, reason: str) -> None:
        """Discovered articles not fetched when the run ended early are parked, not lost."""
        why = (
            "not fetched: the source stopped after repeated blocks"
            if self.is_blocked
            else f"not fetched: the crawl ended ({reason})"
        )
        for url, discovery in list(self.pending.items()):
            self.store.count("parked")
            self.store.record(url, "article", "parked", why, discovery=discovery)
        self.pending.clear()

    def close_now(self, reason: str) -> None:
        """Stop the crawl: no further requests to the source in this run."""
        engine = self.crawler.engine
        if engine is not None and engine.spider is not None:
            from scrapy.utils.defer import deferred_from_coro

            deferred_from_coro(engine.close_spider_async(reason=reason))

    def looks_like_article(self, html: str) -> bool:
        """Whether a page has the structure expected of an article (for block detection)."""
        raise NotImplementedError

    # -- scheduling --------------------------------------------------------------------------
    def want(self, canonical_url: str, listed_on: date | None) -> bool:
        """Count a discovered article; say whether to fetch it."""
        if canonical_url in self.seen:  # listed again (another feed or list page)
            return False
        self.seen.add(canonical_url)
        self.store.count("discovered")
        if self.since and listed_on and listed_on < self.since:
            self.store.count("skipped_old")
            return False
        if not self.refresh and self.store.is_known(canonical_url):
            self.store.count("skipped_known")
            return False
        if self.max_items is not None and len(self.scheduled) >= self.max_items:
            self.store.count("skipped_limit")
            return False
        self.scheduled.add(canonical_url)
        return True

    def all_known_before(self, items: list[Discovered]) -> bool:
        """A list page has nothing new only when every item on it was stored by earlier runs
        (items found earlier in this run, e.g. from a feed, do not count)."""
        return bool(items) and all(self.store.was_known_before_run(i.url) for i in items)

    def item_day(self, item: Discovered, url_date: Callable[[str], date | None]) -> date | None:
        listed = parse_lenient(item.date) if item.date else None
        return listed.beijing_date if listed else url_date(item.url)

    def next_list_page(
        self,
        listing: str,
        page: int,
        last_page: int,
        items: list[Discovered],
        url_date: Callable[[str], date | None],
        min_pages: int = 1,
    ) -> int | None:
        """The list page to read after ``page`` of ``listing`` (a section, column...), or None.

        Daily runs read up to ``max_list_pages`` and stop early only after a page whose every
        item was stored by earlier runs (a first crawl reads every configured page).
        ``--backfill`` walks on to the last page (or ``--pages N`` pages, or until a page whose
        items are all older than ``--until``), recording its progress to resume after an
        interruption."""
        if self.progress:
            self.progress("list_page", 1)
        if self.backfill:
            older = self.until is not None and all(
                (d := self.item_day(i, url_date)) is not None and d < self.until for i in items
            )
            done = page >= last_page or not items or older
            limited = self.backfill_pages is not None and page >= self.backfill_pages
            self.store.backfill_mark(listing, page, done=done)
            if done or limited:
                return None
            resume = self.store.backfill_resume(listing) if page == 1 else 0
            if resume > page + 1:
                log.info(
                    "backfill resumes source=%s list=%s at page %d",
                    self.source_name,
                    listing,
                    resume,
                )
            return min(last_page, max(page + 1, resume))
        max_pages = min(int(self.source_config.get("max_list_pages", 3)), last_page)
        if page >= max_pages:
            return None
        if page >= min_pages and self.all_known_before(items):
            return None
        return page + 1

    def retry_open_items(self) -> Iterator[scrapy.Request]:
        """Articles parked or failed in earlier runs, tried again (after this run's lists)."""
        for url, discovery in self.store.open_items("article"):
            if self.store.is_known(url) and not self.refresh:
                self.store.resolve(url, "article")
                continue
            if url in self.seen:
                continue
            self.seen.add(url)
            self.store.count("retried")
            item = Discovered(
                url, discovery.get("title"), discovery.get("date"), discovery.get("via", url)
            )
            yield self.article_request(item, priority=-5)

    def article_requests(
        self, items: list[Discovered], url_date: Callable[[str], date | None]
    ) -> Iterator[scrapy.Request]:
        """Requests for the discovered articles worth fetching (see ``want``)."""
        for item in items:
            listed = parse_lenient(item.date) if item.date else None
            day = listed.beijing_date if listed else url_date(item.url)
            if self.want(item.url, day):
                yield self.article_request(item)

    def article_request(self, item: Discovered, priority: int = 0) -> scrapy.Request:
        self.pending[item.url] = item.as_dict()
        return scrapy.Request(
            item.url,
            callback=self.parse_article,
            errback=self.on_error,
            headers=self.article_headers(item),
            priority=priority,
            meta={
                "handle_httpstatus_list": SEE_ERRORS,
                "discovery": item.as_dict(),
                "pw_kind": "article",
                "article": item.url,
            },
        )

    def article_headers(self, item: Discovered) -> dict[str, str]:
        return {}

    def parse_article(self, response: Response) -> Iterator[Any]:
        raise NotImplementedError

    def listing_ok(self, response: Response) -> bool:
        """A feed, hub or list response is usable (counts and logs it when not)."""
        if self.was_blocked(response):
            return False
        if response.status != 200:
            self.store.count("listing_failed")
            self.store.record(response.url, "listing", "failed", f"HTTP {response.status}")
            log.warning(
                "listing failed source=%s cause=HTTP %s url=%s",
                self.source_name,
                response.status,
                response.url,
            )
            return False
        self.store.resolve(response.url, "listing")  # parked or failed before, readable now
        return True

    def read_listing(self, response: Response, parse: Callable[[], T], what: str) -> T | None:
        """``parse()`` a feed/list/API answer; None (counted and logged, or reported as a block
        page) when the answer is an error status or cannot be parsed (ValueError)."""
        if not self.listing_ok(response):
            return None
        try:
            return parse()
        except ValueError as exc:
            self.store.count("listing_failed")
            log.warning(
                "%s unreadable source=%s url=%s (%s)", what, self.source_name, response.url, exc
            )
            return None

    def on_error(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        if failure.check(NotInHostMap):
            # refused by design before anything was sent (counted and logged by the host-map
            # middleware as refused_outside_host_map / redirects_dropped): not a site failure
            self.pending.pop(request.meta.get("article") or request.url, None)
            return
        self.fail(failure_cause(failure), request.url, article=request.meta.get("article"))

    def on_listing_error(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        self.store.count("listing_failed")
        self.store.record(request.url, "listing", "failed", failure_cause(failure))
        log.warning(
            "listing failed source=%s cause=%s url=%s",
            self.source_name,
            failure_cause(failure),
            request.url,
        )

    def article_status_ok(self, response: Response) -> bool:
        if self.was_blocked(response):
            return False
        if response.status != 200:
            self.fail(f"HTTP {response.status}", response.url, article=response.meta.get("article"))
            return False
        return True

    def finish_article(
        self, canonical_url: str, parts: list[dict[str, Any]], discovery: dict[str, Any]
    ) -> Iterator[ArticleItem]:
        self.store.count("fetched")
        self.pending.pop(canonical_url, None)
        self.pending.pop(parts[0]["url"], None)
        if self.progress:
            self.progress("fetched", 1)
        yield ArticleItem(self.source_name, canonical_url, parts, discovery)
