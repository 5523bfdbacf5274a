"""Digest, delivery and the service: contents on crawled fixture data, a real SMTP server
(aiosmtpd), broken and failing targets, idempotency, catch-up after downtime, clean stop."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.header import decode_header, make_header
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from schedules.digest import ClaimItem, Digest, Story, StorySource
from schedules.render import render
from storage.db import Database
from storage.models import CrawlRun, DigestRecord, Document
from tests.conftest import CLI, DEMO_ROOT, MIRROR_SOURCES_TOML
from tests.mirrors import RecordingMirror

HOSTS = ["english.news.cn", "www.news.cn", "www.miit.gov.cn", "www.chinadaily.com.cn"]


class Inbox:
    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd API)
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp():
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    inbox.url = (
        f"mailto://127.0.0.1:{port}?from=digest@example.org&to=analyst@example.org&smtp=127.0.0.1"
    )
    yield inbox
    controller.stop()


def subject(message) -> str:  # type: ignore[no-untyped-def]
    return str(make_header(decode_header(message["Subject"])))


def bodies(message) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(
        part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
        for part in message.walk()
        if not part.is_multipart()
    )


def write_config(tmp_path: Path, notify: list[str], extra: str = "") -> Path:
    path = tmp_path / "digest.toml"
    path.write_text(
        MIRROR_SOURCES_TOML
        + f"[digest]\nnotify = {json.dumps(notify)}\nretries = 2\nretry_delay_seconds = 0.1\n"
        + extra,
        "utf-8",
    )
    return path


def crawl_everything(cli: CLI, config: Path) -> None:
    with ExitStack() as stack:
        mirrors = {h: stack.enter_context(RecordingMirror(DEMO_ROOT / h)) for h in HOSTS}
        host_map = ",".join(f"{h}={m.address}" for h, m in mirrors.items())
        cli("--config", str(config), "crawl", "all", host_map=host_map, check=False)
    cli("--config", str(config), "process")


def test_digest_json_contents_and_syndication(cli: CLI, tmp_path: Path) -> None:
    config = write_config(tmp_path, [])
    crawl_everything(cli, config)
    data = json.loads(cli("--config", str(config), "digest", "--format", "json").stdout)
    assert set(data) >= {"period", "announcements", "claims", "health"}
    assert set(data["period"]) == {"start", "end"}
    for item in data["announcements"]:
        assert {"programme", "title", "published_at", "sources"} <= set(item)
        assert all({"source", "url"} <= set(s) for s in item["sources"])
    tesla_story = next(a for a in data["announcements"] if a["title"].startswith("Tesla"))
    # one story, reported by China Daily and by Xinhua in English and in Chinese
    assert len(tesla_story["sources"]) >= 3
    assert {s["source"] for s in tesla_story["sources"]} == {"chinadaily", "xinhua"}
    batch = [
        a
        for a in data["announcements"]
        if "miit" in {s["source"] for s in a["sources"]}
        and "chinadaily" in {s["source"] for s in a["sources"]}
    ]
    assert batch, "the MIIT approval notice and the English reports of it are one item"
    assert {a["programme"] for a in data["announcements"]} >= {
        "Value-added telecom services opening-up pilot"
    }
    claims = {(c["firm"], c["status"]) for c in data["claims"]}
    assert {("Tesla", "applied"), ("Airbus", "approved"), ("Trafigura", "applied")} <= claims
    assert all(c["evidence"] and c["url"].startswith("https://") for c in data["claims"])
    assert any(
        h["source"] == "miit" and "parked" in h["warning"] and "bad1.html" in h["warning"]
        for h in data["health"]
    )
    html = cli("--config", str(config), "digest", "--format", "html").stdout
    assert html.startswith("<!DOCTYPE html>") and "Firms newly reported" in html
    text = cli("--config", str(config), "digest", "--format", "text").stdout
    assert "== Firms newly reported ==" in text


def test_html_digest_escapes_everything() -> None:
    """Hand-built digest with hostile text: nothing reaches the HTML unescaped."""
    now = datetime(2024, 11, 7, tzinfo=UTC)
    digest = Digest(
        now - timedelta(days=1),
        now,
        [
            Story(
                "Pilot <b>x</b>",
                "<script>alert(1)</script>",
                now.isoformat(),
                "applications",
                [StorySource("chinadaily", 'https://x/"onmouseover="1', "t", "en")],
            )
        ],
        [
            ClaimItem(
                "Evil & Co <img src=x>",
                None,
                "applied",
                "It said <iframe>.",
                "https://x/a",
                "chinadaily",
                "2024-11-07",
            )
        ],
        [],
    )
    html = render(digest, "html", title="Digest <T>")
    assert "<script>" not in html and "<iframe>" not in html and "<img src=x>" not in html
    assert "&lt;script&gt;" in html and "&lt;iframe&gt;" in html and "Digest &lt;T&gt;" in html
    assert '"onmouseover="' not in html
    md = render(digest, "markdown", title="Digest")
    assert "\\<script\\>" in md


def test_send_to_smtp_then_nothing_twice(cli: CLI, tmp_path: Path, smtp, db_url: str) -> None:
    config = write_config(tmp_path, [smtp.url])
    crawl_everything(cli, config)
    dry = cli("--config", str(config), "digest", "--send", "--dry-run")
    assert "Would send" in dry.stdout and not smtp.messages
    sent = cli("--config", str(config), "digest", "--send")
    assert "delivered" in sent.stdout
    assert len(smtp.messages) == 1
    first = smtp.messages[0]
    assert subject(first).startswith("policywatch digest: ")
    assert "Tesla" in bodies(first) and "Airbus" in bodies(first)
    assert first["To"] == "analyst@example.org"
    # right after: the next digest holds nothing already delivered
    second = json.loads(cli("--config", str(config), "digest", "--format", "json").stdout)
    assert second["announcements"] == [] and second["claims"] == []
    cli("--config", str(config), "digest", "--send")
    assert len(smtp.messages) == 2
    assert "Tesla" not in bodies(smtp.messages[1])
    assert "No new pilot announcements" in bodies(smtp.messages[1])
    # the same non-empty period sent twice is delivered once
    again = cli("--config", str(config), "digest", "--send", "--since", "2020-01-01")
    assert "already delivered" in again.stdout
    assert len(smtp.messages) == 2


def test_broken_and_failing_targets(cli: CLI, tmp_path: Path, smtp, db_url: str) -> None:
    broken = write_config(tmp_path, ["bogus://nowhere"])
    result = cli("--config", str(broken), "digest", "--send", check=False)
    assert result.returncode == 2 and "not a valid Apprise URL" in result.stderr
    assert "Traceback" not in result.stderr
    crawl_everything(cli, broken)
    closed = write_config(
        tmp_path, [f"mailto://127.0.0.1:{free_port()}?from=a@example.org&to=b@example.org"]
    )
    failed = cli("--config", str(closed), "digest", "--send", check=False)
    assert failed.returncode == 1 and "not marked delivered" in failed.stderr
    db = Database(db_url)
    with db.session() as s:
        record = s.scalar(select(DigestRecord))
        assert record is not None and record.status == "failed" and record.attempts == 2
    db.dispose()
    # nothing is lost: the next delivery covers the same stored items
    working = write_config(tmp_path, [smtp.url])
    cli("--config", str(working), "digest", "--send")
    assert len(smtp.messages) == 1 and "Tesla" in bodies(smtp.messages[0])


def test_missed_digest_runs_once_after_downtime(cli: CLI, tmp_path: Path, db_url: str) -> None:
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    config = write_config(
        tmp_path,
        [f"file://{outbox}"],
        "[schedule.sources.chinadaily]\nenabled = false\n[schedule.sources.xinhua]\n"
        "enabled = false\n[schedule.sources.miit]\nenabled = false\n",
    )
    first = cli("--config", str(config), "run", "--once")  # creates the jobs; nothing due
    assert "no job is due" in first.stderr and not list(outbox.iterdir())
    # the service was down over the digest time: the stored job's run time lies in the past
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore

    db = Database(db_url)
    store = SQLAlchemyJobStore(engine=db.engine, tablename="apscheduler_jobs")
    job = store.lookup_job("digest")
    assert job is not None
    job.next_run_time = datetime.now(UTC) - timedelta(hours=3)
    store.update_job(job)
    cli("--config", str(config), "run", "--once")
    assert len(list(outbox.iterdir())) == 1
    cli("--config", str(config), "run", "--once")  # next run is tomorrow: nothing due
    # the same slot fired again (e.g. two services) is still delivered once
    job = store.lookup_job("digest")
    assert job is not None and job.next_run_time > datetime.now(UTC)
    job.next_run_time = datetime.now(UTC) - timedelta(minutes=1)
    store.update_job(job)
    cli("--config", str(config), "run", "--once")
    assert len(list(outbox.iterdir())) == 1
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(DigestRecord)) == 1
    db.dispose()


def test_service_crawls_on_fast_triggers_and_stops_cleanly(
    cli: CLI, tmp_path: Path, db_url: str
) -> None:
    config = write_config(
        tmp_path,
        [f"file://{tmp_path}"],
        "[schedule.sources.chinadaily]\nevery_minutes = 0.05\n"
        "[schedule.sources.xinhua]\nenabled = false\n[schedule.sources.miit]\nenabled = false\n",
    )
    mirror = RecordingMirror(DEMO_ROOT / "www.chinadaily.com.cn")
    with mirror:
        env = {**cli.env, "POLICYWATCH_HOST_MAP": f"www.chinadaily.com.cn={mirror.address}"}
        service = subprocess.Popen(
            [sys.executable, "-m", "policywatch", "--config", str(config), "run"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        db = Database(db_url)
        try:
            deadline = time.monotonic() + 90
            runs = 0
            while time.monotonic() < deadline and runs < 2:
                time.sleep(1)
                with db.session() as s:
                    runs = (
                        s.scalar(
                            select(func.count())
                            .select_from(CrawlRun)
                            .where(CrawlRun.status != "running")
                        )
                        or 0
                    )
            assert runs >= 2, "two scheduled crawls finished"
            service.send_signal(signal.SIGTERM)
            _out, err = service.communicate(timeout=60)
        finally:
            if service.poll() is None:
                service.kill()
        assert service.returncode == 0, err
        assert "policywatch service stopped" in err
        with db.session() as s:
            assert (
                s.scalar(
                    select(func.count()).select_from(CrawlRun).where(CrawlRun.status == "running")
                )
                == 0
            )
            assert s.scalar(select(func.count()).select_from(Document)) == 7
            starts = [r.started_at for r in s.scalars(select(CrawlRun).order_by(CrawlRun.id))]
            ends = [r.finished_at for r in s.scalars(select(CrawlRun).order_by(CrawlRun.id))]
        db.dispose()
        # never two crawls of one source at once
        for i in range(1, len(starts)):
            assert ends[i - 1] is not None and starts[i] >= ends[i - 1]


def test_unchanged_schedules_keep_their_pending_runs() -> None:
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    from schedules.service import same_trigger

    assert same_trigger(
        IntervalTrigger(minutes=120, timezone="Asia/Shanghai"),
        IntervalTrigger(minutes=120, timezone="Asia/Shanghai"),
    )
    assert not same_trigger(IntervalTrigger(minutes=120), IntervalTrigger(minutes=60))
    assert same_trigger(
        CronTrigger(hour=8, minute=0, timezone="Asia/Shanghai"),
        CronTrigger(hour=8, minute=0, timezone="Asia/Shanghai"),
    )
    assert not same_trigger(
        CronTrigger(hour=8, minute=0, timezone="Asia/Shanghai"),
        CronTrigger(hour=8, minute=0, timezone="Europe/Berlin"),
    )
