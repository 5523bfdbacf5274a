"""Xinhua and MIIT end to end over real HTTP: hand-written mirrors (policywatch/demo_site, see
its NOTE.md) served locally and crawled through the host map, processed, queried, exported."""

from __future__ import annotations

import csv
import json
from contextlib import ExitStack
from pathlib import Path

import pytest
from sqlalchemy import select

from storage.db import Database
from storage.models import CrawlRun, Document, FetchedPage
from tests.conftest import CLI, DEMO_ROOT, MIRROR_SOURCES_TOML
from tests.mirrors import RecordingMirror

HOSTS = ["english.news.cn", "www.news.cn", "www.miit.gov.cn", "www.chinadaily.com.cn"]
TG_NOTICE = (
    "https://www.miit.gov.cn/zwgk/zcwj/wjfb/tg/art/2024/art_2326271e1b424e09b6e5924ad2948863.html"
)
BATCH_NOTICE = (
    "https://www.miit.gov.cn/zwgk/zcwj/wjfb/tg/art/2024/art_4f9a293ab45b5ad4bc56ebe8b256f017.html"
)
BLOCK_PAGE = "/zwgk/zcwj/wjfb/tg/art/2024/art_0000000000000000000000000000bad1.html"


@pytest.fixture
def sources_config(tmp_path: Path) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(MIRROR_SOURCES_TOML, "utf-8")
    return path


def serve(stack: ExitStack) -> tuple[dict[str, RecordingMirror], str]:
    mirrors = {h: stack.enter_context(RecordingMirror(DEMO_ROOT / h)) for h in HOSTS}
    return mirrors, ",".join(f"{h}={m.address}" for h, m in mirrors.items())


def test_xinhua_discovery_and_templates(cli: CLI, sources_config: Path, db_url: str) -> None:
    with ExitStack() as stack:
        mirrors, host_map = serve(stack)
        out = cli("--config", str(sources_config), "crawl", "xinhua", host_map=host_map)
    assert "crawl xinhua: ok" in out.stdout and "hub_link_scan=1" in out.stdout
    en, zh = mirrors["english.news.cn"].requests, mirrors["www.news.cn"].requests
    assert "/ds_c0ed5f39fa3fd4b8e98a46d8dcef8024.json" in en
    assert "/list/ds_19438f37d474fb25baec59b6bdb022b9.json" in en
    assert "/tech/ds_0143b616fe4136060b251216c879e943.json" in zh
    assert not any("/video/" in p for p in en)  # non-article datasource items are dropped
    assert (
        "hub without datasource ids source=xinhua url=https://www.news.cn/politics/" in out.stderr
    )

    cli("process")
    db = Database(db_url)
    with db.session() as s:
        docs = {d.canonical_url: d for d in s.scalars(select(Document))}
    db.dispose()
    assert len(docs) == 7
    paths = {d.extraction_path for d in docs.values()}
    assert {"site:xinhua-current", "site:xinhua-2019", "trafilatura"} <= paths
    gbk = docs["https://www.news.cn/local/2024-05/20/c_1130222333.htm"]
    assert "喆" in gbk.text and "\ufffd" not in gbk.text and gbk.language == "zh"
    english = [d for d in docs.values() if d.canonical_url.startswith("https://english.news.cn/")]
    assert len(english) == 3 and all(d.language == "en" and d.text for d in english)
    assert all(d.published_at is not None for d in docs.values())


