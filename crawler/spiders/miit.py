"""MIIT spider: column pages -> queryData -> build/unit list API (paged) -> notices and their
attachments; the site search API when a column page has no usable queryData."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy.http import Response

from crawler.blocks import ATTEMPTS_META, BLOCK_META
from crawler.sources import miit as source
from crawler.spiders.base import SEE_ERRORS, PolicywatchSpider, failure_cause, response_part
from extract.sources.miit import attachment_urls

log = logging.getLogger("policywatch.crawl")


class MiitSpider(PolicywatchSpider):
    name = "miit"
    source_name = source.NAME
    allowed_domains = source.ALLOWED_DOMAINS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.search_pending: list[str] = []

    async def start(self) -> AsyncIterator[scrapy.Request]:
        columns = list(self.source_config.get("columns", []))
        for path in columns:
            yield scrapy.Request(
                source.column_url(path),
                callback=self.parse_column,
                errback=self.on_listing_error,
                headers=source.BROWSER_HEADERS,
                meta={"handle_httpstatus_list": SEE_ERRORS, "column": path},
            )
        if self.backfill and columns:
            # history: the site search API pages, filtered on the configured columns
            for request in self._search_fallback(None, [source.column_path(c) for c in columns]):
                yield request
        for request in self.retry_open_items():
            yield request

    def looks_like_article(self, html: str) -> bool:
        return 'id="con_con"' in html or "id='con_con'" in html or 'id="con_title"' in html

    def looks_like_listing(self, html: str) -> bool:
        lowered = html.lower()
        return "unitbuild" in lowered or "querydata" in lowered

    def listing_parked(self, request: scrapy.Request) -> None:
        """A column (page or list API) that stays blocked: its notices are looked for through
        the site search API instead; the other columns are not affected."""
        column = request.meta.get("column")
        engine = self.crawler.engine
        if column and not self.is_blocked and engine is not None:
            for search in self._search_fallback(column):
                engine.crawl(search)

    def article_headers(self, item: Any) -> dict[str, str]:
        return {"Referer": item.via}

    # -- discovery -------------------------------------------------------------------------
    def parse_column(self, response: Response) -> Iterator[scrapy.Request]:
        if not self.listing_ok(response):
            return
        column = response.meta["column"]
        found = source.find_column_query(response.text)
        if found is None:
            self.store.count("column_without_querydata")
            log.warning(
                "no queryData on column page source=miit url=%s; using the search API for %s",
                response.url,
                source.column_path(column),
            )
            yield from self._search_fallback(column)
            return
        api_path, query = found
        yield self._unit_request(api_path, query, 1, response.url, column, rows=24)

    def _unit_request(
        self,
        api_path: str,
        query: dict[str, str],
        page: int,
        referer: str,
        column: str,
        rows: int,
        plain_paging: bool = False,
        previous: frozenset[str] = frozenset(),
    ) -> scrapy.Request:
        url = source.unit_url(api_path, query, page, rows)
        if plain_paging and page >= 2:
            url = source.unit_url(
                api_path, {**query, "pageNo": str(page), "pageSize": str(rows)}, 1
            )
        return scrapy.Request(
            url,
            callback=self.parse_unit,
            errback=self.on_listing_error,
            headers={
                **source.BROWSER_HEADERS,
                "Referer": referer,
                "Accept": "application/json, text/javascript, */*; q=0.01",
            },
            meta={
                "handle_httpstatus_list": SEE_ERRORS,
                "api_path": api_path,
                "query": query,
                "page": page,
                "referer": referer,
                "column": column,
                "rows": rows,
                "plain_paging": plain_paging,
                "previous": previous,
            },
            dont_filter=True,
        )

    def parse_unit(self, response: Response) -> Iterator[scrapy.Request]:
        meta = response.meta
        unit = self.read_listing(
            response, lambda: source.parse_unit_response(response.body, response.url), "list API"
        )
        if unit is None:
            return
        urls = frozenset(i.url for i in unit.items)
        page = meta["page"]
        if page >= 2 and urls and urls == meta["previous"]:
            if not meta["plain_paging"]:
                log.warning(
                    "page %d repeats page %d source=miit column=%s; retrying once with "
                    "plain pageNo/pageSize parameters",
                    page,
                    page - 1,
                    meta["column"],
                )
                yield self._unit_request(
                    meta["api_path"],
                    meta["query"],
                    page,
                    meta["referer"],
                    meta["column"],
                    meta["rows"],
                    True,
                    meta["previous"],
                )
            else:
                log.warning("paging does not work for column %s; only page 1 read", meta["column"])
            return
        requests = list(self.article_requests(unit.items, lambda _url: None))
        log.info(
            "list source=miit column=%s page=%d/%d items=%d new=%d",
            meta["column"],
            page,
            unit.pages,
            len(unit.items),
            len(requests),
        )
        if page == 1 and unit.count is not None:
            # what the site says the column holds, compared with what is stored (`sources`)
            self.store.counts[f"site_total:{source.column_path(meta['column'])}"] = unit.count
        yield from requests
        rows = unit.rows or meta["rows"]
        # the list is not strictly by date: read at least two pages, then stop after a page
        # whose every item was stored by earlier runs
        following = self.next_list_page(
            f"column:{source.column_path(meta['column'])}",
            page,
            unit.pages,
            unit.items,
            lambda _url: None,
            min_pages=2,
        )
        if following:
            yield self._unit_request(
                meta["api_path"],
                meta["query"],
                following,
                meta["referer"],
                meta["column"],
                rows,
                meta["plain_paging"],
                urls,
            )

    def _search_fallback(
        self, column: str | None, prefixes: list[str] | None = None, page: int = 0
    ) -> Iterator[scrapy.Request]:
        prefixes = prefixes or [source.column_path(column or "")]
        if page == 0:
            if set(prefixes) <= set(self.search_pending):
                return  # already looked up in this run
            self.search_pending.extend(prefixes)
        yield scrapy.Request(
            source.search_url(str(self.source_config.get("search_cateid", "57")), page),
            callback=self.parse_search,
            errback=self.on_listing_error,
            headers={**source.BROWSER_HEADERS, "Referer": f"{source.BASE}/search/zcwjk.html"},
            meta={"handle_httpstatus_list": SEE_ERRORS, "prefixes": prefixes, "page": page},
            dont_filter=True,
        )

    def parse_search(self, response: Response) -> Iterator[scrapy.Request]:
        items = self.read_listing(
            response,
            lambda: source.parse_search_response(
                response.body, response.url, response.meta["prefixes"]
            ),
            "search API",
        )
        if items is None:
            return
        log.info("search source=miit prefixes=%s items=%d", response.meta["prefixes"], len(items))
        yield from self.article_requests(items, lambda _url: None)
        if self.backfill:
            page = int(response.meta.get("page", 0))
            pages = source.search_pages(response.body)
            # pages count from 0 here; next_list_page counts from 1
            following = self.next_list_page(
                f"search:{','.join(response.meta['prefixes'])}",
                page + 1,
                pages,
                items,
                lambda _url: None,
            )
            if following:
                yield from self._search_fallback(None, response.meta["prefixes"], following - 1)

    # -- notices and attachments -----------------------------------------------------------
    def parse_article(self, response: Response) -> Iterator[Any]:
        if not self.article_status_ok(response):
            return
        parts = [response_part(response)]
        attachments = [u for u, _ in attachment_urls(response.text, response.url)]
        yield from self._next_attachment(parts, attachments, response.meta["discovery"])

    def _next_attachment(
        self, parts: list[dict[str, Any]], pending: list[str], discovery: dict[str, Any]
    ) -> Iterator[Any]:
        if not pending:
            yield from self.finish_article(source.canonical_url(parts[0]["url"]), parts, discovery)
            return
        yield scrapy.Request(
            pending[0],
            callback=self.parse_attachment,
            errback=self.on_attachment_error,
            headers={"Referer": parts[0]["url"]},
            meta={
                "handle_httpstatus_list": SEE_ERRORS,
                "parts": parts,
                "pending": pending[1:],
                "discovery": discovery,
                "dont_obey_robotstxt": False,
                "pw_kind": "attachment",
                "article": source.canonical_url(parts[0]["url"]),
            },
        )

    def parse_attachment(self, response: Response) -> Iterator[Any]:
        meta = response.meta
        parts, discovery = meta["parts"], meta["discovery"]
        reason = meta.get(BLOCK_META)
        if reason:
            self.store.count("blocked")
            attempts = int(meta.get(ATTEMPTS_META, 0)) + 1
            if attempts <= self.block_retries and not self.is_blocked:
                retry_meta = {k: v for k, v in meta.items() if k != BLOCK_META}
                retry_meta[ATTEMPTS_META] = attempts
                yield response.request.replace(
                    dont_filter=True, priority=response.request.priority - 10, meta=retry_meta
                )
                return
            self._attachment_failed(discovery, response.url, f"blocked again: {reason}")
        elif response.status == 200:
            part = response_part(response)
            part["kind"] = "attachment"
            parts = [*parts, part]
        else:
            self._attachment_failed(discovery, response.url, f"HTTP {response.status}")
        yield from self._next_attachment(parts, meta["pending"], discovery)

    def on_attachment_error(self, failure: Any) -> Iterator[Any]:
        request = failure.request
        meta = request.meta
        self._attachment_failed(meta["discovery"], request.url, failure_cause(failure))
        yield from self._next_attachment(meta["parts"], meta["pending"], meta["discovery"])

    def _attachment_failed(self, discovery: dict[str, Any], url: str, cause: str) -> None:
        self.store.count("attachment_failed")
        discovery.setdefault("attachment_errors", []).append({"url": url, "cause": cause})
        log.warning(
            "attachment failed source=miit cause=%s url=%s (notice kept without it)", cause, url
        )
