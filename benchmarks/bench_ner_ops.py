"""Benchmark: the English NER with thinc's bundled BLIS against NumPy's BLAS (extract.tagging.
_MatmulOps), on the same texts in one run; prints seconds, tokens/s and how many texts differ in
their entities (the switch is kept only while that is 0).

    .venv/bin/python benchmarks/bench_ner_ops.py [--texts DIR]

Texts: the English article pages of ../shared/realpages and the demo site, and with --texts every
``en-*.txt`` in DIR (e.g. the local cache of the real-reporting evaluation set).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_process import bases  # noqa: E402
from thinc.api import NumpyOps  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from extract.document import RawPage  # noqa: E402
from extract.tagging import _MatmulOps, get_tagger  # noqa: E402
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
    nlp = get_tagger("en").nlp
    ner = nlp.get_pipe("ner")
    tokens = sum(len(nlp.make_doc(t)) for t in texts)
    threadpool_limits(1)  # one core, as a worker

    def run(ops: NumpyOps) -> tuple[float, list[list[tuple[int, int, str]]]]:
        for node in ner.model.walk():
            node.ops = ops
        list(nlp.pipe(texts[:5]))
        t0 = time.perf_counter()
        ents = [[(e.start_char, e.end_char, e.label_) for e in d.ents] for d in nlp.pipe(texts)]
        return time.perf_counter() - t0, ents

    blis_s, blis_ents = run(NumpyOps())
    mm_s, mm_ents = run(_MatmulOps())
    differ = sum(a != b for a, b in zip(blis_ents, mm_ents, strict=True))
    print(f"{len(texts)} English texts, {tokens} tokens")
    print(f"BLIS (thinc NumpyOps):   {blis_s:6.2f} s  {tokens / blis_s:8.0f} tokens/s")
    print(f"NumPy BLAS (_MatmulOps): {mm_s:6.2f} s  {tokens / mm_s:8.0f} tokens/s")
    print(f"speed-up {blis_s / mm_s:.2f}x; texts whose entities differ: {differ}")


if __name__ == "__main__":
    main()