def test_miit_columns_api_paging_attachments_and_block(
    cli: CLI, sources_config: Path, db_url: str
) -> None:
    with ExitStack() as stack:
        mirrors, host_map = serve(stack)
        out = cli("--config", str(sources_config), "crawl", "miit", host_map=host_map, check=False)
    miit = mirrors["www.miit.gov.cn"]
    # the block page is retried once after the host's cool-down, then parked; the run goes on
    assert out.returncode == 0 and "crawl miit: partial" in out.stdout
    units = [p for p in miit.requests if "/build/unit?" in p]
    assert any("pageId=5f1e0d2c3b4a49788766554433221100" in p and "paramJson" in p for p in units)
    first_unit = next(p for p in units if "5f1e0d2c3b4a49788766554433221100" in p)
    headers = miit.headers[first_unit]
    # the column page (real URL, not the mirror's) is the Referer; a browser-class User-Agent
    assert headers["Referer"] == "https://www.miit.gov.cn/zwgk/zcwj/wjfb/tg/index.html"
    assert (
        headers["User-Agent"].startswith("Mozilla/5.0") and "policywatch/" in headers["User-Agent"]
    )
    assert miit.requests.count(BLOCK_PAGE) >= 2  # again after the cool-down (+ maybe a last try)
    assert f"blocked source=miit url=https://www.miit.gov.cn{BLOCK_PAGE}" in out.stderr

    cli("process")
    db = Database(db_url)
    with db.session() as s:
        stored = set(s.scalars(select(FetchedPage.canonical_url)))
        docs = {d.canonical_url: d for d in s.scalars(select(Document))}
        run = s.scalar(select(CrawlRun).order_by(CrawlRun.id.desc()))
        assert run is not None and run.status == "partial"
        assert run.counts["blocked"] >= 2 and run.counts["parked"] == 1
    db.dispose()
    assert not any("bad1" in u for u in stored)
    notice = docs[TG_NOTICE]
    assert notice.extra["doc_number"] == "工信部通信函〔2024〕107号"
    assert notice.extra["attachments"][0]["chars"] > 0
    assert notice.published_at is not None
    assert notice.extra["raw_dates"]["PubDate"] != notice.extra["raw_dates"]["con_time"]
    batch = docs[BATCH_NOTICE]
    assert batch.extra["attachments"], "iframe[fileurl] attachment fetched"
    # attachment text is searchable
    found = json.loads(cli("documents", "--search", "Pilot areas", "--format", "json").stdout)
    assert TG_NOTICE in {d["url"] for d in found}
    image_only = [d for d in docs.values() if d.extra.get("image_only")]
    assert image_only and image_only[0].text == ""
    missing = json.loads(cli("sources", "--missing", "miit", "--format", "json").stdout)
    assert [(m["state"], m["kind"]) for m in missing] == [("parked", "article")]
    assert missing[0]["url"].endswith("bad1.html") and "安全验证" in missing[0]["reason"]


def test_one_identity_across_languages_and_sources(
    cli: CLI, sources_config: Path, tmp_path: Path
) -> None:
    with ExitStack() as stack:
        _mirrors, host_map = serve(stack)
        cli("--config", str(sources_config), "crawl", "all", host_map=host_map, check=False)
    cli("process")
    rows = json.loads(
        cli("mentions", "--entity", "特斯拉", "--format", "json", "--limit", "500").stdout
    )
    surfaces = {r["surface"] for r in rows}
    assert {"Tesla", "特斯拉"} <= surfaces
    assert {r["entity"] for r in rows} == {"Tesla"}
    assert {r["source"] for r in rows} >= {"chinadaily", "xinhua"}
    shenzhen = json.loads(
        cli(
            "mentions",
            "--entity",
            "Shenzhen",
            "--kind",
            "city",
            "--format",
            "json",
            "--limit",
            "500",
        ).stdout
    )
    assert {"Shenzhen", "深圳"} <= {r["surface"] for r in shenzhen}
    assert {r["entity_zh"] for r in shenzhen} == {"深圳市"}
    target = tmp_path / "m.csv"
    cli("export", "mentions", "--format", "csv", "-o", str(target))
    with target.open(encoding="utf-8-sig", newline="") as fh:
        exported = list(csv.DictReader(fh))
    airbus = {r["surface"] for r in exported if r["entity"] == "Airbus"}
    assert "Airbus" in airbus and airbus & {"空客", "空中客车"}
    assert all(r["entity_zh"] == "空中客车" for r in exported if r["entity"] == "Airbus")
    fintech = {r["surface"] for r in exported if r["entity"] == "HSBC Fintech"}
    assert "汇丰金融科技" in fintech
    media_or_gov = {r["entity"] for r in exported if r["kind"] in {"government", "media"}}
    assert {"Ministry of Industry and Information Technology", "Xinhua"} <= media_or_gov
    assert not any(r["kind"] == "company" and r["entity"] in media_or_gov for r in exported)


