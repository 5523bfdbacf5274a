"""The offline demo: a local mirror of bundled, hand-written China Daily pages, crawled by the
real spider through the host map, then processed, summarised and exported to CSV."""

from __future__ import annotations

import os
from collections import Counter
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from policywatch.config import Config
from policywatch.errors import PolicywatchError
from policywatch.mirror import Mirror

DEMO_SITE = Path(__file__).parent / "demo_site"
DEMO_HOST = "www.chinadaily.com.cn"
DEMO_SOURCE_HOSTS = {
    "chinadaily": DEMO_HOST,
    "xinhua": "english.news.cn",
    "miit": "www.miit.gov.cn",
}
DEMO_XINHUA_HUBS = [
    "https://english.news.cn/",
    "https://english.news.cn/list/latestnews.htm",
    "https://www.news.cn/tech/",
    "https://www.news.cn/politics/",
]
DEMO_MIIT_COLUMNS = ["zwgk/zcwj/wjfb/tg", "zwgk/zcwj/wjfb/tz", "zwgk/zcjd"]


def run_demo(config: Config, workdir: Path, *, keep: bool, console: Console) -> None:
    from crawler.runner import run_crawls
    from schedules.process import process_pages
    from storage.db import Database
    from storage.queries import (
        MENTION_COLUMNS,
        MentionFilter,
        iter_mentions,
        local_time,
        write_csv,
    )

    try:
        workdir.mkdir(parents=True, exist_ok=True)
        probe = workdir / ".policywatch-write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise PolicywatchError(
            f"Cannot write the demo files in {workdir} ({exc.strerror}): choose a writable "
            "folder with --workdir."
        ) from None
    db_path = workdir / "demo.db"
    if not keep:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    hosts = sorted(p.name for p in DEMO_SITE.iterdir() if p.is_dir())
    with ExitStack() as stack:
        mirrors = {host: stack.enter_context(Mirror(DEMO_SITE / host)) for host in hosts}
        for host, mirror in mirrors.items():
            console.print(f"Serving the bundled pages of {host} on http://{mirror.address}/")
        os.environ.setdefault("POLICYWATCH_ALLOW_FAST_CRAWL", "1")
        crawl = replace(
            config.crawl,
            host_map={host: m.address for host, m in mirrors.items()},
            download_delay=0.0,
            autothrottle=False,
            block_cooldown=1.0,  # local pages only: a short pause after the challenge page
        )
        sources = {
            name: {**values, "download_delay": 0.0} for name, values in config.sources.items()
        }
        root = DEMO_SITE / DEMO_HOST
        sources["chinadaily"]["sections"] = sorted(
            str(p.parent.relative_to(root)) for p in root.rglob("index.html") if p.parent != root
        )
        sources["xinhua"]["hubs"] = DEMO_XINHUA_HUBS
        sources["miit"]["columns"] = DEMO_MIIT_COLUMNS
        demo_config = replace(
            config, database_url=f"sqlite:///{db_path}", crawl=crawl, sources=sources
        )
        db = Database(demo_config.database_url)
        names = [n for n in ("chinadaily", "xinhua", "miit") if DEMO_SOURCE_HOSTS[n] in hosts]
        for summary in run_crawls(demo_config, db, names):
            counts = ", ".join(f"{k}={v}" for k, v in sorted(summary.counts.items()))
            console.print(f"crawl {summary.source}: {summary.status} ({counts})", soft_wrap=True)
    processed = process_pages(db, programmes=config.programmes)
    console.print(
        f"process: {processed.documents_new} documents, {processed.mentions} mentions, "
        f"{processed.claims} claims, "
        f"{processed.failed} failed"
    )

    with db.session() as s:
        rows = list(iter_mentions(s, MentionFilter()))
    docs = Counter(
        (r["title"], local_time(r["published_at"], date_only=True), r["source"]) for r in rows
    )
    table = Table(title="Documents")
    table.add_column("published (Beijing)")
    table.add_column("source")
    table.add_column("title")
    table.add_column("mentions", justify="right")
    for (title, day, source), n in sorted(docs.items(), key=lambda kv: kv[0][1], reverse=True):
        table.add_row(day, source, Text(title or ""), str(n))
    console.print(table)
    for kind, title in (("company", "Firms"), ("city", "Cities"), ("province", "Provinces")):
        counts = Counter(
            (r["entity"] or r["surface"], r["entity_zh"] or "") for r in rows if r["kind"] == kind
        )
        docs_per = {
            key: len(
                {
                    r["url"]
                    for r in rows
                    if (r["entity"] or r["surface"], r["entity_zh"] or "") == key
                }
            )
            for key in counts
        }
        t = Table(title=title)
        for col in ("name", "中文", "mentions", "documents"):
            t.add_column(col)
        for (name, zh), n in counts.most_common(15):
            t.add_row(Text(name), Text(zh), str(n), str(docs_per[(name, zh)]))
        console.print(t)

    from storage.firms import FirmFilter, firm_rows

    with db.session() as s:
        firms = firm_rows(s, FirmFilter(), config.programmes)
    t = Table(title="Who applied / was approved (policywatch firms)")
    for col in ("firm", "中文", "status", "first", "last", "sources"):
        t.add_column(col)
    for row in firms:
        t.add_row(
            Text(row["firm"]),
            Text(row["firm_zh"] or ""),
            row["status"],
            row["first_reported"],
            row["last_reported"],
            str(row["sources"]),
        )
    console.print(t)

    csv_path = workdir / "mentions.csv"
    with db.session() as s, csv_path.open("w", encoding="utf-8-sig", newline="") as fh:
        n = write_csv(iter_mentions(s, MentionFilter()), fh, MENTION_COLUMNS)
    console.print(f"Wrote {n} mentions to {escape(str(csv_path))}")
    console.print(
        f"Demo database: {escape(str(db_path))}; try: policywatch --database "
        f"sqlite:///{escape(str(db_path))} "
        "firms --format json",
        soft_wrap=True,
    )
    db.dispose()
