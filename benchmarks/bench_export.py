"""Benchmark: `policywatch export mentions` memory and speed against the number of rows.

Builds SQLite databases with N synthetic mentions (generated here, no network), then runs the real
CLI export in a child process and prints its peak RSS and wall time. Streaming means the peak
RSS stays flat as N grows.

    .venv/bin/python benchmarks/bench_export.py [N ...]     (default: 10000 100000 400000)
"""

from __future__ import annotations

import hashlib
import os
import resource
import subprocess
import sys
import tempfile
import time
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from storage.db import Database
from storage.models import Document, FetchedPage, Mention
from storage.sources import ensure_source

SENTENCE = (
    "Tesla was among the first foreign companies to apply to run value-added telecom "
    "services in Shanghai, the ministry said on Wednesday."
)


def build(path: Path, n_mentions: int, per_doc: int = 50) -> None:
    db = Database(f"sqlite:///{path}")
    n_docs = max(1, n_mentions // per_doc)
    now = datetime.now(UTC)
    with db.session() as s:
        source = ensure_source(s, "chinadaily")
        body = zlib.compress(b"<html></html>")
        pages = [
            {
                "source_id": source.id,
                "url": f"https://www.chinadaily.com.cn/a/202411/06/WS{i:024x}.html",
                "canonical_url": f"https://www.chinadaily.com.cn/a/202411/06/WS{i:024x}.html",
                "status": 200,
                "headers": {},
                "fetched_at": now,
                "part_no": 1,
                "content_hash": hashlib.sha256(str(i).encode()).hexdigest(),
                "body_zlib": body,
                "discovery": {},
            }
            for i in range(n_docs)
        ]
        s.execute(insert(FetchedPage), pages)
        docs = [
            {
                "canonical_url": p["canonical_url"],
                "source_id": source.id,
                "language": "en",
                "title": f"Synthetic report {i}",
                "text": SENTENCE * 3,
                "extra": {},
                "extraction_path": "site:chinadaily-en",
                "extractor_version": "bench",
                "content_hash": p["content_hash"],
                "version": 1,
                "page_id": i + 1,
                "published_at": now - timedelta(minutes=i),
                "first_seen_at": now,
                "updated_at": now,
            }
            for i, p in enumerate(pages)
        ]
        s.execute(insert(Document), docs)
    with db.session() as s:
        rows = [
            {
                "document_id": 1 + (j // per_doc),
                "document_version": 1,
                "entity_id": None,
                "surface": "Tesla",
                "label": "ORG",
                "kind": "company",
                "start_char": 0,
                "end_char": 5,
                "sentence": SENTENCE,
                "tagger_version": "bench",
            }
            for j in range(n_docs * per_doc)
        ]
        for k in range(0, len(rows), 20000):
            s.execute(insert(Mention), rows[k : k + 20000])
    db.dispose()


def run_export(db_path: Path, out: Path) -> tuple[float, float]:
    env = {**os.environ, "POLICYWATCH_DATABASE_URL": f"sqlite:///{db_path}"}
    start = time.perf_counter()
    subprocess.run(
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
        check=True,
    )
    elapsed = time.perf_counter() - start
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, peak_kib / 1024


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [10_000, 100_000, 400_000]
    print(f"{'mentions':>10} {'seconds':>8} {'rows/s':>9} {'peak RSS MiB':>13} {'CSV MiB':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            db_path, out = Path(tmp) / f"b{n}.db", Path(tmp) / f"b{n}.csv"
            build(db_path, n)
            # RUSAGE_CHILDREN keeps the maximum over all children: measure each size from a
            # fresh interpreter so the number belongs to this size only
            res = subprocess.run(
                [sys.executable, __file__, "--measure", str(db_path), str(out)],
                capture_output=True,
                text=True,
                check=True,
            )
            elapsed, peak = map(float, res.stdout.split())
            print(
                f"{n:>10} {elapsed:>8.2f} {n / elapsed:>9.0f} {peak:>13.1f} "
                f"{out.stat().st_size / 2**20:>8.1f}"
            )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--measure"]:
        print(*run_export(Path(sys.argv[2]), Path(sys.argv[3])))
    else:
        main()
