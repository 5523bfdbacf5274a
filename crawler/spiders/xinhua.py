"""Xinhua spider: hub pages -> ds_<id>.json datasource lists (or a link scan) -> articles."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy.http import Response

from crawler.sources import xinhua as source
from crawler.spiders.base import SEE_ERRORS, PolicywatchSpider, response_part

log = logging.getLogger("policywatch.crawl")


class XinhuaSpider(PolicywatchSpider):
    name = "xinhua"
    source_name = source.NAME
    allowed_domains = source.ALLOWED_DOMAINS

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for hub in self.source_config.get("hubs", []):
            yield scrapy.Request(
                hub,
                callback=self.parse_hub,
                errback=self.on_listing_error,
                meta={"handle_httpstatus_list": SEE_ERRORS},
            )
        for request in self.retry_open_items():
            yield request

    def looks_like_listing(self, html: str) -> bool:
        return "datasource:" in html or bool(source.scan_links(html, "https://www.news.cn/"))

    def looks_like_article(self, html: str) -> bool:
        return any(
            marker in html for marker in ('id="detail"', 'id="p-detail"', "<article", "<p>", "<P>")
        )

    def parse_hub(self, response: Response) -> Iterator[scrapy.Request]:
        if not self.listing_ok(response):
            return
        ds_urls = source.datasource_urls(response.text, response.url)
        if ds_urls:
            log.info(
                "hub source=%s datasources=%d url=%s", self.source_name, len(ds_urls), response.url
            )
            for url in ds_urls:
                yield scrapy.Request(
                    url,
                    callback=self.parse_datasource,
                    errback=self.on_listing_error,
                    meta={"handle_httpstatus_list": SEE_ERRORS, "hub": response.url},
                )
            return
        items = source.scan_links(response.text, response.url)
        self.store.count("hub_link_scan")
        log.warning(
            "hub without datasource ids source=%s url=%s; scanned %d article links instead",
            self.source_name,
            response.url,
            len(items),
        )
        yield from self.article_requests(items, source.url_date)

    def parse_datasource(self, response: Response) -> Iterator[scrapy.Request]:
        items = self.read_listing(
            response, lambda: source.parse_datasource(response.body, response.url), "datasource"
        )
        if items is None:
            return
        log.info("datasource source=%s items=%d url=%s", self.source_name, len(items), response.url)
        yield from self.article_requests(items, source.url_date)

    def parse_article(self, response: Response) -> Iterator[Any]:
        if not self.article_status_ok(response):
            return
        yield from self.finish_article(
            source.canonical_url(response.url),
            [response_part(response)],
            response.meta["discovery"],
        )
