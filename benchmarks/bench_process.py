"""Benchmark: `process` against the bare text stages, on the same backlog in one run.

Builds a backlog of N stored raw pages from the real pages in ../shared/realpages and the bundled
demo pages (each copy under its own URL and with its own bytes, so no two collapse into one
document or one hash), then times

1. the bare stages on those pages, in this process, without a database: page parsing (page
   objects, trafilatura fallback), tagging (spaCy NER for English, LAC for Chinese), pilot
   classification and claims — schedules.process.compute_batch, batch by batch;
2. `process` (schedules.process.process_pages, with K worker processes) over the stored backlog,
   reading and writing the database,

and prints pages/s of each, their ratio, CPU use and peak RSS (this process and the largest
worker process).

    .venv/bin/python benchmarks/bench_process.py N [--workers K] [--database URL --reset]

Without --database a fresh SQLite file in a temporary folder is used. A PostgreSQL database is
emptied first (its public schema dropped), so --reset must be given to say that is intended.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import sys
import tempfile
import time
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, insert, text  # noqa: E402

from extract.document import RawPage  # noqa: E402
from extract.programmes import load_programmes  # noqa: E402
from schedules.process import (  # noqa: E402
    PAGE_PARSERS,
    PageJob,
    compute_batch,
    one_core,
    process_pages,
)
from storage.db import Database, _normalise_url  # noqa: E402
from storage.models import FetchedPage  # noqa: E402
from storage.sources import ensure_source  # noqa: E402

REALPAGES = ROOT.parent / "shared" / "realpages"
DEMO = ROOT / "policywatch" / "demo_site"
HOSTS = {
    "www.chinadaily.com.cn": "chinadaily",
    "english.news.cn": "xinhua",
    "www.news.cn": "xinhua",
    "www.xinhuanet.com": "xinhua",
    "www.miit.gov.cn": "miit",
}


@dataclass
class Base:
    source: str
    url: str
    body: bytes


def _readable(source: str, url: str, body: bytes) -> bool:
    try:
        doc = PAGE_PARSERS[source]([RawPage(url=url, body=body, content_type="text/html")], {})
    except Exception:  # list pages, fragments: not articles
        return False
    return bool(doc.text)


def bases() -> list[Base]:
    """Every real and demo article page a page object reads."""
    found: list[Base] = []
    for meta in sorted(REALPAGES.glob("*/*.meta.json")):
        html = meta.with_name(meta.name.removesuffix(".meta.json") + ".html")
        url = json.loads(meta.read_text("utf-8")).get("url", "")
        source = next((s for h, s in HOSTS.items() if f"//{h}/" in url), None)
        if html.exists() and source and _readable(source, url, html.read_bytes()):
            found.append(Base(source, url, html.read_bytes()))
    for path in sorted(DEMO.rglob("*.htm*")):
        rel = path.relative_to(DEMO).as_posix()
        host = rel.split("/", 1)[0]
        if host not in HOSTS or not any(k in rel for k in ("/a/", "/c_", "/art_", "/c/")):
            continue
        url = f"https://{rel}"
        if re.search(r"_\d+\.html?$", url):  # a continuation page, stored under its page 1
            continue
        if _readable(HOSTS[host], url, path.read_bytes()):
            found.append(Base(HOSTS[host], url, path.read_bytes()))
    return found


def copy_url(url: str, i: int) -> str:
    """The URL of copy ``i``: the article id's last 8 digits replaced (still a valid article
    URL of its site, its own document)."""
    ids = list(re.finditer(r"[0-9a-fA-F]{8,}", url.split("://", 1)[1]))
    if not ids:
        raise ValueError(f"no article id in {url}")
    end = ids[-1].end() + len(url.split("://", 1)[0]) + 3
    return f"{url[: end - 8]}{i:08d}{url[end:]}"


def copy_body(base: Base, i: int) -> bytes:
    return base.body + f"\n<!-- policywatch benchmark copy {i} -->\n".encode()


def backlog(n: int) -> list[tuple[Base, str, int]]:
    """N pages: (base, URL, i) — copy i of a base has its own URL and bytes (made when needed,
    so this process's memory does not grow with N)."""
    base = bases()
    return [(base[i % len(base)], copy_url(base[i % len(base)].url, i), i) for i in range(n)]


def store(db: Database, pages: list[tuple[Base, str, int]]) -> None:
    now = datetime.now(UTC)
    with db.session() as s:
        source_ids = {name: ensure_source(s, name).id for name in set(HOSTS.values())}
    for k in range(0, len(pages), 500):
        rows = [
            {
                "source_id": source_ids[b.source],
                "url": url,
                "canonical_url": url,
                "status": 200,
                "headers": {"Content-Type": "text/html"},
                "fetched_at": now,
                "part_no": 1,
                "kind": "page",
                "content_hash": f"{i:064x}",
                "body_zlib": zlib.compress(copy_body(b, i), 6),
                "discovery": {},
            }
            for b, url, i in pages[k : k + 500]
        ]
        with db.session() as s:
            s.execute(insert(FetchedPage), rows)


def reset_postgres(url: str) -> None:
    engine = create_engine(_normalise_url(url))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def cpu_seconds(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, help="pages in the backlog")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--database", help="SQLAlchemy URL (default: a temporary SQLite file)")
    parser.add_argument("--reset", action="store_true", help="empty the PostgreSQL database")
    parser.add_argument("--skip-bare", action="store_true", help="time `process` only")
    args = parser.parse_args()

    folder = tempfile.TemporaryDirectory(prefix="pw-bench-")
    url = args.database or f"sqlite:///{folder.name}/bench.db"
    if url.startswith(("postgresql", "postgres")):
        if not args.reset:
            sys.exit("bench_process.py empties the PostgreSQL database it is given: add --reset.")
        reset_postgres(url)
    pages = backlog(args.n)
    db = Database(url)
    store(db, pages)
    distinct = len({b.url for b, _u, _i in pages})
    print(f"backlog: {args.n} stored pages ({distinct} distinct real/demo pages), {db.engine.name}")

    bare_rate = None
    if not args.skip_bare:
        programmes = load_programmes(None)

        def jobs(part: list[tuple[Base, str, int]]) -> list[PageJob]:
            return [
                PageJob(
                    i,
                    b.source,
                    u,
                    {},
                    [RawPage(url=u, body=copy_body(b, i), content_type="text/html")],
                )
                for b, u, i in part
            ]

        one_core()  # as a worker: one thread for the numeric libraries
        compute_batch(jobs(pages[:2]), programmes)  # load the models before timing
        cpu0, t0 = cpu_seconds(resource.RUSAGE_SELF), time.perf_counter()
        failed = 0
        for k in range(0, len(pages), args.batch_size):
            outcomes = compute_batch(jobs(pages[k : k + args.batch_size]), programmes)
            failed += sum(o.error is not None for o in outcomes)
        wall = time.perf_counter() - t0
        cpu = cpu_seconds(resource.RUSAGE_SELF) - cpu0
        bare_rate = args.n / wall
        print(
            f"bare stages:  {bare_rate:6.1f} pages/s  (wall {wall:.1f} s, "
            f"CPU {100 * cpu / wall:.0f}% of one core, {failed} failed)"
        )

    first: list[float] = []
    done = [0]

    def progress(n: int) -> None:
        done[0] += n
        if not first:
            first.extend([time.perf_counter(), done[0]])

    cpu0, child0 = cpu_seconds(resource.RUSAGE_SELF), cpu_seconds(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    summary = process_pages(db, workers=args.workers, batch_size=args.batch_size, progress=progress)
    wall = time.perf_counter() - t0
    cpu = cpu_seconds(resource.RUSAGE_SELF) - cpu0 + cpu_seconds(resource.RUSAGE_CHILDREN) - child0
    rate = summary.pages / wall
    steady = (summary.pages - first[1]) / (time.perf_counter() - first[0]) if first else rate
    print(
        f"process:      {rate:6.1f} pages/s  (wall {wall:.1f} s, {args.workers} worker(s), CPU "
        f"{100 * cpu / wall:.0f}% of one core; {steady:.1f} pages/s after the first batch; "
        f"{summary.pages} pages, {summary.mentions} mentions, {summary.claims} claims, "
        f"{summary.failed} failed)"
    )
    if bare_rate:
        print(f"ratio process / bare stages: {rate / bare_rate:.2f}")
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"peak RSS: this process {own:.0f} MiB"
        + (f", largest worker process {workers:.0f} MiB" if args.workers > 1 else "")
    )
    db.dispose()


if __name__ == "__main__":
    main()
