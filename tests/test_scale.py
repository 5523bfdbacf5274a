"""Scale-out: several `policywatch` processes ("machines") on one database crawl and process every
page exactly once, and a worker killed with -9 in the middle of a batch loses nothing.

With PostgreSQL each worker has its own data folder (as separate machines would): coordination
lives in the database. SQLite is a one-machine database: its workers share the data folder,
where its lock files live.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from schedules.process import pending_count, process_pages
from storage.db import Database
from storage.models import Claim, CrawlRun, Document, DocumentVersion, FetchedPage, Mention
from storage.sources import ensure_source
from tests.conftest import CLI, MIRROR_SOURCES_TOML
from tests.seeding import raw_page
from tests.test_crawl_sources import serve


@pytest.fixture
def sources_config(tmp_path: Path) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(MIRROR_SOURCES_TOML, "utf-8")
    return path


def _homes(db_url: str, tmp_path: Path, n: int) -> list[Path]:
    if db_url.startswith("postgresql"):
        return [tmp_path / f"machine{i}" for i in range(n)]
    return [tmp_path / "machine"] * n


def _start(
    db_url: str, config: Path, home: Path, *args: str, host_map: str | None = None
) -> subprocess.Popen[str]:
    env = dict(CLI(db_url, config, home).env)
    if host_map:
        env["POLICYWATCH_HOST_MAP"] = host_map
    return subprocess.Popen(
        [sys.executable, "-m", "policywatch", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: killed with its worker processes
    )


def _derived(db_url: str) -> tuple[set[tuple], set[tuple]]:
    """Mentions and claims, keyed by document URL (ids differ between runs)."""
    db = Database(db_url)
    with db.session() as s:
        mentions = set(
            s.execute(
                select(
                    Document.canonical_url,
                    Mention.surface,
                    Mention.start_char,
                    Mention.end_char,
                    Mention.label,
                    Mention.kind,
                    Mention.entity_id,
                ).join(Document, Mention.document_id == Document.id)
            ).all()
        )
        claims = set(
            s.execute(
                select(Document.canonical_url, Claim.firm_name, Claim.status, Claim.evidence).join(
                    Document, Claim.document_id == Document.id
                )
            ).all()
        )
        n_mentions = s.scalar(select(func.count()).select_from(Mention))
    db.dispose()
    assert n_mentions == len(mentions), "a mention was stored twice"
    return mentions, claims


def _assert_each_page_once(db_url: str) -> int:
    """Every document stored once, from one fetch, processed once without error."""
    db = Database(db_url)
    with db.session() as s:
        per_url = Counter(
            s.scalars(select(FetchedPage.canonical_url).where(FetchedPage.parent_id.is_(None)))
        )
        assert per_url and max(per_url.values()) == 1, [u for u, n in per_url.items() if n > 1]
        pending = s.scalar(
            select(func.count())
            .select_from(FetchedPage)
            .where(FetchedPage.processed_at.is_(None), FetchedPage.parent_id.is_(None))
        )
        errors = s.scalars(
            select(FetchedPage.process_error).where(FetchedPage.process_error.is_not(None))
        ).all()
        assert pending == 0 and errors == []
        docs = Counter(s.scalars(select(Document.canonical_url)))
        assert set(docs) == set(per_url) and max(docs.values()) == 1
        versions = s.scalar(select(func.max(DocumentVersion.version)))
        assert versions == 1, "a page was processed twice into a second version"
    db.dispose()
    return len(per_url)


def test_three_workers_crawl_and_process_each_page_once(
    db_url: str, sources_config: Path, tmp_path: Path
) -> None:
    homes = _homes(db_url, tmp_path, 3)
    with ExitStack() as stack:
        mirrors, host_map = serve(stack)
        workers = [
            _start(db_url, sources_config, home, "crawl", "all", "--process", host_map=host_map)
            for home in homes
        ]
        outputs = [w.communicate(timeout=600) for w in workers]
    for worker, (out, err) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, f"exit {worker.returncode}\n{out}\n{err}"
        assert "Traceback" not in err and "ERROR" not in err, err
    n_pages = _assert_each_page_once(db_url)
    # each source crawled by one of them (the others said so and moved on)
    crawled = Counter(
        line.split(":")[0]
        for out, _err in outputs
        for line in out.splitlines()
        if line.startswith("crawl ") and "skipped" not in line
    )
    assert crawled == {"crawl chinadaily": 1, "crawl xinhua": 1, "crawl miit": 1}, crawled
    # every stored page (article, continuation page, attachment) was fetched once
    _assert_fetched_once(db_url, mirrors)
    # each page processed by exactly one of them
    _assert_processed_once(outputs, n_pages)


def _assert_fetched_once(db_url: str, mirrors: dict) -> None:
    """Every stored page (article, continuation page, attachment) was requested from its mirror
    once, whoever stored it."""
    db = Database(db_url)
    with db.session() as s:
        stored = s.scalars(select(FetchedPage.url)).all()
    db.dispose()
    for url in stored:
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        assert mirrors[parts.hostname].requests.count(path) == 1, url


def _assert_processed_once(outputs: list[tuple[str, str]], n_pages: int) -> None:
    """Each of the n_pages pages was processed by exactly one of the processes (their logs)."""
    processed = Counter(
        line.split("processed url=")[1].split()[0]
        for _out, err in outputs
        for line in err.splitlines()
        if "processed url=" in line and "not processed" not in line
    )
    assert len(processed) == n_pages and set(processed.values()) == {1}


def test_worker_killed_mid_batch_loses_nothing(
    db_url: str, sources_config: Path, tmp_path: Path, cli: CLI
) -> None:
    home_a, home_b = _homes(db_url, tmp_path, 2)
    with ExitStack() as stack:
        _mirrors, host_map = serve(stack)
        cli("--config", str(sources_config), "crawl", "all", host_map=host_map)
    db = Database(db_url)

    def processed() -> int:
        with db.session() as s:
            return (
                s.scalar(
                    select(func.count())
                    .select_from(FetchedPage)
                    .where(FetchedPage.processed_at.is_not(None), FetchedPage.parent_id.is_(None))
                )
                or 0
            )

    with db.session() as s:
        total = s.scalar(
            select(func.count()).select_from(FetchedPage).where(FetchedPage.parent_id.is_(None))
        )
    victim = _start(
        db_url, sources_config, home_a, "process", "--workers", "2", "--batch-size", "2"
    )
    deadline = time.monotonic() + 300
    while processed() == 0 and victim.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    os.killpg(victim.pid, signal.SIGKILL)  # the worker and its processes, mid-batch
    victim.communicate(timeout=60)
    done_before = processed()
    assert 0 < done_before < total, "the kill must land while pages are being processed"
    # what was committed is whole: every processed page has its document
    with db.session() as s:
        pages = set(
            s.scalars(
                select(FetchedPage.canonical_url).where(
                    FetchedPage.processed_at.is_not(None), FetchedPage.parent_id.is_(None)
                )
            )
        )
        assert pages == set(s.scalars(select(Document.canonical_url)))
    db.dispose()
    view = json.loads(cli("workers", "--format", "json").stdout)
    assert view["pages_waiting"] == total - done_before
    assert [w["state"] for w in view["workers"]] == ["gone"]

    # another worker (another machine with PostgreSQL) takes over: nothing lost, nothing twice
    survivor = _start(db_url, sources_config, home_b, "process", "--workers", "2")
    out, err = survivor.communicate(timeout=600)
    assert survivor.returncode == 0, err
    assert f"processed {total - done_before} pages" in out
    _assert_each_page_once(db_url)
    mentions, claims = _derived(db_url)
    assert mentions and claims

    # and the result is the one a single worker gives from scratch
    cli("process", "--all", "--workers", "1")
    assert _derived(db_url) == (mentions, claims)


def test_follow_worker_processes_what_another_machine_stores(
    db_url: str, sources_config: Path, tmp_path: Path, cli: CLI
) -> None:
    home_a, home_b = _homes(db_url, tmp_path, 2)
    cli("init")
    follower = _start(db_url, sources_config, home_b, "process", "--follow", "--every", "1")
    try:
        with ExitStack() as stack:
            _mirrors, host_map = serve(stack)
            crawler = CLI(db_url, sources_config, home_a)
            crawler("--config", str(sources_config), "crawl", "xinhua", host_map=host_map)
        db = Database(db_url)
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            with db.session() as s:
                waiting = s.scalar(
                    select(func.count())
                    .select_from(FetchedPage)
                    .where(FetchedPage.processed_at.is_(None), FetchedPage.parent_id.is_(None))
                )
            if not waiting or follower.poll() is not None:
                break
            time.sleep(0.2)
        db.dispose()
    finally:
        follower.send_signal(signal.SIGTERM)
        out, err = follower.communicate(timeout=120)
    assert follower.returncode == 0, err
    assert "processed 7 pages" in out and "Traceback" not in err
    _assert_each_page_once(db_url)


def test_three_services_on_one_database_fetch_and_process_each_page_once(
    db_url: str, tmp_path: Path
) -> None:
    """Three `policywatch run` services, as on three machines (each its own data folder), on one
    PostgreSQL with every source scheduled every few seconds: each article is fetched, stored and
    processed once, two crawls of one source never overlap, and every service stops cleanly."""
    if not db_url.startswith("postgresql"):
        pytest.skip("several services share a PostgreSQL database; SQLite is one machine's")
    config = tmp_path / "services.toml"
    config.write_text(
        MIRROR_SOURCES_TOML
        + "[digest]\nnotify = []\n"
        + "".join(f"[schedule.sources.{s}]\nevery_minutes = 0.05\n" for s in SOURCES),
        "utf-8",
    )
    homes = _homes(db_url, tmp_path, 3)
    db = Database(db_url)
    with ExitStack() as stack:
        mirrors, host_map = serve(stack)
        services = [_start(db_url, config, home, "run", host_map=host_map) for home in homes]
        try:
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline and _settled(db):
                for service in services:
                    if service.poll() is not None:
                        out, err = service.communicate()
                        pytest.fail(f"a service stopped (exit {service.returncode}):\n{out}{err}")
                time.sleep(1)
            missing = _settled(db)
        finally:
            for service in services:
                if service.poll() is None:
                    service.send_signal(signal.SIGTERM)
            outputs = [s.communicate(timeout=120) for s in services]
    assert missing is None, f"{missing}\n" + "\n".join(err[-3000:] for _out, err in outputs)
    for service, (out, err) in zip(services, outputs, strict=True):
        assert service.returncode == 0, f"exit {service.returncode}\n{out}\n{err}"
        assert "Traceback" not in err and "ERROR" not in err, err
        assert "policywatch service stopped" in err
    n_pages = _assert_each_page_once(db_url)
    # known articles are not fetched again by later crawls or by the other services
    _assert_fetched_once(db_url, mirrors)
    with db.session() as s:
        runs = s.execute(
            select(
                CrawlRun.source_id, CrawlRun.started_at, CrawlRun.finished_at, CrawlRun.status
            ).order_by(CrawlRun.source_id, CrawlRun.started_at)
        ).all()
    db.dispose()
    for before, after in zip(runs, runs[1:], strict=False):  # one crawl of a source at a time
        if before.source_id == after.source_id:
            assert before.finished_at is not None and after.started_at >= before.finished_at
    # partial: the mirrors' broken links (retried by every run, never stored); stopped: by SIGTERM
    assert {r.status for r in runs} <= {"ok", "partial", "stopped"}, runs
    _assert_processed_once(outputs, n_pages)


SOURCES = ("chinadaily", "xinhua", "miit")


def _settled(db: Database) -> str | None:
    """None once every source was crawled at least twice (the second finds nothing new) and no
    page waits; else what is still missing."""
    with db.session() as s:
        done = Counter(
            s.scalars(select(CrawlRun.source_id).where(CrawlRun.status != "running")).all()
        )
        waiting = s.scalar(
            select(func.count())
            .select_from(FetchedPage)
            .where(FetchedPage.processed_at.is_(None), FetchedPage.parent_id.is_(None))
        )
        stored = s.scalar(select(func.count()).select_from(FetchedPage))
    if len(done) == len(SOURCES) and min(done.values()) >= 2 and waiting == 0 and stored:
        return None
    return f"finished crawls per source id {dict(done)}, pages stored {stored}, waiting {waiting}"


@pytest.mark.parametrize("workers", [1, 2])
def test_a_later_fetch_waiting_for_its_older_one_is_processed_in_the_same_run(
    db_url: str, workers: int
) -> None:
    """Two fetches of one article (the second fetch changed) and two other articles, stored before
    a `process` run with one page a batch: the later fetch waits while the older one is in flight
    (PostgreSQL claims skip it) and is still processed in the same run, inline and with workers."""
    demo = Path(__file__).resolve().parent.parent / "policywatch" / "demo_site"
    paths = [
        "www.chinadaily.com.cn/a/202411/06/WS672ab1c4a310f1265a1cd201.html",
        "www.chinadaily.com.cn/a/202404/12/WS6618c2b5a31082fc043c1a01.html",
        "www.chinadaily.com.cn/a/202405/17/WS6646b2a0a31082fc043c7b55.html",
    ]
    db = Database(db_url)
    with db.session() as s:
        source = ensure_source(s, "chinadaily").id
        for path in paths[1:]:
            s.add(raw_page(source, f"https://{path}", (demo / path).read_bytes()))
        s.flush()
        first = (demo / paths[0]).read_bytes()  # the later fetch is the last page of the queue
        s.add(raw_page(source, f"https://{paths[0]}", first))
        s.flush()
        s.add(raw_page(source, f"https://{paths[0]}", first.replace(b"</p>", b" Updated.</p>", 1)))
    summary = process_pages(db, workers=workers, batch_size=1)
    assert summary.failed == 0, summary.errors
    assert summary.pages == 4
    assert pending_count(db) == 0
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Document)) == 3
    db.dispose()
