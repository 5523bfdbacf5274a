"""Tag texts longer than spaCy's ``max_length`` (1,000,000 characters) in chunks.

A notice with its attachments can be longer than spaCy accepts in one go. Such a text is split
on paragraph, line or sentence boundaries into chunks under the limit, each chunk is tagged, and
the mentions' offsets (start, end, sentence start) are shifted back to the whole text, so they
point at the same characters as if it had been tagged at once. The Tagger itself is unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

# split points, best first: paragraph, line, sentence end, clause, any space
_BOUNDARIES = [
    re.compile(r"\n\s*\n"),
    re.compile(r"\n"),
    re.compile(r"(?<=[。！？!?])|(?<=\.)\s"),
    re.compile(r"(?<=[；;，,])"),
    re.compile(r"\s"),
]
CHUNK_FRACTION = 10  # chunks of max_length / 10 characters keep spaCy's memory use modest


def chunk_spans(text: str, size: int) -> list[tuple[int, int]]:
    """(start, end) spans covering ``text`` in order, each at most ``size`` characters, cut at
    the best boundary found in the second half of a chunk (a hard cut only if none)."""
    if size < 2:
        raise ValueError("chunk size must be at least 2")
    spans = []
    start = 0
    while len(text) - start > size:
        window_end = start + size
        cut = None
        for pattern in _BOUNDARIES:
            ends = [m.end() for m in pattern.finditer(text, start + size // 2, window_end)]
            ends = [e for e in ends if start < e <= window_end]
            if ends:
                cut = ends[-1]
                break
        cut = cut or window_end
        spans.append((start, cut))
        start = cut
    spans.append((start, len(text)))
    return spans


def max_length(tagger: Any) -> int:
    return int(getattr(tagger.nlp, "max_length", 1_000_000))


def is_oversize(tagger: Any, text: str) -> bool:
    return len(text) > max_length(tagger)


def tag_in_chunks(tagger: Any, text: str, size: int | None = None) -> list[Any]:
    """The mentions of ``text`` tagged chunk by chunk, offsets relative to the whole text."""
    size = size or max(2, max_length(tagger) // CHUNK_FRACTION)
    spans = chunk_spans(text, size)
    out: list[Any] = []
    chunks: Iterator[str] = (text[a:b] for a, b in spans)
    for (offset, _end), mentions in zip(spans, tagger.pipe(chunks), strict=True):
        for m in mentions:
            out.append(
                replace(
                    m,
                    start=m.start + offset,
                    end=m.end + offset,
                    sentence_start=m.sentence_start + offset,
                )
            )
    return out
