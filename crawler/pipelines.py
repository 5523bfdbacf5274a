"""Item pipelines, one job each: validate the raw article, then store it."""

from __future__ import annotations

import logging

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawler.items import ArticleItem
from extract.blocking import block_reason
from extract.encoding import DecodeError, decode_html

log = logging.getLogger("policywatch.crawl")


class ValidatePipeline:
    """Drop pages that must not be stored: empty, undecodable, or block pages."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ValidatePipeline:
        return cls(crawler)

    def process_item(self, item: ArticleItem, spider=None) -> ArticleItem:  # type: ignore[no-untyped-def]
        spider = spider or self.crawler.spider
        for part in item.parts:
            if part.get("kind") == "attachment":
                continue  # PDF/DOCX bytes: read at processing time
            body: bytes = part["body"]
            if not body.strip():
                spider.fail("empty", part["url"], "empty page (0 bytes of content); not stored")
                raise DropItem("empty page")
            content_type = part["headers"].get("Content-Type")
            try:
                text, _ = decode_html(body, content_type)
            except DecodeError:
                spider.fail("encoding", part["url"], "undecodable page; not stored")
                raise DropItem("undecodable page") from None
            reason = block_reason(part["status"], text, spider.looks_like_article(text))
            if reason:  # normally caught on download (crawler.blocks); never stored
                spider.store.count("parked")
                spider.store.record(
                    item.canonical_url,
                    "article",
                    "parked",
                    f"block page: {reason}",
                    discovery=item.discovery,
                )
                raise DropItem(f"blocked: {reason}")
        return item


class StorePipeline:
    """Store the article's pages (all or nothing) through the crawl store."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler)

    def process_item(self, item: ArticleItem, spider=None) -> ArticleItem:  # type: ignore[no-untyped-def]
        spider = spider or self.crawler.spider
        page_id = spider.store.store_article(item.canonical_url, item.parts, item.discovery)
        spider.store.count("stored")
        log.info(
            "stored source=%s page=%s parts=%d url=%s",
            item.source,
            page_id,
            len(item.parts),
            item.canonical_url,
        )
        return item
