"""The `policywatch` command: parses arguments and calls the layers. Nothing else lives here."""

from __future__ import annotations

import json
import logging
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from policywatch import __version__
from policywatch.config import DEFAULT_SOURCES, Config, load_config
from policywatch.errors import (
    EXIT_BUSY,
    DatabaseError,
    MaskSecretsFilter,
    PolicywatchError,
    mask_secrets,
)

console = Console()
err_console = Console(stderr=True)
SOURCE_NAMES = list(DEFAULT_SOURCES)
KINDS = ["company", "city", "province", "government", "media", "organisation", "place"]


def setup_logging(verbose: int, quiet: bool) -> None:
    level = logging.WARNING if quiet else logging.INFO
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
        stream=sys.stderr,
    )
    for handler in logging.getLogger().handlers:
        handler.addFilter(MaskSecretsFilter())  # passwords never reach a log line
    noisy = logging.DEBUG if verbose > 1 else logging.WARNING
    libraries = (
        "scrapy",
        "twisted",
        "py.warnings",
        "filelock",
        "asyncio",
        "trafilatura",
        "htmldate",
        "alembic",
        "apscheduler",
        "apprise",
    )
    for name in libraries:
        logging.getLogger(name).setLevel(noisy)
    if verbose < 2:
        # Scrapy resets its loggers' levels when a crawl starts: filter at the handler instead
        def quiet_libraries(record: logging.LogRecord) -> bool:
            return record.levelno >= logging.WARNING or not record.name.startswith(libraries)

        for handler in logging.getLogger().handlers:
            handler.addFilter(quiet_libraries)
    if verbose:
        logging.getLogger("policywatch").setLevel(logging.DEBUG)


def parse_day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date: use YYYY-MM-DD.") from None


class Context:
    def __init__(self, config_path: str | None, database: str | None) -> None:
        self._config_path = config_path
        self._database = database
        self._config: Config | None = None

    @property
    def config(self) -> Config:
        if self._config is None:
            config = load_config(self._config_path)
            if self._database:
                config = replace(config, database_url=self._database)
            self._config = config
        return self._config

    def db(self):  # type: ignore[no-untyped-def]
        from storage.db import Database

        return Database(self.config.database_url)


pass_ctx = click.make_pass_decorator(Context)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="policywatch")
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    help="Config file (default: $POLICYWATCH_CONFIG, ./policywatch.toml, "
    "then the user config dir).",
)
@click.option(
    "--database",
    metavar="URL",
    help="SQLAlchemy database URL; overrides POLICYWATCH_DATABASE_URL and the config.",
)
@click.option("-v", "--verbose", count=True, help="More logging (-vv includes Scrapy's own).")
@click.option("-q", "--quiet", is_flag=True, help="Only warnings and errors on stderr.")
@click.pass_context
def cli(
    ctx: click.Context, config_path: str | None, database: str | None, verbose: int, quiet: bool
) -> None:
    """Monitor Chinese industrial and telecom policy news: crawl China Daily, tag the firms and
    cities mentioned, query them and export them.

    \b
    First steps:
      policywatch demo                      offline demo on bundled pages
      policywatch crawl chinadaily          fetch new articles (real site)
      policywatch process                   extract text and tag mentions
      policywatch mentions --kind company   who is mentioned, with the sentence
      policywatch firms --format json       who applied / was approved, with evidence
      policywatch digest --send             deliver the daily digest now
      policywatch run                       the scheduled service (crawl, process, digest)
      policywatch workers                   processing progress, every machine
      policywatch export mentions --format csv -o mentions.csv
    """
    setup_logging(verbose, quiet)
    ctx.obj = Context(config_path, database)


@cli.command()
@pass_ctx
def init(ctx: Context) -> None:
    """Create the database, or migrate it to the current schema (safe to re-run)."""
    from storage.db import make_engine, migrate, safe_url

    engine = make_engine(ctx.config.database_url)
    before, after = migrate(engine)
    where = escape(safe_url(ctx.config.database_url))
    if before == after:
        console.print(f"Database {where} is up to date (schema {after}).")
    else:
        console.print(f"Database {where} migrated: {before or 'empty'} -> {after}.")


