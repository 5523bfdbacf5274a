"""China Daily page objects, offline: real pages from ../shared/realpages and the bundled
hand-written English pages."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crawler.sources.chinadaily import parse_feed, parse_listing, section_url
from extract.document import RawPage
from extract.errors import BlockedPage, ExtractionError
from extract.sources.chinadaily import (
    canonical_url,
    continuation_urls,
    parse_article,
)
from tests.conftest import DEMO_SITE, realpage

ZH_URL = "https://china.chinadaily.com.cn/a/202311/17/WS65571297a310d5acd876f404.html"
ZH_FILE = "newspaper4k_cn_chinadaily_2023-11-17_WS65571297a310d5acd876f404"


def demo_page(url: str) -> RawPage:
    path = DEMO_SITE / url.split("chinadaily.com.cn/", 1)[1]
    return RawPage(url, path.read_bytes())


def test_real_chinese_article_fields_and_text() -> None:
    page = realpage("chinadaily", f"{ZH_FILE}.html")
    doc = parse_article([RawPage(ZH_URL, page.read_bytes())])
    assert doc.title == "外国专家：中美合作共赢符合国际社会利益"
    assert doc.language == "zh"
    assert doc.extraction_path == "site:chinadaily-zh"
    # 2023-11-17 15:13 Beijing time
    assert doc.published and doc.published.value == datetime(2023, 11, 17, 7, 13, tzinfo=UTC)
    assert not doc.published.date_only
    assert doc.extra["outlet"] == "中国日报网"
    expected = realpage("chinadaily", f"{ZH_FILE}.expected_text.txt").read_text("utf-8")
    expected_paragraphs = [
        p.strip()
        for p in expected.split("\n")
        if p.strip() and "编辑：" not in p  # editor lines are kept out of the text
    ]
    assert doc.text.split("\n\n") == expected_paragraphs
    assert "责任编辑" not in doc.text


def test_real_section_listing() -> None:
    url = "https://www.chinadaily.com.cn/world/china-us"
    listing = parse_listing(
        realpage("chinadaily", "listing_world_china-us_2019-01-12.html").read_text("utf-8"), url
    )
    assert len(listing.items) == 20
    assert listing.max_page == 113 and listing.page == 1
    first = listing.items[0]
    assert first.url == "https://www.chinadaily.com.cn/a/201901/12/WS5c38db2fa3106c65c34e3ffa.html"
    assert first.title == "China Daily USA publishes Chinese Enterprises in the United States 2019"
    assert first.date == "2019-01-12 02:06"
    assert listing.items[-1].date == "2019-01-04 21:06"


def test_section_urls() -> None:
    assert section_url("business/tech") == "https://www.chinadaily.com.cn/business/tech"
    assert section_url("/business/tech/", 2) == (
        "https://www.chinadaily.com.cn/business/tech/page_2.html"
    )


@pytest.mark.parametrize(
    "given",
    [
        "//www.chinadaily.com.cn/a/202404/12/WS6618c2b5a31082fc043c1a01.html",
        "http://www.chinadaily.com.cn/a/202404/12/WS6618c2b5a31082fc043c1a01.html",
        "https://www.chinadaily.com.cn/a/202404/12/WS6618c2b5a31082fc043c1a01_3.html",
        "https://www.chinadaily.com.cn/a/202404/12/WS6618c2b5a31082fc043c1a01.html?from=rss#top",
    ],
)
def test_canonical_url(given: str) -> None:
    assert canonical_url(given) == (
        "https://www.chinadaily.com.cn/a/202404/12/WS6618c2b5a31082fc043c1a01.html"
    )


def test_feed_discovery_normalises_and_dedups() -> None:
    urls: list[str] = []
    for name in ("china_rss.xml", "bizchina_rss.xml", "world_rss.xml"):
        feed_url = f"https://www.chinadaily.com.cn/rss/{name}"
        items = parse_feed((DEMO_SITE / "rss" / name).read_bytes(), feed_url)
        assert items, name
        urls += [i.url for i in items]
    assert all(u.startswith("https://www.chinadaily.com.cn/a/") for u in urls)
    assert len(set(urls)) >= 4


def test_feed_rejects_html() -> None:
    with pytest.raises(ValueError):
        parse_feed(b"<html><body><p>not a feed</p></body></html>", "https://x/rss.xml")


def test_english_article_with_byline() -> None:
    url = "https://www.chinadaily.com.cn/a/202412/20/WS6764e0b1a310f1265a1d3a11.html"
    doc = parse_article([demo_page(url)])
    assert doc.language == "en" and doc.extraction_path == "site:chinadaily-en"
    assert doc.byline and not doc.byline.lower().startswith("by ")
    assert doc.published and doc.published.value == datetime(2024, 12, 20, 10, 30, tzinfo=UTC)
    assert "Airbus" in doc.text
    assert "Chinadaily.com.cn" not in (doc.title or "")


def test_english_article_without_author() -> None:
    url = "https://www.chinadaily.com.cn/a/202410/15/WS670de1f2a310f1265a1c7d3a.html"
    doc = parse_article([demo_page(url)])
    assert doc.byline is None or "chinadaily" not in doc.byline.lower()
    assert doc.published and doc.published.value == datetime(2024, 10, 14, 23, 30, tzinfo=UTC)


def test_buddhist_era_year_is_corrected() -> None:
    url = "https://www.chinadaily.com.cn/a/202405/17/WS6646b2a0a31082fc043c7b55.html"
    doc = parse_article([demo_page(url)])
    assert doc.published is not None
    assert doc.published.value == datetime(2024, 5, 17, 12, 43, tzinfo=UTC)
    assert "Buddhist-era" in doc.extra["date_note"]


def test_continuation_pages_are_merged() -> None:
    url = "https://www.chinadaily.com.cn/a/202411/06/WS672ab1c4a310f1265a1cd201.html"
    first = demo_page(url)
    parts = continuation_urls(first.body.decode("utf-8"), url)
    assert parts == [url.replace(".html", "_2.html")]
    one = parse_article([first])
    both = parse_article([first, demo_page(parts[0])])
    assert both.text.startswith(one.text) and len(both.text) > len(one.text)
    assert "Airbus" in both.text and both.extra["pages"] == 2


def test_template_change_falls_back_to_trafilatura() -> None:
    url = "https://www.chinadaily.com.cn/a/202408/22/WS66c6b1e2a310a792b3ab4e90.html"
    doc = parse_article([demo_page(url)])
    assert doc.extraction_path == "trafilatura"
    assert "Xiaomi" in doc.text
    assert doc.published and doc.published.beijing_date.isoformat() == "2024-08-22"


def test_empty_and_blocked_pages_raise() -> None:
    url = "https://www.chinadaily.com.cn/a/202401/01/WS000000000000000000000000.html"
    with pytest.raises(ExtractionError, match="empty"):
        parse_article([RawPage(url, b"   ")])
    with pytest.raises(BlockedPage):
        parse_article([RawPage(url, "<html><body>访问过于频繁，请稍后再试</body></html>".encode())])
    with pytest.raises(BlockedPage):
        parse_article([RawPage(url, b"<html>nope</html>", status=403)])


def test_malformed_html_without_text_raises() -> None:
    url = "https://www.chinadaily.com.cn/a/202401/01/WS000000000000000000000001.html"
    with pytest.raises(ExtractionError, match="no article text"):
        parse_article([RawPage(url, b"<html><head><title>x</title></head><body><div></body>")])
