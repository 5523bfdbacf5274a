"""Shared spider behaviour: incremental skipping, limits, failure/block accounting, page parts."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from typing import Any, TypeVar

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.items import ArticleItem
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
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.store = store
        self.max_items = max_items
        self.since = since
        self.refresh = refresh
        self.source_config = source_config or {}
        self.scheduled: set[str] = set()
        self.seen: set[str] = set()
        self.is_blocked = False

    # -- accounting --------------------------------------------------------------------------
    def fail(self, cause: str, url: str, message: str | None = None) -> None:
        self.store.count("failed")
        self.store.count(f"failed:{cause}")
        log.warning(
            "failed source=%s cause=%s url=%s%s",
            self.source_name,
            cause,
            url,
            f" ({message})" if message else "",
        )

    def blocked(self, url: str, reason: str) -> None:
        self.store.count("blocked")
        self.is_blocked = True
        log.error(
            "blocked source=%s url=%s reason=%s; backing off for the rest of this run",
            self.source_name,
            url,
            reason,
        )
        self.close_now("blocked")

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
        if self.is_blocked:
            return False
        if self.max_items is not None and len(self.scheduled) >= self.max_items:
            self.store.count("skipped_limit")
            return False
        self.scheduled.add(canonical_url)
        return True

    def article_requests(
        self, items: list[Discovered], url_date: Callable[[str], date | None]
    ) -> Iterator[scrapy.Request]:
        """Requests for the discovered articles worth fetching (see ``want``)."""
        for item in items:
            listed = parse_lenient(item.date) if item.date else None
            day = listed.beijing_date if listed else url_date(item.url)
            if self.want(item.url, day):
                yield scrapy.Request(
                    item.url,
                    callback=self.parse_article,
                    errback=self.on_error,
                    headers=self.article_headers(item),
                    meta={"handle_httpstatus_list": SEE_ERRORS, "discovery": item.as_dict()},
                )

    def article_headers(self, item: Discovered) -> dict[str, str]:
        return {}

    def parse_article(self, response: Response) -> Iterator[Any]:
        raise NotImplementedError

    def listing_ok(self, response: Response) -> bool:
        """A feed, hub or list response is usable (counts and logs it when not)."""
        if response.status in (403, 429):
            self.blocked(response.url, f"HTTP {response.status}")
            return False
        if response.status != 200:
            self.store.count("listing_failed")
            log.warning(
                "listing failed source=%s cause=HTTP %s url=%s",
                self.source_name,
                response.status,
                response.url,
            )
            return False
        return True

    def read_listing(self, response: Response, parse: Callable[[], T], what: str) -> T | None:
        """``parse()`` a feed/list/API answer; None (counted and logged, or reported as a block
        page) when the answer is an error status or cannot be parsed (ValueError)."""
        if not self.listing_ok(response):
            return None
        try:
            return parse()
        except ValueError as exc:
            if self.blocked_listing(response):
                return None
            self.store.count("listing_failed")
            log.warning(
                "%s unreadable source=%s url=%s (%s)", what, self.source_name, response.url, exc
            )
            return None

    def blocked_listing(self, response: Response) -> bool:
        """For a feed/list/API answer that could not be parsed: is it a block page? (status 200
        challenge pages carry marker strings; SOURCES.md §0.5). Reports the block if so."""
        try:
            text = response.text
        except AttributeError:  # not a text response
            text = response.body.decode("utf-8", "replace")
        reason = block_reason(response.status, text, has_structure=False)
        if reason:
            self.blocked(response.url, reason)
            return True
        return False

    def on_error(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        self.fail(failure_cause(failure), request.url)

    def on_listing_error(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        self.store.count("listing_failed")
        log.warning(
            "listing failed source=%s cause=%s url=%s",
            self.source_name,
            failure_cause(failure),
            request.url,
        )

    def article_status_ok(self, response: Response) -> bool:
        if response.status in (403, 429):
            self.blocked(response.url, f"HTTP {response.status}")
            return False
        if response.status != 200:
            self.fail(f"HTTP {response.status}", response.url)
            return False
        return True

    def finish_article(
        self, canonical_url: str, parts: list[dict[str, Any]], discovery: dict[str, Any]
    ) -> Iterator[ArticleItem]:
        self.store.count("fetched")
        yield ArticleItem(self.source_name, canonical_url, parts, discovery)
