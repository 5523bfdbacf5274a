"""`policywatch run`: the long-running service.

APScheduler 3 with a persistent SQLAlchemy job store in the product's database. Each source is
crawled on its own schedule in a child process (Twisted's reactor cannot restart), then the new
pages are processed; the digest is built and delivered daily. Missed runs after downtime are
coalesced and run once; one crawl per source at a time (also across processes: a lock file, or
on PostgreSQL an advisory lock shared by every machine); processing uses every core;
SIGINT/SIGTERM stop it cleanly: running crawls are asked to stop (Scrapy finishes what it holds),
nothing half-stored, unprocessed pages wait for the next run.
"""

from __future__ import annotations

import fcntl
import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO, Any

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_MISSED
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_RUNNING
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine

from policywatch.config import Config
from policywatch.errors import EXIT_BUSY, PolicywatchError
from storage.coordination import LockBusy, advisory_lock, is_postgres
from storage.db import Database

log = logging.getLogger("policywatch.service")
JOBS_TABLE = "apscheduler_jobs"


@dataclass
class ServiceContext:
    config: Config
    db: Database
    stopping: threading.Event = field(default_factory=threading.Event)
    children: set[subprocess.Popen[bytes]] = field(default_factory=set)
    children_lock: threading.Lock = field(default_factory=threading.Lock)


_context: ServiceContext | None = None  # set by run_service; the jobs below read it
_processing_in_this_service = threading.Lock()


class CrawlBusy(Exception):
    pass


@contextmanager
def _lock_file(config: Config, name: str) -> Iterator[IO[str]]:
    """The open lock file ``<data dir>/locks/<name>`` (created when missing)."""
    folder = config.data_dir / "locks"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle = open(folder / name, "w")
    except OSError as exc:
        raise PolicywatchError(
            f"Cannot create the lock file {folder / name} ({exc.strerror}): the data directory "
            f"{config.data_dir} must be writable even when the database lives elsewhere; set "
            "POLICYWATCH_HOME or data_dir in the config file to a writable directory."
        ) from None
    with handle:
        yield handle


@contextmanager
def source_lock(config: Config, source: str, engine: Engine | None = None) -> Iterator[None]:
    """One crawl of a source at a time (service jobs and `policywatch crawl`): on PostgreSQL
    across every machine sharing the database (an advisory lock), on SQLite on this machine (a
    lock file)."""
    if engine is not None and is_postgres(engine):
        try:
            with advisory_lock(engine, f"crawl:{source}"):
                yield
        except LockBusy:
            raise CrawlBusy(source) from None
        return
    with _lock_file(config, f"crawl-{source}.lock") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise CrawlBusy(source) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def processing_lock(config: Config, engine: Engine | None = None) -> Iterator[None]:
    """SQLite: one `process` at a time on this machine (the service's and a manual one wait in
    turn). PostgreSQL: nothing to hold, any number of `process` on any number of machines
    share the work through row claims (``FOR UPDATE SKIP LOCKED``, schedules.process)."""
    if engine is not None and is_postgres(engine):
        yield
        return
    with _lock_file(config, "process.lock") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# -- jobs (module-level functions: the job store keeps references to them) ---------------------
def crawl_source(source: str) -> None:
    ctx = _require_context()
    if ctx.stopping.is_set():
        return
    # the child `policywatch crawl` takes the source's lock: a crawl started by hand meanwhile,
    # or (PostgreSQL) another machine's service, makes it exit with EXIT_BUSY instead of
    # crawling twice
    if _run_child_crawl(ctx, source) == EXIT_BUSY:
        # normal with several services on one database: this one still helps process
        log.info("crawl source=%s skipped: another crawl of it is running", source)
    if ctx.stopping.is_set():
        log.info("stopping: new pages of %s will be processed on the next run", source)
        return
    process_new_pages(ctx)


