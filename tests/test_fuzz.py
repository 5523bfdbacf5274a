"""Fuzz the page parsers and the feed/list readers with mutated real pages (hypothesis).

Every input ends in a document / a list of items, or in a clear error (a ``ValueError`` with a
message: ExtractionError, BlockedPage, DecodeError, "not JSON", ...), never another exception.
Seeds: the real pages in ../shared/realpages and the bundled hand-written mirror pages.

Brief in CI (a fixed, derandomised set of examples). Longer, with fresh random examples::

    POLICYWATCH_FUZZ_EXAMPLES=5000 .venv/bin/python -m pytest tests/test_fuzz.py -q
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.sources import chinadaily as chinadaily_lists
from crawler.sources import miit as miit_lists
from crawler.sources import xinhua as xinhua_lists
from extract.document import RawPage
from extract.sources import chinadaily, miit, xinhua
from tests.conftest import DEMO_ROOT, REALPAGES

LONG = "POLICYWATCH_FUZZ_EXAMPLES" in os.environ
FUZZ = settings(
    max_examples=int(os.environ.get("POLICYWATCH_FUZZ_EXAMPLES", "25")),
    deadline=None,
    derandomize=not LONG,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

TOKENS = [
    b"<", b">", b"</div>", b"<div id='Content'>", b'<div id="detail">', b"<p>", b"</p>",
    b"\x00", b"\xff\xfe", b"\xef\xbb\xbf", b"&#0;", b"&#xD800;", b"]]>", b"<![CDATA[",
    b"<script>", b"<!--", b"-->", b"\xe4\xb8", b'"', b"{", b"}", b"[", b"]", b"null", b"1e999",
    b"<meta charset='gb2312'>", b"<meta http-equiv='refresh' content='0;url=x'>",
    b"\xe5\xae\x89\xe5\x85\xa8\xe9\xaa\x8c\xe8\xaf\x81",  # 安全验证 (a block marker)
    b"<h1>", b"</h1>", b"<span id='con_time'>", b"2024-13-45 25:61", b"99999999999999999999",
]


def _demo(host: str, rel: str) -> tuple[str, bytes]:
    return f"https://{host}/{rel}", (DEMO_ROOT / host / rel).read_bytes()


def _real(folder: str, name: str, url: str) -> tuple[str, bytes] | None:
    path = REALPAGES / folder / name
    return (url, path.read_bytes()) if path.exists() else None


def seeds(host: str, suffixes: tuple[str, ...], real: list[tuple[str, str, str]]) -> list:
    found = [
        _demo(host, str(p.relative_to(DEMO_ROOT / host)))
        for p in sorted((DEMO_ROOT / host).rglob("*"))
        if p.is_file() and p.suffix in suffixes
    ]
    found += [s for s in (_real(*r) for r in real) if s]
    return found


CHINADAILY_ARTICLES = [
    s for s in seeds(
        "www.chinadaily.com.cn",
        (".html",),
        [
            (
                "chinadaily",
                "newspaper4k_cn_chinadaily_2023-11-17_WS65571297a310d5acd876f404.html",
                "https://china.chinadaily.com.cn/a/202311/17/WS65571297a310d5acd876f404.html",
            ),
            (
                "chinadaily",
                "magic-html_chinadaily_en_2024-05-13_WS664167f4a31082fc043c6af7.html",
                "https://www.chinadaily.com.cn/a/202405/13/WS664167f4a31082fc043c6af7.html",
            ),
        ],
    )
    if "/a/" in s[0]
]
CHINADAILY_LISTS = seeds(
    "www.chinadaily.com.cn",
    (".html",),
    [
        (
            "chinadaily",
            "listing_world_china-us_2019-01-12.html",
            "https://www.chinadaily.com.cn/world/china-us",
        )
    ],
)
CHINADAILY_FEEDS = seeds("www.chinadaily.com.cn", (".xml",), [])
XINHUA_ARTICLES = [
    s
    for host in ("www.news.cn", "english.news.cn")
    for s in seeds(host, (".htm", ".html"), [])
    if xinhua.is_article_url(s[0])
] + [
    s
    for s in (
        _real(
            "xinhua",
            "newspaper4k_newscn_fortune_2023-11-17_c_1129981476.html",
            "http://www.news.cn/fortune/2023-11/17/c_1129981476.htm",
        ),
        _real(
            "xinhua",
            "gne_xinhuanet_world_2019-12-10_c_1125327450.html",
            "http://www.xinhuanet.com/world/2019-12/10/c_1125327450.htm",
        ),
        _real(
            "xinhua",
            "trafilatura_wayback_he_xinhuanet_2012-06-04_content_25340717.html",
            "http://www.he.xinhuanet.com/news/2012-06/04/content_25340717.htm",
        ),
    )
    if s
]
XINHUA_HUBS = [
    s for host in ("www.news.cn", "english.news.cn") for s in seeds(host, (".htm", ".html"), [])
]
XINHUA_DATASOURCES = [
    s for host in ("www.news.cn", "english.news.cn") for s in seeds(host, (".json",), [])
]
MIIT_ARTICLES = [
    s
    for s in seeds(
        "www.miit.gov.cn",
        (".html",),
        [
            (
                "miit",
                "luck3mc_miit_zcjd_2026-08-06_art_ef24128ee7304a63b6777d7023631e94.html",
                "https://www.miit.gov.cn/zwgk/zcjd/art/2026/art_ef24128ee7304a63b6777d7023631e94.html",
            )
        ],
    )
    if miit.is_article_url(s[0])
]
MIIT_PAGES = seeds("www.miit.gov.cn", (".html",), []) + [
    s
    for s in (
        _real(
            "miit", "luck3mc_miit_homepage_2026-08-10.html", "https://www.miit.gov.cn/"
        ),
    )
    if s
]
MIIT_UNITS = [s for s in seeds("www.miit.gov.cn", (".json",), []) if "/build/unit/" in s[0]]
MIIT_SEARCH = [s for s in seeds("www.miit.gov.cn", (".json",), []) if "search" in s[0]] + [
    s
    for s in (
        _real(
            "miit",
            "search-front-server_api_search_info_cateid57_2021-06.json",
            miit_lists.search_url(),
        ),
    )
    if s
]


@st.composite
def mutated(draw: st.DrawFn, pool: list[tuple[str, bytes]]) -> tuple[str, bytes]:
    """A seed page with a few random edits: cuts, insertions of tricky tokens or random bytes,
    duplicated slices, truncation."""
    url, body = pool[draw(st.integers(0, len(pool) - 1))]
    data = bytearray(body)
    for _ in range(draw(st.integers(0, 6))):
        op = draw(st.sampled_from(["delete", "insert", "random", "duplicate", "truncate"]))
        at = int(draw(st.floats(0, 1)) * len(data))
        if op == "delete":
            del data[at : at + draw(st.integers(1, 400))]
        elif op == "insert":
            data[at:at] = draw(st.sampled_from(TOKENS))
        elif op == "random":
            data[at:at] = draw(st.binary(min_size=1, max_size=40))
        elif op == "duplicate":
            data[at:at] = data[at : at + draw(st.integers(1, 400))]
        else:
            del data[at:]
    return url, bytes(data)


def survives(call: Callable[[], Any]) -> Any:
    """The call returns, or raises a ValueError with a message (the parsers' clear errors)."""
    try:
        return call()
    except ValueError as exc:
        assert str(exc).strip(), f"{type(exc).__name__} without a message"
        return None


def text(body: bytes) -> str:
    return body.decode("utf-8", "replace")


@FUZZ
@given(st.data())
def test_article_parsers(data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(["chinadaily", "xinhua", "miit"]))
    parser, pool = {
        "chinadaily": (chinadaily.parse_article, CHINADAILY_ARTICLES),
        "xinhua": (xinhua.parse_article, XINHUA_ARTICLES),
        "miit": (miit.parse_article, MIIT_ARTICLES),
    }[name]
    url, body = data.draw(mutated(pool))
    status = data.draw(st.sampled_from([200, 200, 200, 403, 500]))
    doc = survives(lambda: parser([RawPage(url, body, status)], {}))
    if doc is not None:
        assert isinstance(doc.text, str) and doc.canonical_url.startswith("https://")


@FUZZ
@given(st.data())
def test_feed_and_list_readers(data: st.DataObject) -> None:
    kind = data.draw(
        st.sampled_from(["feed", "cd-list", "xh-hub", "xh-ds", "miit-page", "miit-unit", "search"])
    )
    pool = {
        "feed": CHINADAILY_FEEDS,
        "cd-list": CHINADAILY_LISTS,
        "xh-hub": XINHUA_HUBS,
        "xh-ds": XINHUA_DATASOURCES,
        "miit-page": MIIT_PAGES,
        "miit-unit": MIIT_UNITS,
        "search": MIIT_SEARCH,
    }[kind]
    url, body = data.draw(mutated(pool))
    if kind == "feed":
        survives(lambda: chinadaily_lists.parse_feed(body, url))
    elif kind == "cd-list":
        survives(lambda: chinadaily_lists.parse_listing(text(body), url))
    elif kind == "xh-hub":
        survives(lambda: xinhua_lists.datasource_urls(text(body), url))
        survives(lambda: xinhua_lists.scan_links(text(body), url))
    elif kind == "xh-ds":
        survives(lambda: xinhua_lists.parse_datasource(body, url))
    elif kind == "miit-page":
        survives(lambda: miit_lists.find_column_query(text(body)))
    elif kind == "miit-unit":
        survives(lambda: miit_lists.parse_unit_response(body, url))
    else:
        survives(lambda: miit_lists.parse_search_response(body, url, ["/zwgk/", "/xwfb/"]))


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)