@cli.command()
@click.argument("sources", nargs=-1, required=True, type=click.Choice([*SOURCE_NAMES, "all"]))
@click.option("--max-items", type=click.IntRange(min=1), help="Fetch at most N new articles.")
@click.option("--since", metavar="YYYY-MM-DD", help="Skip articles listed before this day.")
@click.option("--refresh", is_flag=True, help="Fetch articles again even when already stored.")
@click.option(
    "--backfill",
    is_flag=True,
    help="Walk older list pages for history (China Daily page_N, MIIT list API and search API "
    "pages; Xinhua's datasource lists are single files, read whole on every run); resumes where "
    "an interrupted backfill stopped.",
)
@click.option(
    "--until",
    metavar="YYYY-MM-DD",
    help="With --backfill: stop a list at the first page whose items are all older than this.",
)
@click.option(
    "--pages",
    type=click.IntRange(min=1),
    help="With --backfill: read at most N list pages per list.",
)
@click.option(
    "--process/--no-process",
    "then_process",
    default=False,
    help="Run `process` right after the crawl.",
)
@click.option(
    "--skip-if-busy",
    is_flag=True,
    help="A source crawled elsewhere right now is skipped with a note, not an error; exit status "
    "75 when nothing was left to crawl (for schedulers: the service uses it).",
)
@pass_ctx
def crawl(
    ctx: Context,
    sources: tuple[str, ...],
    max_items: int | None,
    since: str | None,
    refresh: bool,
    backfill: bool,
    until: str | None,
    pages: int | None,
    then_process: bool,
    skip_if_busy: bool,
) -> None:
    """Discover and fetch new articles of SOURCES (chinadaily, xinhua, miit, or all); raw pages
    are stored for `process`.

    Incremental: articles already stored are not fetched again (feeds and lists are), unless
    --refresh; a list's next page is read unless every item on it was stored by earlier runs.
    A block answer (403, 429, challenge page) pauses the host, the URL is retried after the
    pause and parked when blocked again (retried on the next run). Requests for hosts in the
    host map go to the local mirror instead. Exit status 1 when a source stopped after repeated
    blocks or failed; parked and failed items are listed by `policywatch sources --missing`.

    One crawl per source at a time (a lock file; with PostgreSQL a lock in the database shared by
    every machine): a source crawled elsewhere is an error when it is the only one asked for
    (a note with --skip-if-busy), and skipped with a note among several.
    """
    from crawler.runner import Backfill, run_crawls
    from schedules.service import CrawlBusy, source_lock

    if (until or pages) and not backfill:
        raise click.UsageError("--until and --pages go with --backfill.")
    names = SOURCE_NAMES if "all" in sources else list(dict.fromkeys(sources))
    # a stop signal (the service stopping, Ctrl-C) while Scrapy is still starting up: noted here
    # and acted on once its reactor runs (an interrupted import would print a traceback)
    stop = threading.Event()
    previous = {
        sig: signal.signal(sig, lambda _signum, _frame: stop.set())
        for sig in (signal.SIGINT, signal.SIGTERM)
    }
    db = ctx.db()
    with ExitStack() as locks:
        busy: list[str] = []
        for name in names:
            try:
                locks.enter_context(source_lock(ctx.config, name, db.engine))
            except CrawlBusy:
                busy.append(name)
        if busy and len(busy) == len(names) and skip_if_busy:
            for name in busy:
                console.print(f"crawl {name}: skipped (another crawl of it is running)")
            sys.exit(EXIT_BUSY)
        if busy and len(names) == 1:
            raise PolicywatchError(
                f"A crawl of {', '.join(busy)} is already running (the service or another "
                "command, on this machine or, with PostgreSQL, another one): wait for it to "
                "finish."
            )
        for name in busy:  # several sources: crawl the free ones, the others are in hand
            console.print(f"crawl {name}: skipped (another crawl of it is running)")
        names = [n for n in names if n not in busy]
        plan = Backfill(parse_day(until), pages) if backfill else None
        with _crawl_progress(names, enabled=backfill) as progress:
            summaries = run_crawls(
                ctx.config,
                db,
                names,
                max_items=max_items,
                since=parse_day(since),
                refresh=refresh,
                backfill=plan,
                progress=progress,
                stop=stop,
            )
    for sig, handler in previous.items():  # Scrapy's handlers go with its reactor
        signal.signal(sig, handler)
    for summary in summaries:
        counts = ", ".join(f"{k}={v}" for k, v in sorted(summary.counts.items())) or "nothing"
        console.print(f"crawl {summary.source}: {summary.status} ({counts})", soft_wrap=True)
        if summary.error:
            err_console.print(
                f"[yellow]warning[/]: {summary.source}: {escape(mask_secrets(summary.error))}",
                soft_wrap=True,
            )
    if then_process and not stop.is_set():
        _run_process(db, redo_all=False, config=ctx.config, workers=ctx.config.process_workers)
    if any(s.status in ("blocked", "failed") for s in summaries):
        sys.exit(1)


