"""Xinhua article pages (SOURCES.md §1): identity, the two known templates, dates.

Current template (2021detail): ``h1 > span.title``, ``div.header-time`` (``span.year``,
``span.day``, ``span.time``), ``div.source``, body ``div#detail`` (``div#articleEdit`` removed).
2019 template (xl2019): ``div.h-title``, ``span.h-time``, ``em#source`` / ``div.h-info``, body
``div#p-detail``. English pages are unverified: the generic extractor carries them.
"""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlsplit

from parsel import Selector

from extract.blocking import block_reason
from extract.dates import PageDate, check_against_url, parse_beijing, parse_lenient
from extract.document import ExtractedDocument, RawPage, clean_lines, guess_language
from extract.errors import BlockedPage, ExtractionError
from extract.generic import extract_generic
from extract.html import (
    first_text,
    has_class,
    meta,
    open_first_page,
    paragraphs,
    squash,
)

NAME = "xinhua"
ARTICLE_PATH_RE = re.compile(
    r"(?P<old>/(?P<y>\d{4})-(?P<m>\d{2})/(?P<d>\d{2})/(?:c|content)_\d+\.htm)$"
    r"|(?P<new>/(?P<ymd>20\d{6})/[0-9a-f]{32}/c\.html)$"
)
_HOST_ALIASES = {
    "www.xinhuanet.com": "www.news.cn",
    "xinhuanet.com": "www.news.cn",
    "news.cn": "www.news.cn",
    "m.news.cn": "www.news.cn",
    "english.xinhuanet.com": "english.news.cn",
}
_SKIP = " or ".join(
    [
        "@id='articleEdit'",
        has_class("editor"),
        has_class("tiyi01"),
        has_class("tiyi1"),
        has_class("lb"),
        has_class("video-url"),
        "contains(@style, 'display:none')",
        "contains(@style, 'display: none')",
    ]
)


def _allowed_host(host: str) -> bool:
    return host == "news.cn" or host.endswith(".news.cn") or host.endswith("xinhuanet.com")


def is_article_url(url: str) -> bool:
    parts = urlsplit(url)
    return _allowed_host((parts.hostname or "").lower()) and bool(
        ARTICLE_PATH_RE.search(parts.path)
    )


def canonical_url(url: str) -> str:
    """https; www.xinhuanet.com -> www.news.cn; no query or fragment."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if not _allowed_host(host) or not ARTICLE_PATH_RE.search(parts.path):
        raise ValueError(f"not a Xinhua article URL: {url}")
    host = _HOST_ALIASES.get(host, host)
    path = parts.path
    if host == "www.news.cn" and path.startswith("/english/"):
        host = "english.news.cn"
        path = path[len("/english") :]
    return f"https://{host}{path}"


def url_date(url: str) -> date | None:
    m = ARTICLE_PATH_RE.search(urlsplit(url).path)
    if not m:
        return None
    try:
        if m["ymd"]:
            return date(int(m["ymd"][:4]), int(m["ymd"][4:6]), int(m["ymd"][6:]))
        return date(int(m["y"]), int(m["m"]), int(m["d"]))
    except ValueError:
        return None


def host_language(url: str) -> str:
    host = urlsplit(url).hostname or ""
    return "en" if host.startswith("english.") or "/english/" in url else "zh"


def _current_date(sel: Selector) -> PageDate | None:
    box = sel.css("div.header-time")
    if not box:
        return None
    year = squash(" ".join(box.css("span.year ::text").getall()))
    day = re.sub(r"\s+", "", " ".join(box.css("span.day ::text").getall()))
    clock = squash(" ".join(box.css("span.time ::text").getall()))
    if year and day:
        return parse_beijing(f"{year}-{day.replace('/', '-')} {clock}".strip())
    return parse_beijing(squash(" ".join(box.css("::text").getall())))


def _source(sel: Selector) -> str | None:
    text = first_text(sel, "div.source", "em#source", "div.h-info span:not(.h-time)")
    if not text:
        return None
    match = re.search(r"来源[:：]\s*(\S+)", text)
    return match.group(1) if match else (text if "来源" not in text else None)


def _editor(sel: Selector, html: str) -> str | None:
    text = first_text(sel, "span.editor")
    if not text:
        match = re.search(r"责任编辑\s*[:：]\s*(?:<[^>]+>\s*)*([^\s<]{2,10})", html)
        return match.group(1) if match else None
    match = re.search(r"责任编辑\s*[:：]\s*([^】\]]+)", text)
    return squash(match.group(1)) if match else None


def parse_article(
    pages: list[RawPage], discovery: dict[str, str] | None = None
) -> ExtractedDocument:
    first, url, html, sel = open_first_page(pages, canonical_url)
    body = sel.css("#detail") or sel.css("#p-detail")
    lines = paragraphs(body[0], _SKIP) if body else []
    reason = block_reason(first.status, html, has_structure=bool(lines))
    if reason:
        raise BlockedPage(f"{first.url}: {reason}")
    template = "current" if sel.css("#detail") else "2019" if sel.css("#p-detail") else None

    title = first_text(sel, "h1 span.title", "div.h-title")
    page_date = _current_date(sel) or parse_beijing(first_text(sel, "span.h-time"))
    extra: dict[str, object] = {}
    source = _source(sel) or meta(sel, "source")
    if source:
        extra["outlet"] = source
    editor = _editor(sel, html)
    if editor:
        extra["editor"] = editor

    path = f"site:xinhua-{template}" if template and lines else "trafilatura"
    text = clean_lines(lines)
    byline = None
    if not text:
        generic = extract_generic(html, url)
        if generic is None:
            raise ExtractionError(f"{first.url}: no article text found (site selectors or generic)")
        text, path = generic.text, "trafilatura"
        title = title or generic.title
        byline = generic.author
        if page_date is None and generic.date:
            page_date = parse_beijing(generic.date)
    if not title:
        title = meta(sel, "og:title") or first_text(sel, "title")
        if title:
            title = re.sub(r"\s*[-_|]\s*(?:新华网|Xinhua|xinhuanet\.com).*$", "", title, flags=re.I)
    if page_date is None:
        page_date = parse_beijing(meta(sel, "publishdate"))
    if page_date is None and discovery and discovery.get("date"):
        page_date = parse_lenient(discovery["date"])
    checked = check_against_url(page_date, url_date(url))
    if checked and checked.corrected:
        extra["date_note"] = checked.corrected
    language = guess_language(text) if text else host_language(url)
    return ExtractedDocument(
        canonical_url=url,
        language=language,
        title=title or (discovery or {}).get("title"),
        byline=byline,
        published=checked,
        text=text,
        extraction_path=path,
        extra=extra,
    )
