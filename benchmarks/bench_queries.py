"""Benchmark: the read side at scale — export speed and memory, and the latency of the queries
behind `firms`, `mentions --entity` and `documents --search`, with their query plans.

Grows a database to N mentions (default 1,000,000; 50 per document, a third linked to
entities, a claim in every tenth document), then

- runs the real CLI `policywatch export mentions --format csv` in a child process: rows/s and
  the child's peak RSS (streamed: flat as N grows);
- times the queries of `firms --programme telecom`, `mentions --entity Tesla --limit 50` (with
  its count, as the CLI when the page is full) and `documents --search telecom --limit 50` (a word
  no text holds: the worst case, every text read) in this process (median of 3 after a
  warm-up; the CLI adds its start-up, about a second), and prints each plan (PostgreSQL
  EXPLAIN, SQLite EXPLAIN QUERY PLAN).

    .venv/bin/python benchmarks/bench_queries.py [N ...] [--database URL --reset]

Without --database each N gets a fresh SQLite file in a temporary folder. A PostgreSQL database
is emptied first (its public schema dropped): --reset must be given to say that is intended.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Select, insert, select, text  # noqa: E402

from benchmarks.bench_process import reset_postgres  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.firms import FirmFilter, firm_rows  # noqa: E402
from storage.models import Claim, Document, Entity, FetchedPage, Mention  # noqa: E402
from storage.queries import (  # noqa: E402
    DocumentFilter,
    MentionFilter,
    count_documents,
    count_mentions,
    iter_documents,
    iter_mentions,
    mentions_query,
    resolve_entity,
)
from storage.sources import ensure_source  # noqa: E402

PER_DOC = 50
FIRMS = ["Tesla", "HSBC", "Siemens", "Unity", "Trafigura", "Amazon", "Apple", "BMW", "Nokia"]
SENTENCE = (
    "{firm} was among the first foreign companies to apply to run value-added telecom "
    "services in Shanghai, the ministry said on Wednesday."
)
TEXTS = [
    "The ministry approved a pilot for foreign-owned internet data centres in Beijing. " * 20,
    "Shanghai opened a new round of applications for the services-sector pilot. " * 20,
    "工业和信息化部批复同意在北京、上海开展增值电信业务扩大对外开放试点。" * 30,
]


def build(db: Database, n_mentions: int) -> None:
    n_docs = max(1, n_mentions // PER_DOC)
    now = datetime.now(UTC)
    with db.session() as s:
        source_id = ensure_source(s, "chinadaily").id
        for firm in FIRMS:
            s.add(Entity(key=f"firm:{firm.lower()}", name=firm, kind="company"))
        s.flush()
        entity_ids = [e.id for e in s.scalars(select(Entity).order_by(Entity.id))]
    body = zlib.compress(b"<html></html>")
    for k in range(0, n_docs, 5000):
        ids = range(k, min(n_docs, k + 5000))
        with db.session() as s:
            s.execute(
                insert(FetchedPage),
                [
                    {
                        "source_id": source_id,
                        "url": f"https://www.chinadaily.com.cn/a/202411/06/WS{i:024x}.html",
                        "canonical_url": f"https://www.chinadaily.com.cn/a/202411/06/WS{i:024x}.html",
                        "status": 200,
                        "headers": {},
                        "fetched_at": now,
                        "part_no": 1,
                        "kind": "page",
                        "content_hash": f"{i:064x}",
                        "body_zlib": body,
                        "discovery": {},
                        "processed_at": now,
                    }
                    for i in ids
                ],
            )
            s.execute(
                insert(Document),
                [
                    {
                        "canonical_url": f"https://www.chinadaily.com.cn/a/202411/06/WS{i:024x}.html",
                        "source_id": source_id,
                        "language": "zh" if i % 3 == 2 else "en",
                        "title": f"Report {i} on the pilot",
                        "text": TEXTS[i % 3] + f" Report {i}.",
                        "extra": {},
                        "extraction_path": "site:chinadaily-en",
                        "extractor_version": "bench",
                        "content_hash": f"{i:064x}",
                        "version": 1,
                        "page_id": i + 1,
                        "published_at": now - timedelta(minutes=i),
                        "published_date_only": False,
                        "first_seen_at": now,
                        "updated_at": now,
                    }
                    for i in ids
                ],
            )
            s.execute(
                insert(Claim),
                [
                    {
                        "document_id": i + 1,
                        "document_version": 1,
                        "entity_id": entity_ids[i % len(entity_ids)],
                        "firm_name": FIRMS[i % len(FIRMS)],
                        "firm_surface": FIRMS[i % len(FIRMS)],
                        "programme": "vats-pilot",
                        "programme_name": "Value-added telecom opening-up pilot",
                        "status": "applied",
                        "evidence": SENTENCE.format(firm=FIRMS[i % len(FIRMS)]),
                        "stage": "attach",
                        "cue": "apply",
                        "reported_at": now - timedelta(minutes=i),
                        "extractor_version": "bench",
                        "created_at": now,
                    }
                    for i in ids
                    if i % 10 == 0
                ],
            )
    rows: list[dict[str, Any]] = []
    for j in range(n_docs * PER_DOC):
        firm = FIRMS[j % len(FIRMS)]
        rows.append(
            {
                "document_id": 1 + j // PER_DOC,
                "document_version": 1,
                "entity_id": entity_ids[j % len(FIRMS)] if j % 3 == 0 else None,
                "surface": firm if j % 3 == 0 else f"{firm} Holdings {j % 997}",
                "label": "ORG",
                "kind": "company",
                "start_char": j % PER_DOC * 20,
                "end_char": j % PER_DOC * 20 + len(firm),
                "sentence": SENTENCE.format(firm=firm),
                "tagger_version": "bench",
            }
        )
        if len(rows) == 20000:
            with db.session() as s:
                s.execute(insert(Mention), rows)
            rows = []
    if rows:
        with db.session() as s:
            s.execute(insert(Mention), rows)
    with db.engine.connect() as conn:  # statistics, as the periodic ANALYZE of `process` does
        conn.execute(text("ANALYZE"))
        conn.commit()


def run_export(url: str, out: Path) -> tuple[float, float]:
    env = {**os.environ, "POLICYWATCH_DATABASE_URL": url}
    start = time.perf_counter()
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "policywatch",
            "-q",
            "export",
            "mentions",
            "--format",
            "csv",
            "-o",
            str(out),
        ],
        env=env,
    )
    _pid, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - start
    if status != 0:
        sys.exit(f"export failed (status {status})")
    return elapsed, usage.ru_maxrss / 1024


def plan(db: Database, stmt: Select[Any]) -> str:
    sql = str(stmt.compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True}))
    prefix = "EXPLAIN " if db.engine.name == "postgresql" else "EXPLAIN QUERY PLAN "
    with db.engine.connect() as conn:
        rows = conn.execute(text(prefix + sql)).all()
    if db.engine.name == "postgresql":
        return "\n".join(f"    {r[0]}" for r in rows)
    return "\n".join(f"    {r[-1]}" for r in rows)


def timed(fn: Callable[[], Any]) -> float:
    fn()
    runs = []
    for _ in range(3):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs) * 1000


def measure(url: str, n: int, folder: Path) -> None:
    db = Database(url)
    t0 = time.perf_counter()
    build(db, n)
    print(f"\n== {n} mentions, {db.engine.name} (built in {time.perf_counter() - t0:.0f} s)")
    wall, rss = run_export(url, folder / "mentions.csv")
    print(f"export mentions: {n / wall:,.0f} rows/s (wall {wall:.1f} s), peak RSS {rss:.0f} MiB")

    def firms() -> None:
        with db.session() as s:
            firm_rows(s, FirmFilter(programme="telecom"))

    def mentions() -> None:
        with db.session() as s:
            f = MentionFilter(entity="Tesla")
            if len(list(iter_mentions(s, f, limit=50))) >= 50:  # as the CLI: a full page
                count_mentions(s, f)

    def documents() -> None:
        with db.session() as s:
            f = DocumentFilter(search="telecom")
            if len(list(iter_documents(s, f, limit=50))) >= 50:  # as the CLI: a full page
                count_documents(s, f)

    for name, fn in (
        ("firms --programme telecom", firms),
        ("mentions --entity Tesla (50 rows, and the count of a full page)", mentions),
        ("documents --search telecom (no match: every text read)", documents),
    ):
        print(f"{name}: {timed(fn):.0f} ms")
    with db.session() as s:
        entity = resolve_entity(s, "Tesla")
    print("plan, mentions --entity Tesla:")
    print(plan(db, mentions_query(MentionFilter(entity="Tesla"), entity).limit(50)))
    docs = (
        select(Document.id)
        .where(Document.text.ilike("%telecom%"))
        .order_by(Document.published_at.desc())
        .limit(50)
    )
    print("plan, documents --search telecom (the filter):")
    print(plan(db, docs))
    db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sizes", type=int, nargs="*", default=[1_000_000])
    parser.add_argument("--database", help="SQLAlchemy URL (default: temporary SQLite files)")
    parser.add_argument("--reset", action="store_true", help="empty the PostgreSQL database")
    args = parser.parse_args()
    if args.database and not args.reset:
        sys.exit("bench_queries.py empties the PostgreSQL database it is given: add --reset.")
    with tempfile.TemporaryDirectory(prefix="pw-bench-q-") as tmp:
        folder = Path(tmp)
        for n in args.sizes:
            if args.database:
                reset_postgres(args.database)
                url = args.database
            else:
                url = f"sqlite:///{folder / f'q{n}.db'}"
            measure(url, n, folder)


if __name__ == "__main__":
    main()