def test_challenge_page_instead_of_a_column_page_is_a_block(
    cli: CLI, sources_config: Path, db_url: str, tmp_path: Path
) -> None:
    from tests import mirrors as routes

    challenge = (
        "<html><body><div id='captcha-container'>访问验证：请完成人机验证</div></body></html>"
    )
    miit = RecordingMirror(
        DEMO_ROOT / "www.miit.gov.cn",
        {
            f"/zwgk/{c}/index.html": routes.raw(challenge.encode())
            for c in ("zcwj/wjfb/tg", "zcwj/wjfb/tz", "zcjd")
        },
    )
    with miit:
        out = cli(
            "--config",
            str(sources_config),
            "crawl",
            "miit",
            host_map=f"www.miit.gov.cn={miit.address}",
            check=False,
        )
    assert out.returncode == 1 and "crawl miit: blocked" in out.stdout
    assert "blocked source=miit url=https://www.miit.gov.cn/zwgk/" in out.stderr
    assert not any("/build/unit" in p or "/art/" in p for p in miit.requests)


def test_firms_who_applied_with_evidence(cli: CLI, sources_config: Path) -> None:
    with ExitStack() as stack:
        _mirrors, host_map = serve(stack)
        cli("--config", str(sources_config), "crawl", "all", host_map=host_map, check=False)
    cli("process")
    rows = json.loads(cli("firms", "--format", "json").stdout)
    by_firm = {r["firm"]: r for r in rows}
    for row in rows:
        assert {
            "firm",
            "firm_zh",
            "status",
            "first_reported",
            "last_reported",
            "sources",
            "claims",
        } <= set(row)
        for claim in row["claims"]:
            assert {"status", "date", "evidence", "url", "source"} <= set(claim)
            assert claim["url"].startswith("https://") and claim["evidence"]
    # the worked example: applicants, then the first approved batch
    for firm in ("Tesla", "Trafigura", "Siemens Healthineers", "HSBC Fintech", "Unity"):
        assert any(c["status"] == "applied" for c in by_firm[firm]["claims"]), firm
    for firm in ("Airbus", "Siemens", "Deutsche Telekom"):
        assert by_firm[firm]["status"] == "approved", firm
    assert by_firm["Tesla"]["firm_zh"] == "特斯拉"
    assert by_firm["Tesla"]["sources"] >= 2  # China Daily and Xinhua both reported it
    assert {"chinadaily", "xinhua"} <= {c["source"] for c in by_firm["Tesla"]["claims"]}
    # a firm's status follows its claims over time: HSBC Fintech applied, then was approved
    fintech = by_firm["HSBC Fintech"]
    assert fintech["status"] == "approved" and fintech["first_reported"] < fintech["last_reported"]
    # ministries and media are never firms
    assert not {
        "Ministry of Industry and Information Technology",
        "Xinhua",
        "China Daily",
        "MIIT",
        "工信部",
    } & set(by_firm)
    approved = json.loads(cli("firms", "--status", "approved", "--format", "json").stdout)
    assert approved and all(r["status"] == "approved" for r in approved)
    by_programme = json.loads(cli("firms", "--programme", "增值电信", "--format", "json").stdout)
    assert {r["firm"] for r in by_programme} == set(by_firm)
    assert json.loads(cli("firms", "--programme", "no such pilot", "--format", "json").stdout) == []
    table = cli("firms", "--format", "csv").stdout.splitlines()
    assert table[0].startswith("firm,firm_zh,parent,status")
    assert len(table) == len(rows) + 1
