"""Small HTML helpers shared by the per-source page objects."""

from __future__ import annotations

import re
from collections.abc import Callable

from parsel import Selector, SelectorList

from extract.document import RawPage
from extract.encoding import DecodeError, decode_html
from extract.errors import ExtractionError

_WS = re.compile(r"[\s\u3000\xa0]+")
_EDITOR_LINE = re.compile(r"^[【\[(（]?\s*(?:责任编辑|编辑)\s*[:：][^】\])）]*[】\])）]?$")
_CORRECTION = re.compile(r"^【?纠错】?$")
_WORDLIKE = re.compile(r"[^\W\d_]")  # a line must hold at least one letter or character


def decode_page(page: RawPage) -> str:
    try:
        text, _encoding = decode_html(page.body, page.content_type)
    except DecodeError as exc:
        raise ExtractionError(f"{page.url}: {exc}") from None
    return text


def squash(text: str) -> str:
    return _WS.sub(" ", text).strip()


def first_text(sel: Selector | SelectorList, *queries: str) -> str | None:
    """Collapsed text of the first element, by the first CSS query (no ::text) that has any."""
    for query in queries:
        for element in sel.css(query):
            value = squash(" ".join(element.xpath(".//text()[not(ancestor::script)]").getall()))
            if value:
                return value
    return None


def meta(sel: Selector, name: str) -> str | None:
    value = sel.css(f'meta[name="{name}"]::attr(content), meta[property="{name}"]::attr(content)')
    text = squash(value.get() or "")
    return text or None


def is_boilerplate_line(text: str) -> bool:
    return bool(_EDITOR_LINE.match(text) or _CORRECTION.match(text))


def paragraphs(container: Selector, skip: str = "") -> list[str]:
    """Text of the block elements (p, h2, h3, li, leaf divs) inside ``container``.

    ``skip`` is an XPath predicate body for ancestors to leave out (share boxes, editor boxes,
    hidden galleries). Scripts and styles never count; editor and 纠错 lines are dropped.
    """
    exclude = "[not(ancestor::script)][not(ancestor::style)]"
    if skip:
        exclude += f"[not(ancestor-or-self::*[{skip}])]"
    lines: list[str] = []
    for node in container.xpath(
        ".//*[self::p or self::h2 or self::h3 or self::li or self::td or self::div[not(*)]]"
        + exclude
    ):
        if node.root.tag != "p" and node.xpath("ancestor::p"):
            continue
        if node.root.tag in {"td", "li"} and node.xpath("ancestor::li|ancestor::td"):
            continue
        text = squash(" ".join(node.xpath(f".//text(){exclude}").getall()))
        if text and _WORDLIKE.search(text) and not is_boilerplate_line(text):
            lines.append(text)
    return lines


def has_class(name: str) -> str:
    """XPath predicate: the element has CSS class ``name``."""
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def open_first_page(
    pages: list[RawPage], canonical_url: Callable[[str], str]
) -> tuple[RawPage, str, str, Selector]:
    """(page 1, its canonical URL, its decoded HTML, a selector) or a clear ExtractionError."""
    if not pages:
        raise ExtractionError("no pages given")
    first = pages[0]
    url = canonical_url(first.url)
    html = decode_page(first)
    if not html.strip():
        raise ExtractionError(f"{first.url}: the page is empty")
    return first, url, html, Selector(text=html)
