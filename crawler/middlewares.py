"""Downloader middlewares: the host map (real host -> local mirror) and retry with back-off."""

from __future__ import annotations

import logging
import random
from urllib.parse import urlsplit, urlunsplit

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    IgnoreRequest,
)
from scrapy.http import Response
from scrapy.logformatter import LogFormatter
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.task import deferLater

log = logging.getLogger("policywatch.crawl")

REAL_URL_KEY = "policywatch_real_url"


class NotInHostMap(IgnoreRequest):
    """A request for a host the host map does not cover, refused before anything is sent."""


class HostUnreachable(IgnoreRequest):
    """The host (or its mirror) refused the connection or does not resolve: not retried; the
    source gives up."""


def normalise_host(host: str) -> str:
    """``WWW.Host.cn:443`` -> ``www.host.cn`` (keys of the host map, hosts of requests)."""
    host = host.strip().lower().rstrip(".")
    name, colon, port = host.rpartition(":")
    if colon and port in ("80", "443") and "]" not in port:
        host = name
    return host


class _UnreachableEchoFilter(logging.Filter):
    """Once a host is reported unreachable (one line with the cause and the fix), the spiders'
    per-request "failed ... cause=HostUnreachable" lines would only repeat it: drop them (the
    run's counts still include them)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args if isinstance(record.args, tuple) else ()
        return "HostUnreachable" not in args


_ECHO_FILTER = _UnreachableEchoFilter()


class OneLineFilter(logging.Filter):
    """Scrapy logs a failed robots.txt download with the whole traceback of a network error:
    keep the one line (the error is a network condition, not a bug)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.exc_info = None
        record.exc_text = None
        return True


def quiet_library_tracebacks() -> None:
    logger = logging.getLogger("scrapy.downloadermiddlewares.robotstxt")
    if not any(isinstance(f, OneLineFilter) for f in logger.filters):
        logger.addFilter(OneLineFilter())


def _stats(crawler: Crawler | None, key: str) -> None:
    if crawler is not None and crawler.stats is not None:
        crawler.stats.inc_value(key)


