"""Benchmark: throughput of the text stages of `process` — tagging (spaCy NER, plus LAC for
Chinese), pilot classification and claim extraction (with the dependency parse on claim
sentences) — over a backlog built from the real pages in ../shared/realpages and the bundled demo
pages, as pages per second and characters per second.

    .venv/bin/python benchmarks/bench_claims.py [N]          (default N = 300 documents)

The same script measures an older checkout on the same backlog (it adapts to the older
``extract_claims`` signature), e.g. the commit before issue 8:

    git worktree add /tmp/old fadabfb
    PYTHONPATH=/tmp/old .venv/bin/python benchmarks/bench_claims.py N
"""

from __future__ import annotations

import inspect
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))  # after PYTHONPATH: an older checkout given there is measured

from extract.claims import extract_claims  # noqa: E402
from extract.document import RawPage, guess_language  # noqa: E402
from extract.programmes import classify  # noqa: E402
from extract.tagging import get_tagger  # noqa: E402

REALPAGES = ROOT.parent / "shared" / "realpages"
DEMO = ROOT / "policywatch" / "demo_site"


def corpus() -> list[tuple[str, str]]:
    """(title, text) of every real and demo article the page objects can read."""
    from extract.sources import chinadaily, miit, xinhua

    parsers = {
        "chinadaily": chinadaily.parse_article,
        "news.cn": xinhua.parse_article,
        "miit": miit.parse_article,
    }
    docs: list[tuple[str, str]] = []
    for path in sorted(REALPAGES.glob("*/*.expected_text.txt")):
        docs.append((path.stem, path.read_text("utf-8")))
    for path in sorted(DEMO.rglob("*.htm*")):
        rel = path.relative_to(DEMO).as_posix()
        if "/a/" not in rel and "/c" not in rel and "/art_" not in rel:
            continue
        parser = next((p for k, p in parsers.items() if k in rel), None)
        if parser is None:
            continue
        try:
            doc = parser(
                [
                    RawPage(
                        url=f"https://{rel}",
                        body=path.read_bytes(),
                        status=200,
                        content_type="text/html; charset=utf-8",
                    )
                ],
                {},
            )
        except Exception:  # noqa: BLE001 - list pages and partial pages are not articles
            continue
        if doc.text:
            docs.append((doc.title or "", doc.text))
    return docs


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    base = corpus()
    backlog = [base[i % len(base)] for i in range(n)]
    new_api = "text" in inspect.signature(extract_claims).parameters
    by_lang: dict[str, list[tuple[str, str]]] = {}
    for title, text in backlog:
        by_lang.setdefault(guess_language(text), []).append((title, text))
    for lang in by_lang:  # load the models before timing
        get_tagger(lang).tag("warm up")
    cpu0, t0 = time.process_time(), time.perf_counter()
    chars = claims = 0
    for lang, docs in by_lang.items():
        tagger = get_tagger(lang)
        for (title, text), mentions in zip(docs, tagger.pipe(t for _, t in docs), strict=True):
            chars += len(text)
            if classify(title, text).is_pilot:
                found = (
                    extract_claims(mentions, lang, text=text)
                    if new_api
                    else extract_claims(mentions, lang)
                )
                claims += len(found)
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    langs = ", ".join(f"{k}: {len(v)}" for k, v in sorted(by_lang.items()))
    print(f"documents {n} ({len(base)} distinct; {langs}), {chars} characters, {claims} claims")
    print(f"wall {wall:.2f} s, CPU {cpu:.2f} s ({100 * cpu / wall:.0f}%), peak RSS {peak:.0f} MiB")
    print(f"throughput {n / wall:.1f} documents/s, {chars / wall / 1000:.1f} k characters/s")


if __name__ == "__main__":
    main()