def _run_child_crawl(ctx: ServiceContext, source: str) -> int:
    command = [sys.executable, "-m", "policywatch", "crawl", source, "--skip-if-busy"]
    if ctx.config.path is not None:
        command[3:3] = ["--config", str(ctx.config.path)]
    # the database URL (and its password) goes through the environment, which only this user
    # can read (/proc/PID/environ), never on the command line, which every user can see
    env = {**os.environ, "POLICYWATCH_DATABASE_URL": ctx.db.url}
    with ctx.children_lock:  # never a child started after the stop signal went to the others
        if ctx.stopping.is_set():
            return 0
        log.info("crawl source=%s starting (child process)", source)
        child = subprocess.Popen(command, env=env)
        ctx.children.add(child)
    try:
        code = child.wait(timeout=ctx.config.schedule.crawl_timeout_minutes * 60)
    except subprocess.TimeoutExpired:
        log.error(
            "crawl source=%s exceeded %s minutes; stopping it",
            source,
            ctx.config.schedule.crawl_timeout_minutes,
        )
        child.send_signal(signal.SIGINT)
        code = child.wait()
    finally:
        with ctx.children_lock:
            ctx.children.discard(child)
    log.info("crawl source=%s finished exit=%s", source, code)
    return code


def process_new_pages(ctx: ServiceContext) -> None:
    from schedules.process import process_pages

    # two sources' jobs (threads) and a manual `policywatch process` must not process the same
    # pages at once; each call opens the lock file anew, so flock also serialises our threads
    # (PostgreSQL: row claims keep processes apart; one run at a time in this service keeps
    # it to one set of worker processes)
    with _processing_in_this_service, processing_lock(ctx.config, ctx.db.engine):
        summary = process_pages(
            ctx.db,
            programmes=ctx.config.programmes,
            workers=ctx.config.process_workers,
            stop=ctx.stopping,  # a stopping service finishes the batches in hand, no more
        )
    log.info(
        "processed pages=%d new=%d changed=%d claims=%d failed=%d",
        summary.pages,
        summary.documents_new,
        summary.documents_changed,
        summary.claims,
        summary.failed,
    )


def send_digest() -> None:
    from schedules.run_digest import current_slot, run_digest

    ctx = _require_context()
    now = datetime.now(UTC)
    if is_postgres(ctx.db.engine):
        # services on several machines: one builds and sends the slot's digest, the others
        # find it recorded for the slot afterwards
        try:
            with advisory_lock(ctx.db.engine, "digest"):
                outcome = run_digest(
                    ctx.config, ctx.db, send=True, slot=current_slot(ctx.config, now), now=now
                )
        except LockBusy:
            log.info("digest skipped: another machine is sending it")
            return
    else:
        outcome = run_digest(
            ctx.config, ctx.db, send=True, slot=current_slot(ctx.config, now), now=now
        )
    log.info("digest %s", outcome.status if not outcome.error else f"failed: {outcome.error}")


def _require_context() -> ServiceContext:
    if _context is None:
        raise RuntimeError("the policywatch service is not running")
    return _context


# -- scheduler -------------------------------------------------------------------------------
def desired_jobs(config: Config) -> dict[str, tuple[Any, Any, list[str]]]:
    """job id -> (function, trigger, args) from the config."""
    jobs: dict[str, tuple[Any, Any, list[str]]] = {}
    tz = config.schedule.timezone
    for source, spec in config.schedule.sources.items():
        if "cron" in spec:
            trigger: Any = CronTrigger.from_crontab(str(spec["cron"]), timezone=tz)
        else:
            trigger = IntervalTrigger(seconds=float(spec["every_minutes"]) * 60, timezone=tz)
        jobs[f"crawl:{source}"] = (crawl_source, trigger, [source])
    hour, minute = config.digest.hour_minute
    jobs["digest"] = (
        send_digest,
        CronTrigger(hour=hour, minute=minute, timezone=config.digest.timezone),
        [],
    )
    return jobs


class _Scheduler(BackgroundScheduler):
    """APScheduler's background scheduler, minus a race at shutdown: ``shutdown()`` stops the
    executors and then wakes the scheduler's thread, which processes the due jobs once more and
    logs an error with a traceback for each ("cannot schedule new futures after shutdown").
    Jobs are processed only while the scheduler runs; the jobs stay due in the job store and run
    at the next start (or on another machine's service)."""

    def _process_jobs(self) -> float | None:
        if self.state != STATE_RUNNING:
            return None
        return super()._process_jobs()


def build_scheduler(db: Database) -> BackgroundScheduler:
    return _Scheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=db.engine, tablename=JOBS_TABLE)},
        executors={"default": ThreadPoolExecutor(4)},
        job_defaults={
            "coalesce": True,  # many missed runs -> one
            "max_instances": 1,  # never two runs of one job at once
            "misfire_grace_time": None,  # run missed jobs however late the service restarts
        },
        timezone=UTC,
    )


