"""Xinhua: where new articles are discovered (SOURCES.md §1.2). Pure functions, no network.

Primary: hub pages carry ``datasource:<32 hex>`` ids; the list lives in ``<hub dir>/ds_<id>.json``
(``publishUrl`` resolved against the JSON's URL). Fallback: article links scanned from the hub.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urljoin

from parsel import Selector

from crawler.sources.common import Discovered
from extract.sources.xinhua import canonical_url, is_article_url, url_date

NAME = "xinhua"
TITLE = "Xinhua"
ALLOWED_DOMAINS = ["news.cn", "xinhuanet.com"]
DATASOURCE_RE = re.compile(r"datasource:([0-9a-f]{32})")


def datasource_urls(html: str, hub_url: str) -> list[str]:
    """``ds_<id>.json`` URLs for every datasource id on a hub page (in the hub's directory)."""
    ids = list(dict.fromkeys(DATASOURCE_RE.findall(html)))
    return [urljoin(hub_url, f"ds_{i}.json") for i in ids]


def parse_datasource(body: bytes, ds_url: str) -> list[Discovered]:
    """Articles of a datasource file. Raises ValueError when it is not the expected JSON."""
    try:
        data = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"not JSON ({exc})") from None
    items = data.get("datasource") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise ValueError("no 'datasource' list in the JSON")
    found: dict[str, Discovered] = {}
    for item in items:
        if not isinstance(item, dict):
            continue
        link = urljoin(ds_url, str(item.get("publishUrl") or "").strip())
        if not is_article_url(link):
            continue
        url = canonical_url(link)
        title = str(item.get("title") or item.get("showTitle") or "").strip() or None
        when = str(item.get("publishTime") or "").strip() or None
        found.setdefault(url, Discovered(url, title, when, ds_url))
    return list(found.values())


def scan_links(html: str, page_url: str) -> list[Discovered]:
    """Fallback: every article link on a hub page."""
    sel = Selector(text=html)
    found: dict[str, Discovered] = {}
    for a in sel.css("a[href]"):
        link = urljoin(page_url, a.attrib["href"].strip())
        if is_article_url(link):
            title = " ".join(t.strip() for t in a.css("::text").getall() if t.strip()) or None
            found.setdefault(
                canonical_url(link), Discovered(canonical_url(link), title, None, page_url)
            )
    return list(found.values())


__all__ = [
    "ALLOWED_DOMAINS",
    "NAME",
    "datasource_urls",
    "parse_datasource",
    "scan_links",
    "url_date",
]
