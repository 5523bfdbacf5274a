"""Downloader middlewares: the host map (real host -> local mirror) and retry with back-off."""

from __future__ import annotations

import logging
import random
from urllib.parse import urlsplit, urlunsplit

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.logformatter import LogFormatter
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.task import deferLater

log = logging.getLogger("policywatch.crawl")

REAL_URL_KEY = "policywatch_real_url"


class HostMapMiddleware:
    """Send requests for a mapped real host to its mirror over plain HTTP.

    Setting ``POLICYWATCH_HOST_MAP = {"www.chinadaily.com.cn": "127.0.0.1:8081"}``. The request
    URL is swapped just before download and swapped back on the response, so spiders, stored
    pages and redirects only ever see the real URLs. It sits last before the downloader so that
    robots.txt, retries and redirects all run on real URLs.
    """

    def __init__(self, host_map: dict[str, str]) -> None:
        self.host_map = {k.lower(): v for k, v in host_map.items()}
        self.reverse = {v: k for k, v in self.host_map.items()}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HostMapMiddleware:
        host_map = crawler.settings.getdict("POLICYWATCH_HOST_MAP")
        if not host_map:
            raise NotConfigured
        return cls(host_map)

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        parts = urlsplit(request.url)
        target = self.host_map.get((parts.hostname or "").lower())
        if target is None or REAL_URL_KEY in request.meta:
            return None
        request.meta[REAL_URL_KEY] = request.url
        # Request.url has no public setter; replacing the request would send it through the
        # scheduler again (and through robots.txt for the mirror host).
        request._set_url(urlunsplit(("http", target, parts.path or "/", parts.query, "")))
        return None

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Response:
        real = request.meta.pop(REAL_URL_KEY, None)
        if real is None:
            return response
        request._set_url(real)
        headers = response.headers.copy()
        location = headers.get(b"Location")
        if location:
            loc = urlsplit(location.decode("latin-1"))
            if loc.netloc in self.reverse:
                headers[b"Location"] = urlunsplit(
                    ("https", self.reverse[loc.netloc], loc.path, loc.query, loc.fragment)
                ).encode("latin-1")
        return response.replace(url=real, headers=headers)

    def process_exception(
        self, request: Request, exception: Exception, spider: Spider | None = None
    ) -> None:
        real = request.meta.pop(REAL_URL_KEY, None)
        if real is not None:
            request._set_url(real)
        return None


class QuietLogFormatter(LogFormatter):
    """Dropped items are already logged by policywatch in one line: keep Scrapy's (which dumps
    the whole item, raw body included) at debug level."""

    def dropped(self, item, exception, response, spider=None):  # type: ignore[no-untyped-def,override]
        return {
            "level": logging.DEBUG,
            "msg": "Dropped: %(exception)s",
            "args": {"exception": exception},
        }


class RobotsAuditMiddleware:
    """Say so when a robots.txt cannot be read (MIIT answers 403 to it): Scrapy would treat the
    error page as "no rules"; the source's own conservative delay still applies."""

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Response:
        if request.url.endswith("/robots.txt") and response.status in (401, 403, 429):
            log.warning(
                "robots.txt unreadable url=%s status=%s: rules unknown, applying the "
                "source's conservative delays",
                request.url,
                response.status,
            )
        return response


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retry (5xx, timeouts) with exponential back-off and ``Retry-After``.

    Waits ``base * 2**n`` seconds (with jitter, capped) before retry n+1. Block answers (403,
    429, challenge pages) are not retried here: crawler.blocks pauses the host first.
    """

    def __init__(self, settings) -> None:  # type: ignore[no-untyped-def]
        super().__init__(settings)
        self.base = settings.getfloat("POLICYWATCH_RETRY_BACKOFF_BASE", 5.0)
        self.cap = settings.getfloat("POLICYWATCH_RETRY_BACKOFF_MAX", 120.0)

    def _delay(self, request: Request, response: Response | None = None) -> float:
        tries = request.meta.get("retry_times", 0)
        delay = min(self.cap, self.base * (2**tries)) * random.uniform(0.8, 1.2)
        if response is not None:
            retry_after = response.headers.get(b"Retry-After")
            if retry_after and retry_after.strip().isdigit():
                delay = max(delay, min(self.cap, float(retry_after.strip())))
        return delay

    async def _wait(self, seconds: float) -> None:
        if seconds > 0:
            # imported here: importing the reactor at module level would install the default
            # one before Scrapy installs the asyncio reactor
            from twisted.internet import reactor

            await maybe_deferred_to_future(deferLater(reactor, seconds, lambda: None))

    async def process_response(  # type: ignore[override]
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Request | Response:
        result = super().process_response(request, response)
        if isinstance(result, Request):
            delay = self._delay(request, response)
            log.info("retry in %.1fs: HTTP %s %s", delay, response.status, request.url)
            await self._wait(delay)
        return result

    async def process_exception(  # type: ignore[override]
        self, request: Request, exception: Exception, spider: Spider | None = None
    ) -> Request | Response | None:
        result = super().process_exception(request, exception)
        if isinstance(result, Request):
            delay = self._delay(request)
            log.info("retry in %.1fs: %s %s", delay, type(exception).__name__, request.url)
            await self._wait(delay)
        return result
