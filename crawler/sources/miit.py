"""MIIT: where new notices are discovered (SOURCES.md §3.2). Pure functions, no network.

Primary: a column page's ``unitbuild.js`` script tag carries ``queryData``; the JPaaS
``build/unit`` API answers with an HTML fragment of ``li.cf`` items and a ``div.pagination``
(``rows``, ``count``). Page N >= 2 adds ``paramJson={"pageNo":N,"pageSize":rows}``. Fallback (and
the only known way to 通告 without its pageId): the site search API, filtered by column path.
"""

from __future__ import annotations

import html as html_lib
import json
import math
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

from parsel import Selector

from crawler.sources.common import Discovered
from extract.dates import BEIJING
from extract.sources.miit import HOST, canonical_url, is_article_url

NAME = "miit"
TITLE = "MIIT"
ALLOWED_DOMAINS = ["miit.gov.cn"]
BASE = f"https://{HOST}"
UNIT_PATH = "/api-gateway/jpaas-publish-server/front/page/build/unit"
SEARCH_PATH = "/search-front-server/api/search/info"
BROWSER_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8",
}


@dataclass(frozen=True)
class UnitPage:
    items: list[Discovered]
    rows: int | None
    count: int | None

    @property
    def pages(self) -> int:
        if not self.rows or not self.count:
            return 1
        return max(1, math.ceil(self.count / self.rows))


def column_url(path: str) -> str:
    return urljoin(BASE, "/" + path.strip("/") + "/index.html")


def column_path(path: str) -> str:
    return "/" + path.strip("/") + "/"


def parse_query_data(value: str) -> dict[str, str] | None:
    """queryData in either quoting style: HTML-escaped JSON or single-quoted pseudo-JSON."""
    text = html_lib.unescape(value).strip()
    for candidate in (text, text.replace("'", '"')):
        try:
            data = json.loads(candidate)
        except json.JSONDecodeError:
            continue
        if isinstance(data, dict):
            return {str(k): str(v) for k, v in data.items()}
    return None


def find_column_query(page_html: str) -> tuple[str, dict[str, str]] | None:
    """(API path, queryData) of the column list on a column page, or None."""
    sel = Selector(text=page_html)
    for script in sel.xpath("//script"):
        attrs = {k.lower(): v for k, v in script.attrib.items()}
        if "unitbuild.js" not in attrs.get("src", "") and "querydata" not in attrs:
            continue
        data = parse_query_data(attrs.get("querydata", ""))
        if data and data.get("pageType") == "column" and data.get("pageId"):
            return attrs.get("url") or UNIT_PATH, data
    return None


def unit_url(api_path: str, query: dict[str, str], page: int = 1, rows: int = 24) -> str:
    params = dict(query)
    if page >= 2:
        params["paramJson"] = json.dumps({"pageNo": page, "pageSize": rows}, separators=(",", ":"))
    return urljoin(BASE, api_path) + "?" + urlencode(params)


def parse_unit_response(body: bytes, url: str) -> UnitPage:
    """Items of a build/unit answer. Raises ValueError on an error answer or a non-JSON body."""
    try:
        data = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"not JSON ({exc})") from None
    if not isinstance(data, dict) or str(data.get("code")) != "200" or data.get("success") is False:
        message = data.get("message") if isinstance(data, dict) else None
        raise ValueError(
            f"API error: code={data.get('code') if isinstance(data, dict) else '?'}"
            f" message={message!r}"
        )
    payload = data.get("data")
    fragment = payload.get("html") if isinstance(payload, dict) else None
    sel = Selector(text=fragment if isinstance(fragment, str) else "")
    found: dict[str, Discovered] = {}
    for li in sel.css("li.cf, li"):
        a = li.css("a.fl[href]") or li.css("a[href]")
        if not a:
            continue
        href = a[0].attrib["href"].strip()
        link = urljoin(BASE + "/", href)
        if not is_article_url(link):
            continue
        title = a[0].attrib.get("title") or " ".join(a[0].css("::text").getall()).strip()
        when = (li.css("span.fr::text").get() or li.css("span::text").get() or "").strip()
        found.setdefault(
            canonical_url(link), Discovered(canonical_url(link), title or None, when or None, url)
        )
    pager = sel.css("div.pagination")
    rows = count = None
    if pager:
        try:
            rows = int(pager[0].attrib.get("rows", "") or 0) or None
            count = int(pager[0].attrib.get("count", "") or 0) or None
        except ValueError:
            rows = count = None
    return UnitPage(list(found.values()), rows, count)


def _field(value: Any, key: str) -> dict[str, Any]:
    """``value[key]`` when both are JSON objects, else an empty object (answers vary in shape)."""
    inner = value.get(key) if isinstance(value, dict) else None
    return inner if isinstance(inner, dict) else {}


def search_url(cateid: str = "57", page: int = 0, size: int = 20) -> str:
    params = {
        "websiteid": "110000000000000",
        "scope": "basic",
        "q": "",
        "pg": str(size),
        "cateid": cateid,
        "pos": "title_text,infocontent,titlepy",
        "dateField": "deploytime",
        "selectFields": "title,content,deploytime,url,columnname,filenumbername",
        "group": "distinct",
        "level": "6",
        "sortFields": json.dumps([{"name": "deploytime", "type": "desc"}], separators=(",", ":")),
        "p": str(page),
    }
    return BASE + SEARCH_PATH + "?" + urlencode(params)


def parse_search_response(body: bytes, url: str, path_prefixes: list[str]) -> list[Discovered]:
    """Notices of a search API answer whose URL path starts with one of ``path_prefixes``."""
    from datetime import UTC, datetime

    try:
        data = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"not JSON ({exc})") from None
    if not isinstance(data, dict) or str(data.get("code")) != "200":
        raise ValueError("search API error answer")
    groups = _field(_field(data, "data"), "searchResult")
    groups = groups.get("dataResults") if isinstance(groups, dict) else None
    found: dict[str, Discovered] = {}
    for group in groups if isinstance(groups, list) else []:
        if not isinstance(group, dict):
            continue
        entries = group.get("groupData")
        for entry in entries if isinstance(entries, list) and entries else [group]:
            record = _field(entry, "data")
            link = str(record.get("url") or "")
            if not link or not any(urlsplit(link).path.startswith(p) for p in path_prefixes):
                continue
            link = urljoin(BASE + "/", link)
            if not is_article_url(link):
                continue
            when = None
            stamp = (
                record.get("deploytime")
                or record.get("publishtime")
                or _field(group, "data").get("max_deploytime")
            )
            if stamp and str(stamp).isdigit():
                try:
                    moment = datetime.fromtimestamp(int(stamp) / 1000, tz=UTC).astimezone(BEIJING)
                    when = moment.strftime("%Y-%m-%d %H:%M")
                except (OverflowError, OSError, ValueError):  # not a plausible epoch-ms value
                    when = None
            title = re.sub(r"<[^>]+>", "", str(record.get("title") or "")).strip() or None
            found.setdefault(canonical_url(link), Discovered(canonical_url(link), title, when, url))
    return list(found.values())


def search_pages(body: bytes, size: int = 20) -> int:
    """How many pages the search API says it has (from ``total``); 1 when it does not say."""
    try:
        data = json.loads(body.decode("utf-8-sig"))
        result = (data.get("data") or {}).get("searchResult") or {}
        total = int(result.get("total") or result.get("totalHits") or 0)
    except (ValueError, AttributeError, TypeError):
        return 1
    return max(1, math.ceil(total / size))
