"""China Daily article pages (SOURCES.md §2): identity, template selectors, dates.

English pages (www): ``div.lft_art h1``, ``span.info_l`` ("By X | China Daily | Updated: ..."),
``div#Content``. Chinese pages (cn., china., ...): ``h1.dabiaoti``, ``div.fenx > div.xinf-le``,
``div#Content``. Continuation pages ``WS<id>_2.html`` are merged. When the selectors find no body,
trafilatura takes over and the path taken is recorded.
"""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import urljoin, urlsplit

from parsel import Selector

from extract.blocking import block_reason
from extract.dates import PageDate, check_against_url, parse_beijing, parse_lenient
from extract.document import ExtractedDocument, RawPage, clean_lines, guess_language
from extract.errors import BlockedPage, ExtractionError
from extract.generic import extract_generic
from extract.html import decode_page, first_text, has_class, open_first_page, paragraphs, squash

NAME = "chinadaily"
ARTICLE_RE = re.compile(
    r"^(?:https?:)?//(?P<host>[a-z0-9]+)\.chinadaily\.com\.cn/a/(?P<ym>\d{6})/(?P<d>\d{2})/"
    r"(?P<id>WS[0-9a-f]{24})(?:_(?P<part>\d+))?\.html?$",
    re.IGNORECASE,
)
_TITLE_SUFFIX = re.compile(r"\s+-\s+[^-]*(?:chinadaily\.com\.cn|中国日报网|China Daily)\s*$", re.I)


def match_article(url: str):  # type: ignore[no-untyped-def]
    parts = urlsplit(url if "//" in url else "//" + url)
    return ARTICLE_RE.match(f"//{parts.netloc}{parts.path}")


def is_article_url(url: str) -> bool:
    return match_article(url) is not None


def canonical_url(url: str) -> str:
    """https, no query or fragment, no ``_N`` continuation suffix."""
    m = match_article(url)
    if not m:
        raise ValueError(f"not a China Daily article URL: {url}")
    host = m["host"].lower()
    return f"https://{host}.chinadaily.com.cn/a/{m['ym']}/{m['d']}/{m['id']}.html"


def article_id(url: str) -> str:
    m = match_article(url)
    if not m:
        raise ValueError(f"not a China Daily article URL: {url}")
    return m["id"]


def part_number(url: str) -> int:
    m = match_article(url)
    return int(m["part"]) if m and m["part"] else 1


def url_date(url: str) -> date | None:
    m = match_article(url)
    if not m:
        return None
    try:
        return date(int(m["ym"][:4]), int(m["ym"][4:]), int(m["d"]))
    except ValueError:
        return None


def continuation_urls(html: str, url: str) -> list[str]:
    """Absolute URLs of the article's pages 2..N, from ``#div_currpage`` (in order)."""
    sel = Selector(text=html)
    base = canonical_url(url)
    stem = base[: -len(".html")]
    found: dict[int, str] = {}
    for href in sel.css("#div_currpage a::attr(href)").getall():
        absolute = urljoin(url, href.strip())
        if not is_article_url(absolute) or canonical_url(absolute) != base:
            continue
        n = part_number(absolute)
        if n >= 2:
            found[n] = f"{stem}_{n}.html"
    return [found[n] for n in sorted(found)]


def _text(sel: Selector, query: str) -> str | None:
    return first_text(sel, query.replace(" ::text", "").replace("::text", ""))


def _body_lines(sel: Selector) -> list[str]:
    content = sel.css("#Content")
    if not content:
        return []
    return paragraphs(content[0], has_class("urlShareArea"))


def parse_article(
    pages: list[RawPage], discovery: dict[str, str] | None = None
) -> ExtractedDocument:
    """Read an article from its page 1 and continuation pages (in order)."""
    first, url, html, sel = open_first_page(pages, canonical_url)
    lines = _body_lines(sel)
    reason = block_reason(first.status, html, has_structure=bool(lines))
    if reason:
        raise BlockedPage(f"{first.url}: {reason}")

    extra: dict[str, object] = {"content_id": article_id(url), "pages": len(pages)}
    for part in pages[1:]:
        part_lines = _body_lines(Selector(text=decode_page(part)))
        if not part_lines:
            raise ExtractionError(f"{part.url}: continuation page has no #Content text")
        lines.extend(part_lines)

    title = (
        _text(sel, "div.lft_art h1 ::text")
        or _text(sel, "h1.dabiaoti ::text")
        or sel.css('meta[property="og:title"]::attr(content)').get()
    )
    byline: str | None = None
    page_date: PageDate | None = None

    info = _text(sel, "span.info_l ::text")
    if info:
        fields = [f.strip() for f in info.split("|") if f.strip()]
        updated = re.search(r"Updated:\s*(.+)$", fields[-1]) if fields else None
        if updated:
            page_date = parse_beijing(updated.group(1))
        if fields and fields[0].lower().startswith("by "):
            byline = fields[0][3:].strip()
        if len(fields) >= 3:
            extra["outlet"] = fields[1]
    xinf = sel.css("div.fenx > div.xinf-le")
    if xinf:
        source_text = squash(" ".join(xinf[0].css("::text").getall()))
        outlet = first_text(xinf[0], "a")
        if outlet or "来源" in source_text:
            extra["outlet"] = outlet or source_text.replace("来源：", "").strip()
        if len(xinf) > 1 and page_date is None:
            page_date = parse_beijing(squash(" ".join(xinf[1].css("::text").getall())))
    if page_date is None:
        page_date = parse_beijing(sel.css('meta[name="publishdate"]::attr(content)').get())
    if byline is None:
        author = sel.css('meta[name="author"]::attr(content)').get()
        byline = author.strip() if author and author.strip() else None

    path = "site:chinadaily"
    text = clean_lines(lines)
    if not text:
        generic = extract_generic(html, url)
        if generic is None:
            raise ExtractionError(
                f"{first.url}: no article text found (neither #Content nor generic extraction)"
            )
        path = "trafilatura"
        text = generic.text
        title = title or generic.title
        byline = byline or generic.author
        if page_date is None and generic.date:
            page_date = parse_beijing(generic.date)
        if len(pages) > 1:
            extra["continuations_ignored"] = len(pages) - 1
    if not title:
        raw_title = first_text(sel, "title")
        title = _TITLE_SUFFIX.sub("", raw_title) if raw_title else None
    if title:
        title = _TITLE_SUFFIX.sub("", title).strip()
    if page_date is None and discovery and discovery.get("date"):
        page_date = parse_lenient(discovery["date"])
    checked = check_against_url(page_date, url_date(url))
    if checked and checked.corrected:
        extra["date_note"] = checked.corrected
    language = guess_language(text)  # the text decides (the host is only a hint)
    return ExtractedDocument(
        canonical_url=url,
        language=language,
        title=title or (discovery or {}).get("title"),
        byline=byline,
        published=checked,
        text=text,
        extraction_path=path + (f"-{language}" if path.startswith("site:") else ""),
        extra=extra,
    )
