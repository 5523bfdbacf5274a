"""Benchmark: the English models with thinc's bundled BLIS against NumPy's BLAS (extract.tagging.
_MatmulOps), on the same texts in one run: the NER of tagging and the tagger + parser of the
claims' parse. Prints seconds, tokens/s and how many texts differ in their entities or in their
parse (tags, dependency labels and heads): the switch is kept only while both are 0.

    .venv/bin/python benchmarks/bench_ner_ops.py [--texts DIR]

Texts: the English article pages of ../shared/realpages and the demo site, and with --texts every
``en-*.txt`` in DIR (e.g. the local cache of the real-reporting evaluation set).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_process import bases  # noqa: E402
from thinc.api import NumpyOps  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from extract.claims import _parser  # noqa: E402
from extract.document import RawPage  # noqa: E402
from extract.tagging import _MatmulOps, get_tagger, use_ops  # noqa: E402
from schedules.process import PAGE_PARSERS  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--texts", help="a folder of en-*.txt files to add")
    args = parser.parse_args()
    texts = []
    for base in bases():
        doc = PAGE_PARSERS[base.source]([RawPage(url=base.url, body=base.body)], {})
        if doc.language == "en":
            texts.append(doc.text)
    if args.texts:
        texts += [p.read_text("utf-8") for p in sorted(Path(args.texts).glob("en-*.txt"))]
    threadpool_limits(1)  # one core, as a worker
    tagging, parsing = get_tagger("en").nlp, _parser()
    tokens = sum(len(tagging.make_doc(t)) for t in texts)
    print(f"{len(texts)} English texts, {tokens} tokens")

    def run(nlp: Any, ops: NumpyOps, read: Any) -> tuple[float, list[Any]]:
        use_ops(nlp, ops)
        list(nlp.pipe(texts[:5]))
        t0 = time.perf_counter()
        out = [read(d) for d in nlp.pipe(texts)]
        return time.perf_counter() - t0, out

    def ents(doc: Any) -> list[tuple[int, int, str]]:
        return [(e.start_char, e.end_char, e.label_) for e in doc.ents]

    def parse(doc: Any) -> list[tuple[str, str, int]]:
        return [(t.tag_, t.dep_, t.head.i) for t in doc]

    for what, nlp, read in (("NER (tagging)", tagging, ents), ("parser (claims)", parsing, parse)):
        blis_s, blis_out = run(nlp, NumpyOps(), read)
        mm_s, mm_out = run(nlp, _MatmulOps(), read)
        differ = sum(a != b for a, b in zip(blis_out, mm_out, strict=True))
        print(
            f"{what:16} BLIS {blis_s:6.2f} s ({tokens / blis_s:6.0f} tokens/s), NumPy BLAS "
            f"{mm_s:6.2f} s ({tokens / mm_s:6.0f} tokens/s): {blis_s / mm_s:.2f}x; "
            f"texts that differ: {differ}"
        )


if __name__ == "__main__":
    main()