def same_trigger(a: Any, b: Any) -> bool:
    """Same schedule? (An interval trigger's start time differs on every start: ignore it.)"""
    if type(a) is not type(b) or str(a.timezone) != str(b.timezone):
        return False
    if isinstance(a, IntervalTrigger):
        return a.interval == b.interval
    return str(a) == str(b)


def sync_jobs(scheduler: BackgroundScheduler, config: Config) -> list[str]:
    """Add or update the configured jobs, keeping each job's pending run time when its trigger
    is unchanged (so a run missed during downtime is still caught up). Returns changes."""
    changes = []
    wanted = desired_jobs(config)
    for job in scheduler.get_jobs():
        if job.id not in wanted:
            job.remove()
            changes.append(f"removed {job.id}")
    now = datetime.now(UTC)
    for job_id, (func, trigger, args) in wanted.items():
        job = scheduler.get_job(job_id)
        if job is None:
            first = (
                now
                if isinstance(trigger, IntervalTrigger)
                else trigger.get_next_fire_time(None, now)
            )
            scheduler.add_job(func, trigger, args=args, id=job_id, name=job_id, next_run_time=first)
            changes.append(f"added {job_id}")
        elif not same_trigger(job.trigger, trigger) or list(job.args) != args:
            job.modify(args=args)
            job.reschedule(trigger)
            changes.append(f"rescheduled {job_id}")
    return changes


def run_service(config: Config, db: Database, *, once: bool = False) -> int:
    """Run until SIGINT/SIGTERM (or, with ``once``, run the due jobs once and return)."""
    global _context
    with processing_lock(config, db.engine):  # the lock folder is usable: say so now
        pass
    _context = ServiceContext(config, db)
    scheduler = build_scheduler(db)
    try:
        # PostgreSQL: services starting at once on several machines create the job table and
        # add or update the shared jobs one after the other (APScheduler does neither atomically)
        with (
            advisory_lock(db.engine, "service-start", wait=True)
            if is_postgres(db.engine)
            else nullcontext()
        ):
            scheduler.start(paused=True)
            for change in sync_jobs(scheduler, config):
                log.info("schedule: %s", change)
        if once:
            return _run_due_once(scheduler)
        return _serve(scheduler, _context)
    finally:
        if scheduler.running:
            scheduler.shutdown(wait=True)
        _context = None


def _run_due_once(scheduler: BackgroundScheduler) -> int:
    now = datetime.now(UTC)
    due = [j for j in scheduler.get_jobs() if j.next_run_time and j.next_run_time <= now]
    if not due:
        log.info("no job is due")
    failures = 0
    for job in sorted(due, key=lambda j: (j.id == "digest", j.id)):  # digest after the crawls
        log.info("running due job %s (was due %s)", job.id, job.next_run_time.isoformat())
        try:
            job.func(*job.args)
        except Exception:
            failures += 1
            log.exception("job %s failed", job.id)
        next_time = job.trigger.get_next_fire_time(None, datetime.now(UTC))
        job.modify(next_run_time=next_time)
    return 1 if failures else 0


def _serve(scheduler: BackgroundScheduler, ctx: ServiceContext) -> int:
    def stop(signum: int, _frame: Any) -> None:
        log.info("received %s: stopping after running work is saved", signal.Signals(signum).name)
        ctx.stopping.set()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}

    def on_event(event: Any) -> None:
        if event.code == EVENT_JOB_MISSED:
            log.warning("job %s missed its run at %s", event.job_id, event.scheduled_run_time)
        elif event.code == EVENT_JOB_ERROR:
            log.error("job %s failed: %s", event.job_id, event.exception)

    scheduler.add_listener(on_event, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED)
    for job in scheduler.get_jobs():
        log.info("job %s next run %s", job.id, job.next_run_time)
    scheduler.resume()
    log.info("policywatch service running; stop with Ctrl-C or SIGTERM")
    try:
        while not ctx.stopping.wait(1.0):
            pass
    finally:
        scheduler.pause()
        with ctx.children_lock:
            for child in ctx.children:
                # Scrapy stops gracefully on SIGTERM, storing what it holds; a child still
                # starting up (before any handler) ends quietly, with nothing begun
                child.send_signal(signal.SIGTERM)
        scheduler.shutdown(wait=True)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    log.info("policywatch service stopped")
    return 0