@contextmanager
def _crawl_progress(names: list[str], enabled: bool) -> Iterator[Any]:
    """A progress bar per source (list pages read, articles fetched) for --backfill."""
    if not enabled:
        yield None
        return
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=not err_console.is_terminal,
    ) as bar:
        tasks = {name: bar.add_task(f"backfill {name}", total=None) for name in names}
        done: dict[str, dict[str, int]] = {name: {} for name in names}

        def advance(source: str, event: str, n: int) -> None:
            seen = done[source]
            seen[event] = seen.get(event, 0) + n
            bar.update(
                tasks[source],
                description=f"backfill {source}: {seen.get('list_page', 0)} list pages, "
                f"{seen.get('fetched', 0)} articles fetched",
            )

        yield advance


def _run_process(
    db: Any,
    redo_all: bool,
    config: Config,
    retry_failed: bool = False,
    workers: int = 1,
    batch_size: int = 32,
    stop: Any = None,
    quiet_when_idle: bool = False,
) -> None:
    from rich.progress import Progress

    from schedules.process import process_pages
    from schedules.service import processing_lock

    with processing_lock(config, db.engine):
        with Progress(
            console=err_console, transient=True, disable=not err_console.is_terminal
        ) as bar:
            task = bar.add_task("processing", total=None)
            summary = process_pages(
                db,
                redo_all=redo_all,
                retry_failed=retry_failed,
                programmes=config.programmes,
                workers=workers,
                batch_size=batch_size,
                progress=lambda n: bar.advance(task, n),
                on_start=lambda total: bar.update(task, total=total),
                stop=stop,
            )
    if quiet_when_idle and not summary.pages:
        return
    console.print(
        f"processed {summary.pages} pages: {summary.documents_new} new, "
        f"{summary.documents_changed} changed, {summary.documents_unchanged} unchanged documents; "
        f"{summary.mentions} mentions; {summary.claims} claims; {summary.failed} failed"
    )
    if summary.failed:
        err_console.print(
            f"[yellow]warning[/]: {summary.failed} page(s) could not be processed and are "
            "skipped from now on; see the errors above, then run `policywatch process "
            "--retry-failed` once the cause is fixed.",
            soft_wrap=True,
        )


