"""Xinhua and MIIT page objects and discovery parsers, offline, on real pages (../shared)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from crawler.sources import miit as miit_source
from crawler.sources import xinhua as xinhua_source
from extract.document import RawPage
from extract.errors import BlockedPage
from extract.sources import miit, xinhua
from tests.conftest import realpage

XINHUA_2023 = "newspaper4k_newscn_fortune_2023-11-17_c_1129981476"
XINHUA_2020 = "trafilatura_xinhuanet_local_2020-02-19_c_1125597921.html"
XINHUA_2019 = "gne_xinhuanet_world_2019-12-10_c_1125327450.html"
XINHUA_2012 = "trafilatura_wayback_he_xinhuanet_2012-06-04_content_25340717.html"
MIIT_ZCJD = "luck3mc_miit_zcjd_2026-08-06_art_ef24128ee7304a63b6777d7023631e94.html"


def xinhua_doc(name: str, url: str):  # type: ignore[no-untyped-def]
    return xinhua.parse_article([RawPage(url, realpage("xinhua", name).read_bytes())])


def test_xinhua_current_template() -> None:
    doc = xinhua_doc(
        f"{XINHUA_2023}.html", "http://www.news.cn/fortune/2023-11/17/c_1129981476.htm"
    )
    assert doc.canonical_url == "https://www.news.cn/fortune/2023-11/17/c_1129981476.htm"
    assert doc.extraction_path == "site:xinhua-current"
    expected = json.loads(realpage("xinhua", f"{XINHUA_2023}.expected_metadata.json").read_text())
    assert doc.title == expected["title"].strip()
    assert doc.published and doc.published.value == datetime(2023, 11, 17, 12, 52, 15, tzinfo=UTC)
    text = realpage("xinhua", f"{XINHUA_2023}.expected_text.txt").read_text("utf-8")
    for paragraph in [p.strip() for p in text.split("\n") if p.strip()]:
        assert paragraph.replace("\u3000", "") in doc.text
    assert "纠错" not in doc.text and "责任编辑" not in doc.text
    assert doc.extra["editor"] == "张樵苏" and doc.extra["outlet"] == "新华网"


@pytest.mark.parametrize(
    ("name", "url"),
    [
        (XINHUA_2020, "http://www.xinhuanet.com/local/2020-02/19/c_1125597921.htm"),
    ],
)
def test_xinhua_2019_template_against_trafilatura_evaldata(name: str, url: str) -> None:
    doc = xinhua_doc(name, url)
    expected = json.loads(
        realpage("xinhua", "trafilatura_evaldata_xinhuanet_entries.json").read_text("utf-8")
    )[url]
    assert doc.extraction_path == "site:xinhua-2019"
    assert doc.canonical_url == url.replace("http://www.xinhuanet.com", "https://www.news.cn")
    assert doc.title == expected["title"].strip()
    assert doc.published and doc.published.beijing_date.isoformat() == expected["date"]
    for must in expected["with"]:
        assert must in doc.text
    for must_not in expected["without"]:
        assert must_not not in doc.text
    assert doc.extra["editor"] == expected["author"]


def test_xinhua_2019_hidden_gallery_and_source() -> None:
    doc = xinhua_doc(XINHUA_2019, "http://www.xinhuanet.com/world/2019-12/10/c_1125327450.htm")
    assert doc.title == "法国全国大罢工再次严重影响交通"
    assert doc.extra["outlet"] == "新华网" and doc.extra["editor"] == "尹世杰"
    assert doc.text.startswith("新华社巴黎12月9日电")
    assert "图集" not in doc.text and "纠错" not in doc.text


def test_xinhua_gb2312_regional_page() -> None:
    url = "http://www.he.xinhuanet.com/news/2012-06/04/content_25340717.htm"
    doc = xinhua_doc(XINHUA_2012, url)
    expected = json.loads(
        realpage("xinhua", "trafilatura_evaldata_xinhuanet_entries.json").read_text("utf-8")
    )
    entry = next(v for k, v in expected.items() if k.endswith("content_25340717.htm"))
    assert doc.title == entry["title"].strip()
    for must in entry["with"]:
        assert must in doc.text
    for must_not in entry["without"]:
        assert must_not not in doc.text
    assert "\ufffd" not in doc.text and doc.language == "zh"


@pytest.mark.parametrize(
    ("given", "canonical"),
    [
        (
            "http://www.xinhuanet.com/english/2019-11/17/c_138562299.htm",
            "https://english.news.cn/2019-11/17/c_138562299.htm",
        ),
        (
            "https://english.news.cn/20241114/b1403227636e41b8bcd5bd9c661c7825/c.html?f=1",
            "https://english.news.cn/20241114/b1403227636e41b8bcd5bd9c661c7825/c.html",
        ),
        (
            "http://xinhuanet.com/tech/20260503/76ea04db45f242819a7f2b39dc191b94/c.html",
            "https://www.news.cn/tech/20260503/76ea04db45f242819a7f2b39dc191b94/c.html",
        ),
    ],
)
def test_xinhua_canonical_urls(given: str, canonical: str) -> None:
    assert xinhua.canonical_url(given) == canonical


def test_xinhua_datasource_discovery() -> None:
    hub = '<ul class="wz-list" data="datasource:0123456789abcdef0123456789abcdef"></ul>'
    assert xinhua_source.datasource_urls(hub, "https://english.news.cn/list/latestnews.htm") == [
        "https://english.news.cn/list/ds_0123456789abcdef0123456789abcdef.json"
    ]
    # hand-written datasource body (the real format is documented, not seen)
    body = json.dumps(
        {
            "datasource": [
                {
                    "title": "A",
                    "publishUrl": "../20241106/6ad8ba3ba6c5bb32d82703d6579cab77/c.html",
                    "publishTime": "2024-11-06 10:21:00",
                },
                {
                    "title": "B",
                    "publishUrl": "https://english.news.cn/20241107/0123456789abcdef0123456789abcdef/c.html",
                },
                {"title": "video", "publishUrl": "https://english.news.cn/video/index.htm"},
                {
                    "title": "elsewhere",
                    "publishUrl": "https://example.com/20241107/0123456789abcdef0123456789abcdef/c.html",
                },
            ]
        }
    ).encode()
    items = xinhua_source.parse_datasource(body, "https://english.news.cn/list/ds_x.json")
    assert [i.url for i in items] == [
        "https://english.news.cn/20241106/6ad8ba3ba6c5bb32d82703d6579cab77/c.html",
        "https://english.news.cn/20241107/0123456789abcdef0123456789abcdef/c.html",
    ]
    with pytest.raises(ValueError):
        xinhua_source.parse_datasource(b"<html>blocked</html>", "https://english.news.cn/ds.json")


def test_miit_real_image_only_notice() -> None:
    page = RawPage(
        "http://wap.miit.gov.cn/zwgk/zcjd/art/2026/art_ef24128ee7304a63b6777d7023631e94.html?app=mb",
        realpage("miit", MIIT_ZCJD).read_bytes(),
    )
    doc = miit.parse_article([page])
    assert doc.canonical_url == (
        "https://www.miit.gov.cn/zwgk/zcjd/art/2026/art_ef24128ee7304a63b6777d7023631e94.html"
    )
    assert doc.title and doc.title.startswith("一图读懂强制性国家标准GB 44721")
    # #con_time (2026-08-05 20:40) wins over meta PubDate (2026-08-06 09:11); both kept
    assert doc.published and doc.published.value == datetime(2026, 8, 5, 12, 40, tzinfo=UTC)
    assert doc.extra["raw_dates"]["PubDate"] == "2026-08-06 09:11"
    assert doc.extra["department"] == "装备工业一司" and doc.extra["column"] == "政策解读"
    assert doc.extra["image_only"] is True and doc.text == ""
    assert doc.extraction_path == "site:miit"


def test_miit_block_page_is_recognised_but_notice_words_are_not() -> None:
    url = "https://www.miit.gov.cn/zwgk/zcwj/wjfb/tg/art/2024/art_0000000000000000000000000000bad1.html"
    with pytest.raises(BlockedPage):
        miit.parse_article(
            [RawPage(url, "<html><body>安全验证 captcha-container</body></html>".encode())]
        )
    notice = (
        "<html><body><h1 id='con_title'>关于短信验证码安全的通知</h1><div id='con_con'>"
        "<p>工信部通信函〔2024〕12号</p><p>各基础电信企业应加强验证码短信安全验证管理。</p>"
        "</div></body></html>"
    ).encode()
    doc = miit.parse_article([RawPage(url, notice)])
    assert doc.extra["doc_number"] == "工信部通信函〔2024〕12号"


def test_miit_search_api_real_response() -> None:
    body = realpage(
        "miit", "search-front-server_api_search_info_cateid57_2021-06.json"
    ).read_bytes()
    items = miit_source.parse_search_response(
        body, "https://www.miit.gov.cn/s", ["/zwgk/zcwj/wjfb/tg/"]
    )
    assert [i.url for i in items] == [
        "https://www.miit.gov.cn/zwgk/zcwj/wjfb/tg/art/2021/art_5b4564af620b4e3d834fbf49570dffd7.html"
    ]
    assert items[0].title and items[0].title.endswith("的通告")
    assert items[0].date and items[0].date.startswith("2021-06-04")


def test_miit_query_data_in_both_quoting_styles() -> None:
    column = (
        '<script id="x" src="/cms_files/default/script/AuthorizedRead/unitbuild.js?v=3" '
        'url="/api-gateway/jpaas-publish-server/front/page/build/unit" '
        "queryData=\"{'parseType':'buildstatic','webId':'8d8','pageType':'column',"
        "'tagId':'右侧内容','editType':'null','pageId':'ca517c97303b40cf80bd668b35f6148f'}\">"
        "</script>"
    )
    api, query = miit_source.find_column_query(column)  # type: ignore[misc]
    assert api.endswith("/build/unit") and query["pageId"] == "ca517c97303b40cf80bd668b35f6148f"
    article = realpage("miit", MIIT_ZCJD).read_text("utf-8")
    assert miit_source.find_column_query(article) is None  # pageType=article, not a column
    assert miit_source.parse_query_data(
        "{&quot;pageType&quot;:&quot;column&quot;,&quot;pageId&quot;:&quot;abc&quot;}"
    ) == {"pageType": "column", "pageId": "abc"}


def test_miit_build_unit_response_and_paging() -> None:
    # hand-written build/unit answer, shape from SOURCES.md §3.2 (no real body is available)
    fragment = (
        '<div id="右侧内容"><div class="page-content"><ul>'
        '<li class="cf"><a class="fl" href="http://www.miit.gov.cn/zwgk/zcwj/wjfb/tg/art/2024/'
        'art_2326271e1b424e09b6e5924ad2948863.html" title="关于开展增值电信业务扩大对外开放试点工作的通告">'
        '<i></i>关于开展增值电信业务…</a><span class="fr">2024-04-08</span></li>'
        '<li class="cf"><a class="fl" href="/zwgk/zcwj/wjfb/tg/art/2024/'
        'art_11111111111111111111111111111111.html" title="另一份通告"><i></i>另一份通告</a>'
        '<span class="fr">2024-04-10</span></li></ul></div>'
        '<div class="pagination" rows="2" count="3" pageno="1"></div></div>'
    )
    body = json.dumps({"code": "200", "success": True, "data": {"html": fragment}}).encode()
    unit = miit_source.parse_unit_response(body, "https://www.miit.gov.cn/api")
    assert [i.title for i in unit.items] == [
        "关于开展增值电信业务扩大对外开放试点工作的通告",
        "另一份通告",
    ]
    assert unit.items[0].url.startswith("https://www.miit.gov.cn/zwgk/zcwj/wjfb/tg/art/2024/")
    assert (unit.rows, unit.count, unit.pages) == (2, 3, 2)
    url = miit_source.unit_url("/api-gateway/x", {"pageId": "p"}, page=2, rows=2)
    assert "paramJson=%7B%22pageNo%22%3A2%2C%22pageSize%22%3A2%7D" in url
    with pytest.raises(ValueError, match="API error"):
        miit_source.parse_unit_response(b'{"code":"500","success":false,"message":"x"}', "u")