@st.composite
def reshaped_json(draw: st.DrawFn, pool: list[tuple[str, bytes]]) -> tuple[str, bytes]:
    """A seed JSON answer with one value somewhere replaced by a value of another type."""
    url, body = pool[draw(st.integers(0, len(pool) - 1))]
    tree = json.loads(body.decode("utf-8-sig"))
    value = draw(JSON_VALUES)
    node: Any = tree
    while True:
        if isinstance(node, dict) and node:
            key: Any = draw(st.sampled_from(sorted(node)))
        elif isinstance(node, list) and node:
            key = draw(st.integers(0, len(node) - 1))
        else:
            tree = value if node is tree else tree
            break
        if isinstance(node[key], dict | list) and draw(st.booleans()):
            node = node[key]
            continue
        node[key] = value
        break
    return url, json.dumps(tree, ensure_ascii=False).encode("utf-8")


@FUZZ
@given(st.data())
def test_json_readers_with_values_of_other_types(data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(["datasource", "unit", "search"]))
    reader, pool = {
        "datasource": (xinhua_lists.parse_datasource, XINHUA_DATASOURCES),
        "unit": (miit_lists.parse_unit_response, MIIT_UNITS),
        "search": (
            lambda b, u: miit_lists.parse_search_response(b, u, ["/zwgk/", "/xwfb/"]),
            MIIT_SEARCH,
        ),
    }[name]
    url, body = data.draw(reshaped_json(pool))
    survives(lambda: reader(body, url))


def test_seeds_are_there() -> None:
    for pool in (
        CHINADAILY_ARTICLES, CHINADAILY_FEEDS, CHINADAILY_LISTS, XINHUA_ARTICLES, XINHUA_HUBS,
        XINHUA_DATASOURCES, MIIT_ARTICLES, MIIT_PAGES, MIIT_UNITS, MIIT_SEARCH,
    ):
        assert pool
    if not Path(REALPAGES).exists():
        pytest.skip("real pages not available (shared/ is not beside the clone)")
