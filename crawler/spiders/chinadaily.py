"""China Daily spider: RSS feeds and section lists -> article pages (+ continuation pages)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy.http import Response

from crawler.sources import chinadaily as source
from crawler.spiders.base import SEE_ERRORS, PolicywatchSpider, response_part
from extract.sources.chinadaily import continuation_urls

log = logging.getLogger("policywatch.crawl")


class ChinaDailySpider(PolicywatchSpider):
    name = "chinadaily"
    source_name = source.NAME
    allowed_domains = source.ALLOWED_DOMAINS

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for feed in self.source_config.get("feeds", []):
            yield scrapy.Request(
                feed,
                callback=self.parse_feed,
                errback=self.on_listing_error,
                meta={"handle_httpstatus_list": SEE_ERRORS},
            )
        for section in self.source_config.get("sections", []):
            yield self._list_request(section, 1)
        for request in self.retry_open_items():
            yield request

    def _list_request(self, section: str, page: int) -> scrapy.Request:
        return scrapy.Request(
            source.section_url(section, page),
            callback=self.parse_listing,
            errback=self.on_listing_error,
            meta={"handle_httpstatus_list": SEE_ERRORS, "section": section},
        )

    def looks_like_article(self, html: str) -> bool:
        return 'id="Content"' in html or "id='Content'" in html or "<article" in html

    def looks_like_listing(self, html: str) -> bool:
        return "tw3_01_2" in html or "div_currpage" in html

    def parse_feed(self, response: Response) -> Iterator[scrapy.Request]:
        items = self.read_listing(
            response, lambda: source.parse_feed(response.body, response.url), "feed"
        )
        if items is None:
            return
        log.info("feed source=%s items=%d url=%s", self.source_name, len(items), response.url)
        yield from self.article_requests(items, source.url_date)

    def parse_listing(self, response: Response) -> Iterator[scrapy.Request]:
        if not self.listing_ok(response):
            return
        listing = source.parse_listing(response.text, response.url)
        requests = list(self.article_requests(listing.items, source.url_date))
        log.info(
            "list source=%s page=%d/%d items=%d new=%d url=%s",
            self.source_name,
            listing.page,
            listing.max_page,
            len(listing.items),
            len(requests),
            response.url,
        )
        yield from requests
        section = response.meta["section"]
        following = self.next_list_page(
            f"section:{section}", listing.page, listing.max_page, listing.items, source.url_date
        )
        if following:
            yield self._list_request(section, following)

    def parse_article(self, response: Response) -> Iterator[Any]:
        if not self.article_status_ok(response):
            return
        parts = [response_part(response)]
        pending = continuation_urls(response.text, response.url) if response.text else []
        yield from self._next_part(parts, pending, response.meta["discovery"])

    def _next_part(
        self, parts: list[dict[str, Any]], pending: list[str], discovery: dict[str, Any]
    ) -> Iterator[Any]:
        canonical = source.canonical_url(parts[0]["url"])
        if not pending:
            yield from self.finish_article(canonical, parts, discovery)
            return
        yield scrapy.Request(
            pending[0],
            callback=self.parse_continuation,
            errback=self.on_continuation_error,
            meta={
                "handle_httpstatus_list": SEE_ERRORS,
                "parts": parts,
                "pending": pending[1:],
                "discovery": discovery,
                "article": canonical,
                "pw_kind": "article",
            },
        )

    def parse_continuation(self, response: Response) -> Iterator[Any]:
        if self.was_blocked(response):
            return
        if response.status != 200:
            self.fail(
                f"HTTP {response.status}",
                response.url,
                f"continuation page of {response.meta['article']}; article not stored",
                article=response.meta["article"],
            )
            return
        parts = [*response.meta["parts"], response_part(response)]
        yield from self._next_part(parts, response.meta["pending"], response.meta["discovery"])

    def on_continuation_error(self, failure: Any) -> None:
        from crawler.spiders.base import failure_cause

        request = failure.request
        self.fail(
            failure_cause(failure),
            request.url,
            f"continuation page of {request.meta['article']}; article not stored",
            article=request.meta["article"],
        )
