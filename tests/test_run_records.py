"""Run records tell the truth: a crawl killed with -9 shows as `interrupted` (found through its
dead pid by `sources` or the next run), a crawl stopped by SIGTERM after storing what it fetched
is `stopped`, not `failed`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

from sqlalchemy import func, select

from storage.db import Database
from storage.models import CrawlRun, FetchedPage
from tests.conftest import CLI
from tests.mirrors import RecordingMirror


def held(path: Path, hit: threading.Event, release: threading.Event):  # type: ignore[no-untyped-def]
    """A route that answers with the file only once the test releases it."""

    def route(h) -> None:  # type: ignore[no-untyped-def]
        hit.set()
        release.wait(60)
        body = path.read_bytes()
        try:
            h.send_response(200)
            h.send_header("Content-Type", "text/html")
            h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            h.wfile.write(body)
        except OSError:  # the crawler is gone
            pass

    return route


def start_crawl(cli: CLI, address: str) -> subprocess.Popen[str]:
    env = {**cli.env, "POLICYWATCH_HOST_MAP": f"www.chinadaily.com.cn={address}"}
    return subprocess.Popen(
        [sys.executable, "-m", "policywatch", "crawl", "chinadaily"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def runs(db_url: str) -> list[CrawlRun]:
    db = Database(db_url)
    try:
        with db.session() as s:
            return list(s.scalars(select(CrawlRun).order_by(CrawlRun.id)))
    finally:
        db.dispose()


def test_killed_crawl_is_interrupted_not_running(cli: CLI, site: Path, db_url: str) -> None:
    hit, release = threading.Event(), threading.Event()
    route = held(site / "rss" / "china_rss.xml", hit, release)
    with RecordingMirror(site, routes={"/rss/china_rss.xml": route}) as m:
        child = start_crawl(cli, m.address)
        try:
            assert hit.wait(60), "the crawl reached the feed"
            child.send_signal(signal.SIGKILL)
            child.wait(30)
        finally:
            release.set()
            if child.poll() is None:
                child.kill()
    assert [r.status for r in runs(db_url)] == ["running"]
    out = cli("sources").stdout
    assert "interrupted" in out
    (run,) = runs(db_url)
    assert run.status == "interrupted" and run.finished_at is not None
    assert "killed" in (run.last_error or "")


def test_sigterm_stops_a_crawl_as_stopped(cli: CLI, site: Path, db_url: str) -> None:
    hit, release = threading.Event(), threading.Event()
    page = site / "business" / "tech" / "page_2.html"
    with RecordingMirror(
        site, routes={"/business/tech/page_2.html": held(page, hit, release)}
    ) as m:
        child = start_crawl(cli, m.address)
        try:
            assert hit.wait(60), "the crawl reached the second list page"
            os.kill(child.pid, signal.SIGTERM)
            release.set()
            out, err = child.communicate(timeout=60)
        finally:
            release.set()
            if child.poll() is None:
                child.kill()
    assert "crawl chinadaily: stopped" in out, err
    (run,) = runs(db_url)
    assert run.status == "stopped" and run.finished_at is not None
    db = Database(db_url)
    with db.session() as s:
        stored = s.scalar(
            select(func.count()).select_from(FetchedPage).where(FetchedPage.parent_id.is_(None))
        )
    db.dispose()
    assert stored == run.counts.get("stored", 0)  # what it fetched is saved, and counted