class HostMapMiddleware:
    """Send requests for a mapped real host to its mirror over plain HTTP; refuse the others.

    Setting ``POLICYWATCH_HOST_MAP = {"www.chinadaily.com.cn": "127.0.0.1:8081"}``. The request
    URL is swapped just before download and swapped back on the response, so spiders, stored
    pages and redirects only ever see the real URLs. It sits last before the downloader so that
    robots.txt, retries and redirects all run on real URLs.

    When a host map is set, it is also the allow-list: a request (or a redirect) to a host the
    map does not cover is refused, logged and counted, never sent. A refused connection is not
    retried; after ``POLICYWATCH_REFUSED_LIMIT`` of them to one host (1 for a mapped mirror) the
    source gives up with one line naming the host, its mirror and the fix.
    """

    def __init__(
        self, host_map: dict[str, str], crawler: Crawler | None = None, refused_limit: int = 3
    ) -> None:
        self.host_map = {normalise_host(k): v.strip() for k, v in host_map.items()}
        self.reverse = {v: k for k, v in self.host_map.items()}
        self.crawler = crawler
        self.refused_limit = refused_limit
        self.refused: dict[str, int] = {}
        self.gave_up = False
        if _ECHO_FILTER not in log.filters:
            log.addFilter(_ECHO_FILTER)
        quiet_library_tracebacks()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HostMapMiddleware:
        host_map = crawler.settings.getdict("POLICYWATCH_HOST_MAP")
        limit = crawler.settings.getint("POLICYWATCH_REFUSED_LIMIT", 3)
        return cls(host_map, crawler, limit)

    def _source(self, spider: Spider | None) -> str:
        spider = spider or (self.crawler.spider if self.crawler else None)
        return getattr(spider, "source_name", "") or getattr(spider, "name", "?")

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        if REAL_URL_KEY in request.meta:
            return None
        parts = urlsplit(request.url)
        host = normalise_host(parts.hostname or "")
        if self.gave_up and host in self.refused:
            raise HostUnreachable(f"{host} refused connections")
        if not self.host_map:
            return None
        target = self.host_map.get(host)
        if target is None:
            self._refuse(request, host, spider)
        request.meta[REAL_URL_KEY] = request.url
        # a mirror is local: never through a proxy taken from the environment for the real host
        request.meta["proxy"] = None
        request.headers.pop(b"Proxy-Authorization", None)
        # Request.url has no public setter; replacing the request would send it through the
        # scheduler again (and through robots.txt for the mirror host).
        request._set_url(urlunsplit(("http", target, parts.path or "/", parts.query, "")))
        return None

    def _refuse(self, request: Request, host: str, spider: Spider | None) -> None:
        redirected_from = request.meta.get("redirect_urls")
        if request.meta.get("dont_obey_robotstxt") and request.url.endswith("/robots.txt"):
            # Scrapy's robots.txt check for the refused request itself: that one is reported
            log.debug("robots.txt of %s not fetched: not in the host map", host)
        elif redirected_from:
            _stats(self.crawler, "policywatch/redirects_dropped")
            log.warning(
                "redirect dropped source=%s from=%s to=%s: host %s is not in the host map "
                "(nothing sent); add it to POLICYWATCH_HOST_MAP / [crawl] host_map to follow it",
                self._source(spider),
                redirected_from[-1],
                request.url,
                host,
            )
        else:
            _stats(self.crawler, "policywatch/refused_outside_host_map")
            log.warning(
                "request refused source=%s url=%s: host %s is not in the host map (nothing "
                "sent); add it to POLICYWATCH_HOST_MAP / [crawl] host_map to crawl it",
                self._source(spider),
                request.url,
                host,
            )
        raise NotInHostMap(f"{host} is not in the host map")

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
        from twisted.internet.error import ConnectionRefusedError, DNSLookupError

        if isinstance(exception, ConnectionRefusedError | DownloadConnectionRefusedError):
            self._unreachable(request, spider, "connection refused")
        if isinstance(exception, DNSLookupError | CannotResolveHostError):
            self._unreachable(request, spider, "DNS lookup failed")
        return None

    def _unreachable(self, request: Request, spider: Spider | None, cause: str) -> None:
        host = normalise_host(urlsplit(request.url).hostname or "")
        target = self.host_map.get(host)
        self.refused[host] = self.refused.get(host, 0) + 1
        key = "connection_refused" if cause == "connection refused" else "dns_failed"
        _stats(self.crawler, f"policywatch/{key}")
        # a mirror that refuses, or a name that does not resolve, will not change in seconds
        limit = 1 if target or key == "dns_failed" else self.refused_limit
        if self.refused[host] >= limit and not self.gave_up:
            self.gave_up = True
            where = f"{host} (mapped to {target})" if target else host
            if target:
                fix = "check that the mirror is running on that address or fix the host map"
            elif key == "dns_failed":
                fix = (
                    "check the network and DNS (is this machine online?), or map the host to a "
                    "local mirror with POLICYWATCH_HOST_MAP"
                )
            else:
                fix = "check the network and the site, or map the host to a mirror"
            times = f" {self.refused[host]} times" if self.refused[host] > 1 else ""
            message = f"cannot connect to {where}: {cause}{times}; {fix}"
            # the crawl summary prints the message (one line); -v shows when it happened
            log.debug("unreachable source=%s: %s", self._source(spider), message)
            if self.crawler is not None:
                if self.crawler.stats is not None:
                    self.crawler.stats.set_value("policywatch/unreachable", message)
                engine = self.crawler.engine
                if engine is not None and engine.spider is not None:
                    from scrapy.utils.defer import deferred_from_coro

                    deferred_from_coro(engine.close_spider_async(reason="unreachable"))
        raise HostUnreachable(f"{host}: {cause}")


class AuditedRedirectMiddleware(RedirectMiddleware):
    """Scrapy's redirects, with every dropped redirect logged and counted (too many hops, or a
    ``Location`` that is not http/https) instead of vanishing at debug level."""

    def process_response(  # type: ignore[override]
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Request | Response:
        try:
            result = super().process_response(request, response)
        except IgnoreRequest:
            self._dropped(request, response, "too many redirects")
            raise
        if (
            result is response
            and response.status in (301, 302, 303, 307, 308)
            and b"Location" in response.headers
            and not request.meta.get("dont_redirect")
        ):
            self._dropped(request, response, "not an http(s) location")
        return result

    def _dropped(self, request: Request, response: Response, why: str) -> None:
        _stats(self.crawler, "policywatch/redirects_dropped")
        location = (response.headers.get(b"Location") or b"").decode("latin-1", "replace")
        log.warning(
            "redirect dropped source=%s from=%s to=%s: %s",
            getattr(self.crawler.spider, "source_name", "?"),
            request.url,
            location,
            why,
        )


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