@cli.command()
@click.option(
    "--all",
    "redo_all",
    is_flag=True,
    help="Redo extraction and tagging for every stored page (no fetching): the newest fetch "
    "of every document goes back to the queue; with several machines run it on one.",
)
@click.option(
    "--retry-failed",
    is_flag=True,
    help="Also try again the pages whose processing failed before (skipped otherwise).",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes (default: every core, or $POLICYWATCH_WORKERS).",
)
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    default=32,
    show_default=True,
    help="Pages per batch (claimed, processed and written together).",
)
@click.option(
    "--follow",
    is_flag=True,
    help="Keep running: process new pages as they are stored (every --every seconds) until "
    "SIGTERM or Ctrl-C; a processing worker for a machine that does not crawl.",
)
@click.option(
    "--every",
    type=click.FloatRange(min=1),
    default=30.0,
    show_default=True,
    help="With --follow: seconds between two looks at the queue.",
)
@pass_ctx
def process(
    ctx: Context,
    redo_all: bool,
    retry_failed: bool,
    workers: int | None,
    batch_size: int,
    follow: bool,
    every: float,
) -> None:
    """Extract text and metadata from stored pages and tag firm and place mentions.

    Pages are handed out in batches to --workers processes and each batch is written in one
    transaction; the result is the same with any number of workers. With PostgreSQL, any number
    of `process` (and `run`) on any number of machines share the queue: each page is claimed by
    one of them (a process that dies gives its pages back). With SQLite one `process` runs at a
    time on this machine.

    Texts over spaCy's 1,000,000-character limit are tagged in chunks. A corrupt attachment
    leaves the notice stored with its own text and the attachment flagged (see `policywatch
    sources --missing`). A page that fails for any other reason is marked with its error and
    skipped by later runs until --retry-failed; it never stops the others."""
    if not follow:
        _run_process(
            ctx.db(),
            redo_all,
            ctx.config,
            retry_failed=retry_failed,
            workers=workers or ctx.config.process_workers,
            batch_size=batch_size,
        )
        return
    import signal
    import threading

    stop = threading.Event()

    def on_signal(signum: int, _frame: Any) -> None:
        err_console.print("stopping after the batches in hand are written", highlight=False)
        stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, on_signal)
    db = ctx.db()
    first = True
    while not stop.is_set():
        _run_process(
            db,
            redo_all and first,
            ctx.config,
            retry_failed=retry_failed and first,
            workers=workers or ctx.config.process_workers,
            batch_size=batch_size,
            stop=stop,
            quiet_when_idle=True,
        )
        first = False
        stop.wait(every)


def _emit(rows: list[dict[str, Any]], fmt: str, columns: list[tuple[str, str]], title: str) -> None:
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        console.print(f"No {title.lower()} match.")
        return
    table = Table(title=title, show_lines=False)
    for _key, header in columns:
        table.add_column(header, overflow="fold")
    for row in rows:
        # crawled text is data, never markup: Text cells are not parsed for [tags]
        table.add_row(*[Text(str(row.get(key) or "")) for key, _ in columns])
    console.print(table)


def _say_capped(shown: int, total: int) -> None:
    """On stderr (JSON on stdout stays valid): what the --limit left out."""
    if total > shown:
        err_console.print(
            f"showing {shown} of {total}; use --limit {total} to see all", highlight=False
        )


@cli.command()
@click.option("--source", type=click.Choice(SOURCE_NAMES))
@click.option("--since", metavar="YYYY-MM-DD", help="Published on or after this day (Beijing).")
@click.option("--search", metavar="TEXT", help="Text in the title or body (case-insensitive).")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@pass_ctx
def documents(
    ctx: Context, source: str | None, since: str | None, search: str | None, limit: int, fmt: str
) -> None:
    """List stored documents, newest first (times in Beijing time)."""
    from storage.queries import DocumentFilter, count_documents, iter_documents, local_time

    filt = DocumentFilter(source, parse_day(since), search)
    with ctx.db().session() as s:
        rows = list(iter_documents(s, filt, limit))
        total = count_documents(s, filt) if len(rows) >= limit else len(rows)
    if fmt == "table":
        for r in rows:
            r["published"] = local_time(r["published_at"], date_only=r["published_date_only"])
    _emit(
        rows,
        fmt,
        [
            ("published", "published (Beijing)"),
            ("source", "source"),
            ("language", "lang"),
            ("title", "title"),
            ("mentions", "mentions"),
            ("url", "url"),
        ],
        "Documents",
    )
    _say_capped(len(rows), total)


