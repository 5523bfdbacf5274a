"""China Daily: where new articles are discovered (SOURCES.md §2.2). Pure functions, no network.

Discovery, ranked: RSS feeds (``/rss/*_rss.xml``), then section lists ``<section>/page_N.html``
(page 1 is the section URL itself). Article pages are read by ``extract.sources.chinadaily``.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

import feedparser
from parsel import Selector

from crawler.sources.common import Discovered, Listing
from extract.sources.chinadaily import canonical_url, is_article_url, url_date

NAME = "chinadaily"
TITLE = "China Daily"
HOMEPAGE = "https://www.chinadaily.com.cn/"
ALLOWED_DOMAINS = ["chinadaily.com.cn"]
_PAGE_RE = re.compile(r"page_(\d+)\.html$")


def section_url(section: str, page: int = 1) -> str:
    section = section.strip("/")
    base = urljoin(HOMEPAGE, section)
    return base if page == 1 else f"{base}/page_{page}.html"


def listing_page_number(url: str) -> int:
    match = _PAGE_RE.search(url)
    return int(match.group(1)) if match else 1


def parse_feed(body: bytes, feed_url: str) -> list[Discovered]:
    """Article links of an RSS feed. Raises ValueError when the body is not a feed at all."""
    parsed = feedparser.parse(body)
    if not parsed.entries and (parsed.bozo or not parsed.get("version")):
        raise ValueError(f"not an RSS/Atom feed ({parsed.get('bozo_exception')})")
    found: dict[str, Discovered] = {}
    for entry in parsed.entries:
        link = urljoin(feed_url, (entry.get("link") or "").strip())
        if not is_article_url(link):
            continue
        url = canonical_url(link)
        found.setdefault(
            url,
            Discovered(
                url=url,
                title=(entry.get("title") or "").strip() or None,
                date=(entry.get("published") or entry.get("updated") or "").strip() or None,
                via=feed_url,
            ),
        )
    return list(found.values())


def parse_listing(html: str, page_url: str) -> Listing:
    """Items of a section list page, and the number of its last page."""
    sel = Selector(text=html)
    found: dict[str, Discovered] = {}
    for item in sel.css("div.tw3_01_2 span.tw3_01_2_t"):
        href = item.css("h4 a::attr(href)").get()
        if not href:
            continue
        link = urljoin(page_url, href.strip())
        if not is_article_url(link):
            continue
        title = " ".join(t.strip() for t in item.css("h4 a ::text").getall() if t.strip())
        found.setdefault(
            canonical_url(link),
            Discovered(
                canonical_url(link),
                title or None,
                (item.css("b::text").get() or "").strip() or None,
                page_url,
            ),
        )
    if not found:
        # template changed: fall back to every article link on the page
        for href in sel.css("a::attr(href)").getall():
            link = urljoin(page_url, href.strip())
            if is_article_url(link):
                found.setdefault(
                    canonical_url(link), Discovered(canonical_url(link), None, None, page_url)
                )
    pages = [
        int(m.group(1))
        for href in sel.css("#div_currpage a::attr(href)").getall()
        if (m := _PAGE_RE.search(href))
    ]
    current = listing_page_number(page_url)
    return Listing(list(found.values()), current, max([current, *pages]))


__all__ = [
    "ALLOWED_DOMAINS",
    "Discovered",
    "Listing",
    "NAME",
    "parse_feed",
    "parse_listing",
    "section_url",
    "url_date",
]
