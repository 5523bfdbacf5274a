"""Coverage on the trap mirror (tests/fixtures/trap, hand-written, see its NOTE.md): blocks slow
the crawl down but do not end it, every discovered item is stored or accounted for, list pages 2
and 3 are read on a first crawl, backfill resumes, and processing never stalls (oversize text,
corrupt attachment). Real HTTP, the real CLI, a real database."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from storage.db import Database
from storage.models import Document, FetchedPage, Mention
from tests.conftest import CLI
from tests.mirrors import RecordingMirror, Route

TRAP = Path(__file__).parent / "fixtures" / "trap"
COOLDOWN = 0.3
MIIT = "https://www.miit.gov.cn"
TZ = "/zwgk/zcwj/wjfb/tz/art/2024/art_c0ffee00000000000000000000000{:03d}.html"
N = {n: f"{MIIT}{TZ.format(n)}" for n in range(1, 9)}
N[9] = f"{MIIT}/zwgk/zcwj/wjfb/gg/art/2024/art_c0ffee00000000000000000000000009.html"
N[10] = f"{MIIT}/zwgk/zcwj/wjfb/yj/art/2024/art_c0ffee00000000000000000000000010.html"
BLOCKED_COLUMN = "/zwgk/zcwj/wjfb/yj/index.html"
BLOCKED_NOTICE = TZ.format(3)
CORRUPT_PDF = "/cms_files/filemanager/1/attach/2024/02/demo_list.pdf"
CD = "https://www.chinadaily.com.cn"
C = {
    1: "/a/202406/03/WS665d3c1aa31082fc043cb101.html",
    2: "/a/202406/02/WS665c1b2aa31082fc043cb102.html",
    3: "/a/202403/05/WS65e6a1b2a31082fc043cb103.html",
    4: "/a/202402/20/WS65d3f0c1a31082fc043cb104.html",
    5: "/a/202312/11/WS6576a0b1a31082fc043cb105.html",
    6: "/a/202311/28/WS65652d1ea31082fc043cb106.html",
}
OVERSIZE_FIRM = "华为技术有限公司"


def trap_config(tmp_path: Path, max_list_pages: int = 3) -> Path:
    path = tmp_path / "trap.toml"
    path.write_text(
        "[crawl]\ndownload_delay = 0.02\ndownload_timeout = 5\nretry_times = 1\n"
        f"retry_backoff_base = 0.05\nblock_cooldown = {COOLDOWN}\nautothrottle = false\n"
        "[sources.miit]\ndownload_delay = 0.02\n"
        # the column behind a challenge page comes FIRST
        'columns = ["zwgk/zcwj/wjfb/yj", "zwgk/zcwj/wjfb/tz", "zwgk/zcwj/wjfb/gg"]\n'
        "[sources.chinadaily]\ndownload_delay = 0.02\n"
        'feeds = ["https://www.chinadaily.com.cn/rss/china_rss.xml"]\n'
        f'sections = ["business/tech"]\nmax_list_pages = {max_list_pages}\n',
        "utf-8",
    )
    return path


@pytest.fixture
def trap(tmp_path: Path) -> Path:
    """A copy of the trap mirror plus the oversize notice (1.1 million characters, written
    here rather than kept in the repository)."""
    root = tmp_path / "trap"
    shutil.copytree(TRAP, root)
    template = (root / "www.miit.gov.cn" / TZ.format(7).lstrip("/")).read_text("utf-8")
    filler = "".join(
        f"<p>第{i}条 本条款规定电信业务分类目录修订的适用范围、术语定义和过渡安排。</p>"
        for i in range(1, 36_001)
    )
    body = f"{filler}<p>{OVERSIZE_FIRM}参与了本说明的起草。</p>"
    page = template.replace(
        "关于开展2023年度中小企业特色产业集群认定工作的通知",
        "关于印发《电信业务分类目录（试行）》修订说明全文的通知",
    ).replace("<p>为引导中小企业集群化发展，开展特色产业集群认定工作。</p>", body)
    (root / "www.miit.gov.cn" / TZ.format(8).lstrip("/")).write_text(page, "utf-8")
    return root


def stored_urls(db_url: str) -> set[str]:
    db = Database(db_url)
    try:
        with db.session() as s:
            return set(
                s.scalars(select(FetchedPage.canonical_url).where(FetchedPage.parent_id.is_(None)))
            )
    finally:
        db.dispose()


def missing(cli: CLI, config: Path, source: str) -> set[tuple[str, str, str]]:
    rows = json.loads(
        cli("--config", str(config), "sources", "--missing", source, "--format", "json").stdout
    )
    return {(r["state"], r["kind"], r["url"]) for r in rows}


def test_miit_blocked_column_first_blocked_notice_corrupt_pdf_oversize(
    cli: CLI, trap: Path, tmp_path: Path, db_url: str
) -> None:
    config = trap_config(tmp_path)
    with RecordingMirror(trap / "www.miit.gov.cn") as m:
        out = cli("--config", str(config), "crawl", "miit", host_map=f"www.miit.gov.cn={m.address}")
    # blocks slowed the crawl down; the source went on and finished
    assert "crawl miit: partial" in out.stdout, out.stdout
    # the column page: tried again after the cool-down, then parked (its notice is found
    # through the site search API); the notice: tried again, parked, one last try at the end
    assert m.requests.count(BLOCKED_COLUMN) == 2 and m.requests.count(BLOCKED_NOTICE) >= 2
    gaps = m.gaps_after({BLOCKED_COLUMN, BLOCKED_NOTICE})
    assert len(gaps) >= 4 and all(g >= COOLDOWN * 0.9 for g in gaps), gaps  # a pause each time
    # list pages 2 and 3 of the column read on a first crawl; the blocked column's notice
    # found through the search API; every other notice stored, no block page stored
    assert stored_urls(db_url) == {N[i] for i in (1, 2, 4, 5, 6, 7, 8, 9, 10)}
    assert missing(cli, config, "miit") == {
        ("parked", "article", N[3]),
        ("parked", "listing", f"{MIIT}{BLOCKED_COLUMN}"),
    }
    counts = json.loads(cli("--config", str(config), "sources", "--format", "json").stdout)
    miit = next(r for r in counts if r["source"] == "miit")
    assert (miit["discovered"], miit["stored"], miit["parked"], miit["failed"]) == (10, 9, 2, 0)
    assert {(t["list"], t["site_total"], t["stored"]) for t in miit["site_totals"]} == {
        ("/zwgk/zcwj/wjfb/tz/", 8, 7),
        ("/zwgk/zcwj/wjfb/gg/", 1, 1),
    }

    processed = cli("process")
    assert "9 new" in processed.stdout and "0 failed" in processed.stdout
    db = Database(db_url)
    with db.session() as s:
        docs = {d.canonical_url: d for d in s.scalars(select(Document))}
        # the oversize notice is tagged in chunks, offsets kept
        big = docs[N[8]]
        assert len(big.text) > 1_000_000
        firm = s.scalars(
            select(Mention).where(Mention.document_id == big.id, Mention.start_char > 1_000_000)
        ).all()
        assert firm and all(big.text[x.start_char : x.end_char] == x.surface for x in firm)
        assert OVERSIZE_FIRM in {x.surface for x in firm}
        # the corrupt PDF: the notice is stored with its own text, the attachment flagged
        corrupt = docs[N[5]]
        assert "示范项目名单" in corrupt.text
        (att,) = corrupt.extra["attachments"]
        assert att["type"] == "pdf" and att["chars"] == 0 and "unreadable" in att["error"]
        # XLSX and DOCX attachments: listed with name and type, their text searchable
        listed = {(a["name"], a["type"]) for a in docs[N[6]].extra["attachments"]}
        assert listed == {("申请企业汇总表.xlsx", "xlsx"), ("填报指南.docx", "docx")}
        assert "深圳市星河数据科技有限公司" in docs[N[6]].text
        assert "海南星链通信有限公司" in docs[N[6]].text
    db.dispose()
    assert missing(cli, config, "miit") == {
        ("parked", "article", N[3]),
        ("parked", "listing", f"{MIIT}{BLOCKED_COLUMN}"),
        ("flagged", "attachment", f"{MIIT}{CORRUPT_PDF}"),
    }
    table = cli("--config", str(config), "sources", "--missing").stdout
    assert "flagged" in table and "parked" in table and "next crawl" in table

    # next run: the parked notice is tried again (still blocked, still parked), nothing stored
    # is fetched again; the column list stops after page 2 (every item on it already stored)
    with RecordingMirror(trap / "www.miit.gov.cn") as m:
        cli("--config", str(config), "crawl", "miit", host_map=f"www.miit.gov.cn={m.address}")
    fetched = [p for p in m.requests if "/art/" in p]
    assert sorted(set(fetched)) == [BLOCKED_NOTICE]
    assert not any("paramJson" in p and "pageNo%22%3A3" in p for p in m.requests)
    assert ("parked", "article", N[3]) in missing(cli, config, "miit")

    # the site lets us in again: the column and the notice are read, their records resolved
    site = trap / "www.miit.gov.cn"
    gg_column = (site / "zwgk/zcwj/wjfb/gg/index.html").read_text("utf-8")
    (site / BLOCKED_COLUMN.lstrip("/")).write_text(gg_column, "utf-8")
    notice = (site / TZ.format(4).lstrip("/")).read_text("utf-8")
    (site / BLOCKED_NOTICE.lstrip("/")).write_text(notice, "utf-8")
    with RecordingMirror(site) as m:
        out = cli("--config", str(config), "crawl", "miit", host_map=f"www.miit.gov.cn={m.address}")
    assert "crawl miit: ok" in out.stdout
    assert N[3] in stored_urls(db_url)
    assert missing(cli, config, "miit") == {("flagged", "attachment", f"{MIIT}{CORRUPT_PDF}")}


def burst_of_429(trap: Path, paths: list[str], n: int) -> dict[str, Route]:
    """The first ``n`` article requests answer 429 (Retry-After: 1), then the site recovers."""
    from tests.mirrors import MirrorHandler

    left = [n]

    def route(h: MirrorHandler) -> None:
        if left[0] > 0:
            left[0] -= 1
            h.send_response(429)
            h.send_header("Retry-After", "1")
            h.send_header("Content-Type", "text/html")
            h.send_header("Content-Length", "17")
            h.end_headers()
            h.wfile.write(b"Too Many Requests")
            return
        MirrorHandler.do_GET(h)

    return {p: route for p in paths}


def test_chinadaily_pages_2_and_3_on_first_crawl_and_a_burst_of_429s(
    cli: CLI, trap: Path, tmp_path: Path, db_url: str
) -> None:
    config = trap_config(tmp_path)
    routes = burst_of_429(trap, list(C.values()), 3)
    with RecordingMirror(trap / "www.chinadaily.com.cn", routes) as m:
        out = cli(
            "--config",
            str(config),
            "crawl",
            "chinadaily",
            host_map=f"www.chinadaily.com.cn={m.address}",
        )
    assert "crawl chinadaily: ok" in out.stdout and "blocked=3" in out.stdout
    assert "/business/tech/page_2.html" in m.requests and "/business/tech/page_3.html" in m.requests
    # each 429 paused the host for at least its Retry-After; the burst cleared, nothing parked
    first_three = [i for i, p in enumerate(m.requests) if p in C.values()][:3]
    gaps = [m.times[i + 1] - m.times[i] for i in first_three]
    assert all(g >= 0.9 for g in gaps), gaps
    assert stored_urls(db_url) == {CD + p for p in C.values()}
    assert missing(cli, config, "chinadaily") == set()

    cli("process")
    db = Database(db_url)
    with db.session() as s:
        buddhist = s.scalar(select(Document).where(Document.canonical_url == CD + C[3]))
        assert buddhist is not None and buddhist.published_at is not None
        assert buddhist.published_at.year == 2024  # Updated: 2567-03-05 corrected
    db.dispose()

    # incremental: page 1 holds only stored items -> page 2 is not read, nothing fetched
    with RecordingMirror(trap / "www.chinadaily.com.cn") as m:
        cli(
            "--config",
            str(config),
            "crawl",
            "chinadaily",
            host_map=f"www.chinadaily.com.cn={m.address}",
        )
    assert "/business/tech/page_2.html" not in m.requests
    assert m.article_requests() == []


def test_backfill_walks_older_pages_and_resumes(
    cli: CLI, trap: Path, tmp_path: Path, db_url: str
) -> None:
    config = trap_config(tmp_path, max_list_pages=1)
    host = "www.chinadaily.com.cn"
    with RecordingMirror(trap / host) as m:
        cli("--config", str(config), "crawl", "chinadaily", host_map=f"{host}={m.address}")
        assert stored_urls(db_url) == {CD + C[1], CD + C[2]}
        # an interrupted backfill (here: stopped after two pages)...
        cli(
            "--config",
            str(config),
            "crawl",
            "chinadaily",
            "--backfill",
            "--pages",
            "2",
            host_map=f"{host}={m.address}",
        )
        assert stored_urls(db_url) == {CD + C[i] for i in (1, 2, 3, 4)}
        assert "/business/tech/page_3.html" not in m.requests
        m.requests.clear()
        # ...resumes where it stopped instead of starting over
        cli(
            "--config",
            str(config),
            "crawl",
            "chinadaily",
            "--backfill",
            host_map=f"{host}={m.address}",
        )
    assert "/business/tech/page_3.html" in m.requests
    assert stored_urls(db_url) == {CD + p for p in C.values()}
    out = cli("crawl", "chinadaily", "--until", "2024-01-01", check=False)
    assert out.returncode != 0 and "--backfill" in out.stderr


def test_a_page_that_fails_is_marked_skipped_and_retried_on_request(
    cli: CLI, trap: Path, tmp_path: Path, db_url: str
) -> None:
    config = trap_config(tmp_path)
    host = "www.chinadaily.com.cn"
    # a page with neither the site's structure nor any text the generic extractor accepts
    (trap / host / C[4].lstrip("/")).write_text(
        "<html><head><title>x</title></head><body><div id='Content'></div></body></html>", "utf-8"
    )
    with RecordingMirror(trap / host) as m:
        cli("--config", str(config), "crawl", "chinadaily", host_map=f"{host}={m.address}")
    first = cli("process")
    assert "5 new" in first.stdout and "1 failed" in first.stdout
    assert "--retry-failed" in first.stderr
    again = cli("process")
    assert "processed 0 pages" in again.stdout  # skipped, never blocks later runs
    assert missing(cli, config, "chinadaily") == {("failed", "processing", CD + C[4])}
    retried = cli("process", "--retry-failed")
    assert "processed 1 pages" in retried.stdout and "1 failed" in retried.stdout


def test_miit_backfill_walks_the_search_api_pages(
    cli: CLI, trap: Path, tmp_path: Path, db_url: str
) -> None:
    config = trap_config(tmp_path)
    site = trap / "www.miit.gov.cn"
    search = site / "search-front-server/api/search/info"
    first = json.loads((search / "cateid57_p0.json").read_text("utf-8"))
    first["data"]["searchResult"]["total"] = 23  # 20 per page: two pages
    (search / "cateid57_p0.json").write_text(json.dumps(first, ensure_ascii=False), "utf-8")
    older = N[10].replace("010.html", "011.html")
    path = older.removeprefix(MIIT)
    page = (site / N[10].removeprefix(MIIT).lstrip("/")).read_text("utf-8")
    (site / path.lstrip("/")).write_text(page.replace("2024-06-10", "2021-03-01"), "utf-8")
    entry = json.loads(json.dumps(first["data"]["searchResult"]["dataResults"][0]))
    entry["groupData"][0]["data"]["url"] = path
    second = {**first, "data": {"searchResult": {"total": 23, "dataResults": [entry]}}}
    (search / "cateid57_p1.json").write_text(json.dumps(second, ensure_ascii=False), "utf-8")
    with RecordingMirror(site) as m:
        host_map = f"www.miit.gov.cn={m.address}"
        cli("--config", str(config), "crawl", "miit", host_map=host_map)
        assert older not in stored_urls(db_url)  # a daily run does not walk history
        cli("--config", str(config), "crawl", "miit", "--backfill", host_map=host_map)
    assert any("cateid=57" in p and "&p=1" in p for p in m.requests)
    assert older in stored_urls(db_url)