@cli.command()
@click.option(
    "--entity",
    metavar="NAME",
    help="A whole entity name, Chinese name, alias or key (traditional characters fold: "
    "匯豐 = 汇丰 = HSBC); includes its subsidiaries.",
)
@click.option("--kind", type=click.Choice(KINDS))
@click.option("--since", metavar="YYYY-MM-DD", help="Documents published on or after this day.")
@click.option("--source", type=click.Choice(SOURCE_NAMES))
@click.option("--limit", type=click.IntRange(min=1), default=100, show_default=True)
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@pass_ctx
def mentions(
    ctx: Context,
    entity: str | None,
    kind: str | None,
    since: str | None,
    source: str | None,
    limit: int,
    fmt: str,
) -> None:
    """Mentions of firms, organisations and places, with their sentence and source."""
    from storage.queries import MentionFilter, count_mentions, iter_mentions, local_time

    filt = MentionFilter(entity, kind, parse_day(since), source)
    with ctx.db().session() as s:
        rows = list(iter_mentions(s, filt, limit))
        total = count_mentions(s, filt) if len(rows) >= limit else len(rows)
    if fmt == "table":
        for r in rows:
            r["published"] = local_time(r["published_at"], date_only=True)
            r["name"] = r["entity"] or f"({r['surface']})"
            r["names"] = f"{r['name']} {r['entity_zh']}" if r.get("entity_zh") else r["name"]
    _emit(
        rows,
        fmt,
        [
            ("names", "entity"),
            ("kind", "kind"),
            ("sentence", "sentence"),
            ("published", "date"),
            ("url", "url"),
        ],
        "Mentions",
    )
    _say_capped(len(rows), total)


@cli.command()
@click.option("--programme", metavar="NAME", help="Programme key, name or alias (substring).")
@click.option(
    "--status",
    type=click.Choice(["applied", "approved", "operating", "withdrawn"]),
    help="Only firms whose latest reported status is this.",
)
@click.option("--since", metavar="YYYY-MM-DD", help="Only claims reported on or after this day.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
)
@pass_ctx
def firms(
    ctx: Context, programme: str | None, status: str | None, since: str | None, fmt: str
) -> None:
    """Firms reported applying to, approved for, operating under or withdrawn from a pilot
    programme: one row per firm with its latest status, first and last report and the number of
    distinct sources. `--format json` adds every claim with its evidence sentence, date, URL and
    source."""
    from storage.firms import FIRM_COLUMNS, FirmFilter, firm_rows
    from storage.queries import write_csv

    with ctx.db().session() as s:
        rows = firm_rows(s, FirmFilter(programme, status, parse_day(since)), ctx.config.programmes)
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    elif fmt == "csv":
        out = [{**r, "programmes": "; ".join(r["programmes"])} for r in rows]
        write_csv(iter(out), sys.stdout, FIRM_COLUMNS)
    else:
        for r in rows:
            r["names"] = f"{r['firm']} {r['firm_zh']}" if r.get("firm_zh") else r["firm"]
            r["n"] = f"{r['sources']} ({r['reports']} reports)"
            evidence = r["latest_evidence"]
            r["latest_evidence"] = evidence if len(evidence) <= 140 else evidence[:139] + "…"
        _emit(
            rows,
            "table",
            [
                ("names", "firm"),
                ("status", "status"),
                ("first_reported", "first"),
                ("last_reported", "last"),
                ("n", "sources"),
                ("latest_evidence", "latest evidence"),
            ],
            "Firms",
        )


def _read_and_tag(file: Any, lang: str | None) -> tuple[str, str, list[Any]]:
    """Text, language and mentions of a FILE argument of `tag` and `claims`: any encoding (the
    one detected is named on stderr), any length (tagged in pieces, offsets into the whole)."""
    from extract.document import guess_language
    from extract.tagging import get_tagger
    from policywatch.textinput import CHUNK_CHARS, decode_text, tag_long_text

    name = getattr(file, "name", "-")
    name = "standard input" if name in ("-", "<stdin>") else name
    text, encoding = decode_text(file.read(), name)
    if encoding not in ("utf-8", "ascii"):
        err_console.print(f"read {escape(name)} as {encoding}", highlight=False)
    lang = lang or guess_language(text)
    tagger = get_tagger(lang)
    limit = min(CHUNK_CHARS, tagger.nlp.max_length)
    return text, lang, list(tag_long_text(tagger.tag, text, limit))


