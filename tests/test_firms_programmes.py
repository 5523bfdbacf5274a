"""`firms --programme` for programmes beyond the value-added telecom pilot: claims stored by the
real processing job carry the programme their own sentence names, on SQLite and PostgreSQL.

The two pages are written by hand for this test (Xinhua's English article URL form, a minimal
page that the generic extractor reads); they are not copies of real articles."""

from __future__ import annotations

from schedules.process import process_pages
from storage.db import Database
from storage.firms import FirmFilter, firm_rows
from storage.sources import ensure_source
from tests.seeding import raw_page

PAGES = {
    "https://english.news.cn/20240605/0123456789abcdef0123456789abcdef/c.html": (
        "Nine carmakers selected for intelligent connected vehicle pilot",
        [
            "BEIJING, June 5 -- Four ministries on Tuesday named the first consortia of the "
            "intelligent connected vehicle access and on-road pilot, a pilot programme for L3 "
            "and L4 driving.",
            "BYD, NIO and Yutong were selected for the pilot, the ministry said in a notice.",
            "Tesla is preparing to apply for the pilot next year.",
        ],
    ),
    "https://english.news.cn/20240607/fedcba9876543210fedcba9876543210/c.html": (
        "Shanghai grants QFLP pilot quotas to foreign fund managers",
        [
            "SHANGHAI, June 7 -- Shanghai granted new quotas under its qualified foreign limited "
            "partner (QFLP) pilot this week, widening the pilot programme.",
            "HSBC and Unity each won a QFLP quota, the local financial regulator said.",
        ],
    ),
}


def _html(title: str, paragraphs: list[str]) -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f'<html><head><meta charset="utf-8"><title>{title}</title></head><body>'
        f"<h1>{title}</h1><div id='detail'>{body}</div></body></html>"
    ).encode()


def test_firms_by_programme_beyond_the_telecom_pilot(db_url: str) -> None:
    db = Database(db_url)
    with db.session() as s:
        source = ensure_source(s, "xinhua")
        for url, (title, paragraphs) in PAGES.items():
            html = _html(title, paragraphs)
            s.add(
                raw_page(source.id, url, html, headers={"Content-Type": "text/html; charset=utf-8"})
            )
    summary = process_pages(db)
    assert summary.failed == 0, summary.errors
    with db.session() as s:
        icv = firm_rows(s, FirmFilter(programme="intelligent connected vehicle"))
        qflp = firm_rows(s, FirmFilter(programme="QFLP"))
        qflp_zh = firm_rows(s, FirmFilter(programme="合格境外有限合伙人"))
        telecom = firm_rows(s, FirmFilter(programme="增值电信"))
    assert {(r["firm"], r["status"]) for r in icv} == {
        ("BYD", "approved"),
        ("NIO", "approved"),
        ("Yutong", "approved"),
    }  # Tesla only intends to apply
    assert {(r["firm"], r["status"]) for r in qflp} == {("HSBC", "approved"), ("Unity", "approved")}
    assert qflp_zh == qflp
    assert telecom == []
    assert all(
        c["programme"] == "Qualified foreign limited partner (QFLP) pilot"
        for r in qflp
        for c in r["claims"]
    )
    db.dispose()
