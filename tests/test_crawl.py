"""End to end over real HTTP: the China Daily spider crawls a local mirror through the host map
(hand-written pages from policywatch/demo_site plus pages written by the tests), the pages are
processed, and the results are queried and exported through the CLI."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from sqlalchemy import func, select

from storage.db import Database
from storage.models import Document, DocumentVersion, FetchedPage, Mention
from tests import mirrors
from tests.mirrors import RecordingMirror

HOST = "www.chinadaily.com.cn"
CONTINUED = "https://www.chinadaily.com.cn/a/202411/06/WS672ab1c4a310f1265a1cd201.html"


def host_map(m: RecordingMirror) -> str:
    return f"{HOST}={m.address}"


def count(db_url: str, model) -> int:  # type: ignore[no-untyped-def]
    db = Database(db_url)
    try:
        with db.session() as s:
            return s.scalar(select(func.count()).select_from(model)) or 0
    finally:
        db.dispose()


def test_crawl_process_query_export(cli, site: Path, db_url: str, tmp_path: Path) -> None:
    with RecordingMirror(site) as m:
        out = cli("crawl", "chinadaily", host_map=host_map(m))
    assert "crawl chinadaily: ok" in out.stdout
    # discovery from the feeds and the section lists; robots.txt was read from the mirror
    assert "/robots.txt" in m.requests
    assert any(p.startswith("/rss/") for p in m.requests)
    assert "/business/tech/page_2.html" in m.requests
    # the continuation page was fetched and merged into one article
    assert "/a/202411/06/WS672ab1c4a310f1265a1cd201_2.html" in m.requests
    assert count(db_url, FetchedPage) == 8  # 7 articles + 1 continuation page

    cli("process")
    db = Database(db_url)
    with db.session() as s:
        docs = {d.canonical_url: d for d in s.scalars(select(Document))}
        assert len(docs) == 7
        continued = docs[CONTINUED]
        assert "Hainan" in continued.text  # from page 2
        assert continued.extra["pages"] == 2
        paths = {d.extraction_path for d in docs.values()}
        assert paths == {"site:chinadaily-en", "trafilatura"}
        assert all(d.published_at is not None for d in docs.values())
        assert s.scalar(select(func.count()).select_from(Mention)) > 20
    db.dispose()

    found = json.loads(cli("mentions", "--entity", "Tesla", "--format", "json").stdout)
    assert found and all(r["entity"] == "Tesla" for r in found)
    assert any("first foreign companies to apply" in r["sentence"] for r in found)
    cities = json.loads(cli("mentions", "--kind", "city", "--format", "json").stdout)
    assert {"Shenzhen"} <= {r["entity"] for r in cities}
    docs_json = json.loads(cli("documents", "--search", "Airbus", "--format", "json").stdout)
    assert docs_json and all("url" in d for d in docs_json)
    table = cli("documents").stdout
    assert "Documents" in table

    target = tmp_path / "mentions.csv"
    cli("export", "mentions", "--format", "csv", "-o", str(target))
    with target.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {
        "entity",
        "kind",
        "surface",
        "sentence",
        "title",
        "url",
        "source",
        "published_at",
    } <= set(rows[0])
    assert len(rows) == count(db_url, Mention)
    tesla = [r for r in rows if r["entity"] == "Tesla"]
    assert tesla and tesla[0]["kind"] == "company" and tesla[0]["source"] == "chinadaily"
    assert tesla[0]["url"].startswith("https://www.chinadaily.com.cn/a/")  # real URL, not mirror
    assert not any(
        r["entity"] in {"Xinhua", "China Daily", "Ministry of Industry and Information Technology"}
        and r["kind"] == "company"
        for r in rows
    )

    json_target = tmp_path / "mentions.json"
    cli("export", "mentions", "--format", "json", "-o", str(json_target))
    assert len(json.loads(json_target.read_text("utf-8"))) == len(rows)


def test_second_crawl_fetches_no_known_article(cli, site: Path, db_url: str) -> None:
    with RecordingMirror(site) as m:
        cli("crawl", "chinadaily", host_map=host_map(m))
        first = len(m.article_requests())
        m.requests.clear()
        out = cli("crawl", "chinadaily", host_map=host_map(m))
        assert m.article_requests() == []  # feeds and lists only
        assert "skipped_known=" in out.stdout
        assert any(p.startswith("/rss/") for p in m.requests)
        m.requests.clear()
        cli("crawl", "chinadaily", "--refresh", host_map=host_map(m))
        assert len(m.article_requests()) == first
    assert first == 8
    # refresh stores new fetches; unchanged content gives no new document version
    cli("process")
    assert count(db_url, Document) == 7
    assert count(db_url, DocumentVersion) == 7


def test_changed_content_adds_a_version(cli, site: Path, db_url: str) -> None:
    article = site / "a/202412/20/WS6764e0b1a310f1265a1d3a11.html"
    with RecordingMirror(site) as m:
        cli("crawl", "chinadaily", "--max-items", "2", host_map=host_map(m))
        assert len(m.article_requests()) <= 3  # two articles (+ a continuation page)
        cli("crawl", "chinadaily", host_map=host_map(m))
        cli("process")
        html = article.read_text("utf-8")
        article.write_text(html.replace("Airbus", "Airbus SE"), "utf-8")
        cli("crawl", "chinadaily", "--refresh", host_map=host_map(m))
    cli("process")
    db = Database(db_url)
    with db.session() as s:
        doc = s.scalar(select(Document).where(Document.canonical_url.like("%WS6764e0b1%")))
        assert doc is not None and doc.version == 2 and "Airbus SE" in doc.text
        old = s.scalar(
            select(DocumentVersion).where(
                DocumentVersion.document_id == doc.id, DocumentVersion.version == 1
            )
        )
        assert old is not None and "Airbus SE" not in old.text
    db.dispose()
    # re-running everything from stored pages changes nothing and fetches nothing
    before = count(db_url, Mention)
    out = cli("process", "--all")
    assert "0 new, 0 changed, 7 unchanged" in out.stdout
    assert count(db_url, Mention) == before
    assert count(db_url, DocumentVersion) == 8


def test_since_skips_older_articles(cli, site: Path) -> None:
    with RecordingMirror(site) as m:
        cli("crawl", "chinadaily", "--since", "2024-11-01", host_map=host_map(m))
    fetched = {p.split("/")[2] for p in m.article_requests()}
    assert fetched and all(ym >= "202411" for ym in fetched)


LISTING = """<!-- HAND-WRITTEN FIXTURE for policywatch tests: a section list linking bad pages -->
<html><body><div class="main_art"><div class="lft_art">{items}</div></div></body></html>"""
ITEM = (
    '<div class="mb10 tw3_01_2 "><span class="tw3_01_2_t"><h4><a href="//www.chinadaily.com.cn'
    '/a/202411/2{n}/WS{id}.html">Item {n}</a></h4><b>2024-11-2{n} 10:00</b></span></div>'
)
BAD = {
    "missing": "aaaaaaaaaaaaaaaaaaaaaa01",
    "server_error": "aaaaaaaaaaaaaaaaaaaaaa02",
    "timeout": "aaaaaaaaaaaaaaaaaaaaaa03",
    "empty": "aaaaaaaaaaaaaaaaaaaaaa04",
    "malformed": "aaaaaaaaaaaaaaaaaaaaaa05",
    "gbk": "aaaaaaaaaaaaaaaaaaaaaa06",
    "blocked_cont": "aaaaaaaaaaaaaaaaaaaaaa07",
}


def test_bad_pages_each_get_one_log_line_and_nothing_half_stored(
    cli, tmp_path: Path, db_url: str
) -> None:
    root = tmp_path / "badsite"
    (root / "bad").mkdir(parents=True)
    ids = list(BAD.values())
    (root / "bad" / "index.html").write_text(
        LISTING.format(items="".join(ITEM.format(n=i, id=x) for i, x in enumerate(ids))), "utf-8"
    )
    gbk = (
        "<html><head><meta charset='gbk'><title>试点</title></head><body><div id='Content'>"
        "<p>工业和信息化部在深圳开展增值电信业务试点，特斯拉提交了申请。</p></div></body></html>"
    )
    cont = (
        '<html><body><div id="Content"><p>Page one text about Tesla in Shanghai.</p></div>'
        '<div id="div_currpage"><a href="//www.chinadaily.com.cn/a/202411/26/'
        f'WS{BAD["blocked_cont"]}_2.html">2</a></div></body></html>'
    )
    routes = {
        f"/a/202411/21/WS{BAD['server_error']}.html": mirrors.status(500),
        f"/a/202411/22/WS{BAD['timeout']}.html": mirrors.slow(5),
        f"/a/202411/23/WS{BAD['empty']}.html": mirrors.raw(b""),
        f"/a/202411/24/WS{BAD['malformed']}.html": mirrors.raw(
            b"<html><body><div id='Content'><p>Truncated report on Huawei in Shenzhen"
        ),
        f"/a/202411/25/WS{BAD['gbk']}.html": mirrors.raw(gbk.encode("gbk"), "text/html"),
        f"/a/202411/26/WS{BAD['blocked_cont']}.html": mirrors.raw(cont.encode()),
        f"/a/202411/26/WS{BAD['blocked_cont']}_2.html": mirrors.status(503),
    }
    config = tmp_path / "bad.toml"
    config.write_text(
        "[crawl]\ndownload_delay = 0\ndownload_timeout = 1\nretry_times = 1\n"
        "retry_backoff_base = 0.05\nautothrottle = false\n"
        '[sources.chinadaily]\ndownload_delay = 0\nfeeds = []\nsections = ["bad"]\n',
        "utf-8",
    )
    with RecordingMirror(root, routes) as m:
        out = cli("--config", str(config), "crawl", "chinadaily", host_map=host_map(m), check=False)
    log = out.stderr
    assert f"cause=HTTP 404 url=https://www.chinadaily.com.cn/a/202411/20/WS{BAD['missing']}" in log
    assert (
        f"cause=HTTP 500 url=https://www.chinadaily.com.cn/a/202411/21/WS{BAD['server_error']}"
        in log
    )
    assert f"cause=timeout url=https://www.chinadaily.com.cn/a/202411/22/WS{BAD['timeout']}" in log
    assert f"cause=empty url=https://www.chinadaily.com.cn/a/202411/23/WS{BAD['empty']}" in log
    assert (
        f"continuation page of https://www.chinadaily.com.cn/a/202411/26/"
        f"WS{BAD['blocked_cont']}.html; article not stored" in log
    )
    assert "Traceback" not in log
    # the 500 was retried once, with back-off
    assert m.requests.count(f"/a/202411/21/WS{BAD['server_error']}.html") == 2

    cli("process")
    db = Database(db_url)
    with db.session() as s:
        stored = set(s.scalars(select(FetchedPage.canonical_url)))
        docs = {d.canonical_url.split("WS")[1][:24]: d for d in s.scalars(select(Document))}
    db.dispose()
    assert {u.split("WS")[1][:24] for u in stored} == {BAD["malformed"], BAD["gbk"]}
    assert "Huawei" in docs[BAD["malformed"]].text
    gbk_doc = docs[BAD["gbk"]]
    assert "特斯拉" in gbk_doc.text and gbk_doc.language == "zh"


def test_block_page_pauses_is_retried_then_parked_not_stored(cli, site: Path, db_url: str) -> None:
    blocked = "/a/202404/12/WS6618c2b5a31082fc043c1a01.html"
    routes = {
        blocked: mirrors.raw(
            "<html><body><div class='captcha-container'>请完成安全验证</div></body></html>".encode()
        ),
    }
    with RecordingMirror(site, routes) as m:
        out = cli("crawl", "chinadaily", host_map=host_map(m), check=False)
    # one blocked URL does not end the run: the others are stored, it is parked
    assert out.returncode == 0, out.stderr
    assert "crawl chinadaily: partial" in out.stdout and "parked=1" in out.stdout
    assert "blocked source=chinadaily" in out.stderr and "pausing the host" in out.stderr
    # tried again after the cool-down, parked, and tried a last time when the run was done
    assert m.requests.count(blocked) >= 2  # (a last try only if the host stopped blocking)
    assert count(db_url, FetchedPage) == 7  # 6 articles + 1 continuation page
    db = Database(db_url)
    with db.session() as s:
        urls = set(s.scalars(select(FetchedPage.canonical_url)))
    db.dispose()
    assert not any("WS6618c2b5a31082fc043c1a01" in u for u in urls)
    missing = cli("sources", "--missing").stdout
    assert "WS6618c2b5a31082fc043c1a01" in missing and "parked" in missing


def test_redirects_are_followed_through_the_host_map(cli, site: Path, db_url: str) -> None:
    """A section URL without its slash answers 301 (as a static server does); a mirror may also
    redirect to its own absolute address: both end on the real URL."""
    mirror_box: dict[str, RecordingMirror] = {}

    def to_mirror(path: str):  # type: ignore[no-untyped-def]
        def route(h):  # type: ignore[no-untyped-def]
            h.send_response(301)
            h.send_header("Location", f"http://{mirror_box['m'].address}{path}")
            h.send_header("Content-Length", "0")
            h.end_headers()

        return route

    def relative(path: str):  # type: ignore[no-untyped-def]
        def route(h):  # type: ignore[no-untyped-def]
            h.send_response(301)
            h.send_header("Location", path)
            h.send_header("Content-Length", "0")
            h.end_headers()

        return route

    routes = {
        "/business/tech": relative("/business/tech/"),
        "/business/economy": to_mirror("/business/economy/"),
    }
    with RecordingMirror(site, routes) as m:
        mirror_box["m"] = m
        out = cli("crawl", "chinadaily", host_map=host_map(m))
    assert "/business/tech/" in m.requests and "/business/economy/" in m.requests
    assert "listing failed" not in out.stderr
    db = Database(db_url)
    with db.session() as s:
        urls = set(s.scalars(select(FetchedPage.url)))
    db.dispose()
    assert urls and all(u.startswith("https://www.chinadaily.com.cn/") for u in urls)