@cli.command()
@click.argument("file", type=click.File("rb"), default="-")
@click.option(
    "--lang",
    type=click.Choice(["en", "zh"]),
    default=None,
    help="Language of the text (default: guessed).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["jsonl", "table"]),
    default="jsonl",
    show_default=True,
)
@click.option("--title", metavar="TEXT", help="The report's headline (helps name the programme).")
def claims(file: Any, lang: str | None, fmt: str, title: str | None) -> None:
    """The firm claims of any text FILE (or - for stdin), without a database: one JSON object a
    line with firm, firm_zh, group (the parent), status (applied, approved, operating,
    withdrawn), programme, programme_key, evidence (the sentence), stage (attach, attach-parse or
    propagate) and cue. A first line without final punctuation, followed by more lines, is read
    as a headline and makes no claim. Any encoding (UTF-8 expected; others are detected) and any
    length."""
    from extract.text_claims import CLAIM_FIELDS, claims_of_text

    text, lang, mentions = _read_and_tag(file, lang)
    found = claims_of_text(text, lang, title=title, mentions=mentions)
    if fmt == "jsonl":
        for c in found:
            click.echo(json.dumps(c.as_dict(), ensure_ascii=False))
        return
    rows = [{k: escape(str(v or "")) for k, v in c.as_dict().items()} for c in found]
    columns = [(f, f) for f in CLAIM_FIELDS if f not in {"cue", "programme_key"}]
    _emit(rows, "table", columns, "Claims")


@cli.group()
def export() -> None:
    """Export data to CSV or JSON files."""


@export.command("mentions")
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, allow_dash=True),
    required=True,
    help="File to write ('-' for standard output). A file is replaced only when complete; "
    "pipes and devices are written in place; a symlink's target is written.",
)
@click.option("--entity", metavar="NAME")
@click.option("--kind", type=click.Choice(KINDS))
@click.option("--since", metavar="YYYY-MM-DD")
@pass_ctx
def export_mentions(
    ctx: Context, fmt: str, output: str, entity: str | None, kind: str | None, since: str | None
) -> None:
    """One row per mention: entity, kind, surface, sentence, title, url, source, published_at...

    Streamed: memory does not grow with the number of rows. Cells starting with = + - @ are
    prefixed with ' so that spreadsheets do not run them as formulas.
    """
    from policywatch.output import STDOUT_NAMES, describe, open_output
    from storage.queries import (
        MENTION_COLUMNS,
        MentionFilter,
        copy_mentions_csv,
        iter_mention_rows,
        iter_mentions,
        write_csv_rows,
        write_json,
    )

    db = ctx.db()
    filt = MentionFilter(entity, kind, parse_day(since))
    bom = fmt == "csv" and output not in STDOUT_NAMES  # the BOM lets Excel open UTF-8 files
    with db.session() as s, open_output(output, "utf-8-sig" if bom else "utf-8") as fh:
        if fmt == "csv":
            n = copy_mentions_csv(s, filt, fh)  # PostgreSQL: rows made by the server
            if n is None:
                n = write_csv_rows(iter_mention_rows(s, filt), fh, MENTION_COLUMNS)
        else:
            n = write_json(iter_mentions(s, filt), fh)
    if output not in STDOUT_NAMES:
        err_console.print(f"wrote {n} mentions to {escape(describe(output))}", highlight=False)


@cli.command()
@click.argument("file", type=click.File("rb"), default="-")
@click.option(
    "--lang",
    type=click.Choice(["en", "zh"]),
    default=None,
    help="Language of the text (default: guessed).",
)
def tag(file: Any, lang: str | None) -> None:
    """Print the mentions in a text FILE (or - for stdin) as JSON lines:
    surface, label, entity, kind, start, end (plus the entity's canonical name).

    Any encoding (UTF-8 expected; others are detected) and any length (long texts are tagged in
    pieces; offsets are into the whole text)."""
    from extract.gazetteer import load_gazetteer

    _text, _lang, mentions = _read_and_tag(file, lang)
    entities = load_gazetteer().entities
    for m in mentions:
        row = m.as_dict()
        row["entity_name"] = entities[m.entity].name if m.entity else None
        row.pop("sentence")
        row.pop("sentence_start")
        click.echo(json.dumps(row, ensure_ascii=False))


@cli.command()
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@pass_ctx
def workers(ctx: Context, fmt: str) -> None:
    """Processing progress: pages waiting and failed, and every `process` (or service) that
    worked on this database in the last day, from any machine: host, pid, worker processes,
    state (running; gone: died without closing, its pages went back to the queue; done;
    failed), last heartbeat, pages done and pages in hand."""
    from storage.queries import local_time
    from storage.workers import workers_view

    with ctx.db().session() as s:
        view = workers_view(s)
    if fmt == "json":
        click.echo(json.dumps(view, ensure_ascii=False, indent=2))
        return
    console.print(
        f"pages waiting: {view['pages_waiting']}; failed (process --retry-failed): "
        f"{view['pages_failed']}"
    )
    rows = [
        {
            **w,
            "heartbeat_at": local_time(w["heartbeat_at"]),
            "started_at": local_time(w["started_at"]),
        }
        for w in view["workers"]
    ]
    _emit(
        rows,
        fmt,
        [
            ("host", "host"),
            ("pid", "pid"),
            ("processes", "processes"),
            ("state", "state"),
            ("started_at", "started (Beijing)"),
            ("heartbeat_at", "heartbeat (Beijing)"),
            ("pages", "pages"),
            ("failed", "failed"),
            ("in_flight", "in hand"),
        ],
        "Workers",
    )


@cli.command()
@click.argument("source", required=False, type=click.Choice(SOURCE_NAMES))
@click.option(
    "--missing",
    is_flag=True,
    help="List every parked, failed or flagged URL (of SOURCE, or all) with its reason and "
    "next retry.",
)
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@pass_ctx
def sources(ctx: Context, source: str | None, missing: bool, fmt: str) -> None:
    """Coverage per source: the last crawl (when, outcome), what it discovered, stored, already
    had, parked after blocks and failed (by cause); the site's stated totals against what is
    stored; and how many items are still missing. With --missing: each missing item."""
    from storage.health import source_health
    from storage.issues import open_issues
    from storage.queries import local_time

    with ctx.db().session() as s:
        if missing:
            items = open_issues(s, source)
        else:
            rows = [r for r in source_health(s, ctx.config) if not source or r["source"] == source]
    if missing:
        for item in items:
            for key in ("first_seen_at", "last_seen_at"):
                stamp = item[key].isoformat()
                item[key] = local_time(stamp) if fmt == "table" else stamp
        _emit(
            items,
            fmt,
            [
                ("source", "source"),
                ("state", "state"),
                ("kind", "kind"),
                ("url", "url"),
                ("name", "name"),
                ("reason", "reason"),
                ("last_seen_at", "last seen (Beijing)"),
                ("attempts", "tries"),
                ("next_retry", "next retry"),
            ],
            "Missing items",
        )
        return
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table(title="Sources")
    columns = (
        "source",
        "last run (Beijing)",
        "status",
        "discovered",
        "stored",
        "already known",
        "parked",
        "failed (by cause)",
        "site total / stored",
        "missing",
        "last error / warning",
    )
    for col in columns:
        table.add_column(col, overflow="fold")
    for r in rows:
        totals = "; ".join(
            f"{t['list']} {t['site_total']} / {t['stored']}" for t in r["site_totals"]
        )
        failed = f"{r['failed']} ({r['failed_by_cause']})" if r["failed"] else "0"
        table.add_row(
            *(
                Text(str(v or ""))
                for v in (
                    r["source"],
                    r["last_run"],
                    r["status"],
                    r["discovered"],
                    r["stored"],
                    r["known"],
                    r["parked"],
                    failed,
                    totals,
                    r["missing"],
                    "; ".join(x for x in (r["last_error"], r["warning_brief"]) if x),
                )
            )
        )
    console.print(table)


@cli.command()
@click.option(
    "--since",
    metavar="YYYY-MM-DD",
    help="Start the period at this day (Beijing) instead of the last delivered digest.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["markdown", "html", "text", "json"]),
    default="markdown",
    show_default=True,
)
@click.option("--send", is_flag=True, help="Deliver to the [digest] notify targets and record it.")
@click.option("--dry-run", is_flag=True, help="With --send: show what would be sent, send nothing.")
@pass_ctx
def digest(ctx: Context, since: str | None, fmt: str, send: bool, dry_run: bool) -> None:
    """The digest of everything stored since the last delivered digest: new pilot announcements
    grouped by programme (syndicated copies as one item), firms newly reported applying or
    approved with the evidence sentence, and source-health warnings. Without --send it is only
    printed. Exit status 1 when a delivery failed (it is then not marked delivered)."""
    from schedules.run_digest import run_digest

    if dry_run and not send:
        raise click.UsageError("--dry-run goes with --send.")
    outcome = run_digest(
        ctx.config, ctx.db(), fmt=fmt, since=parse_day(since), send=send, dry_run=dry_run
    )
    click.echo(outcome.text, nl=not outcome.text.endswith("\n"))
    if outcome.status == "failed":
        err_console.print(
            f"[red]Error[/]: {escape(mask_secrets(outcome.error or 'delivery failed'))}; the "
            "digest was not marked delivered and will be sent again next time.",
            soft_wrap=True,
        )
        sys.exit(1)


@cli.command()
@click.option("--once", is_flag=True, help="Run every job that is due now once, then exit.")
@pass_ctx
def run(ctx: Context, once: bool) -> None:
    """The long-running service: crawl each source on its schedule (in a child process), process
    new pages, deliver the daily digest. Jobs live in the database, so runs missed while the
    service was down are caught up once at start. Stop with Ctrl-C or SIGTERM."""
    from schedules.service import run_service

    sys.exit(run_service(ctx.config, ctx.db(), once=once))


@cli.command()
@click.option(
    "--workdir",
    type=click.Path(file_okay=False),
    default="policywatch-demo",
    show_default=True,
    help="Where the demo database and mentions.csv go.",
)
@click.option("--keep", is_flag=True, help="Keep the demo database of a previous run.")
@pass_ctx
def demo(ctx: Context, workdir: str, keep: bool) -> None:
    """Offline demo: serve bundled hand-written pages of the three sites on local ports, crawl them
    through the real spider and host map, process them, print a summary, write mentions.csv."""
    from policywatch.demo import run_demo

    run_demo(ctx.config, Path(workdir), keep=keep, console=console)


def main() -> None:
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        err_console.print("Aborted.")
        sys.exit(130)
    except click.ClickException as exc:
        exc.message = mask_secrets(exc.message)
        exc.show()
        sys.exit(exc.exit_code)
    except PolicywatchError as exc:
        _print_error(str(exc))
        sys.exit(2)
    except KeyboardInterrupt:
        err_console.print("Interrupted.")
        sys.exit(130)
    except Exception as exc:  # a database that goes away mid-command, and the like
        from sqlalchemy.exc import OperationalError

        if isinstance(exc, OperationalError):
            err = DatabaseError(
                f"The database stopped answering ({str(exc.orig).strip().splitlines()[0]}): "
                "check that it is running and reachable, then re-run; nothing was half-stored."
            )
            _print_error(str(err))
            sys.exit(2)
        raise


def _print_error(message: str) -> None:
    err_console.print(
        f"[red]Error[/]: {escape(mask_secrets(message))}", highlight=False, soft_wrap=True
    )


if __name__ == "__main__":
    main()
