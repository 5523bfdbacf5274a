"""Text handed to `policywatch tag`: bytes of any encoding, any length.

Decoding: UTF-8 (with or without BOM), UTF-16 with a BOM, otherwise the encoding is detected
(charset-normalizer; GB2312/GBK read as GB18030); undetectable bytes end in one clear error.
Length: spaCy refuses texts over ``nlp.max_length`` characters, so long texts are tagged in chunks
cut at paragraph or sentence ends, and the offsets are shifted back into the whole text.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

from policywatch.errors import PolicywatchError

CHUNK_CHARS = 100_000  # well below spaCy's default max_length (1,000,000)
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "big5": "big5hkscs"}
_BREAKS = (re.compile(r"\n\s*\n"), re.compile(r"\n"), re.compile(r"[.!?。！？；;]\s*"))


def decode_text(data: bytes, origin: str) -> tuple[str, str]:
    """(text, encoding). Raises PolicywatchError when the bytes are not text in any encoding."""
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding.replace("-sig", "")
            except UnicodeDecodeError:
                break
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    guess = from_bytes(data[:500_000]).best() if b"\x00" not in data[:4096] else None
    if guess is not None and guess.encoding:
        encoding = _SUPERSETS.get(guess.encoding.lower(), guess.encoding)
        try:
            return data.decode(encoding), codecs.lookup(encoding).name
        except (UnicodeDecodeError, LookupError):
            pass
    raise PolicywatchError(
        f"{origin} is not UTF-8 text and its encoding could not be detected: convert it to "
        "UTF-8 first (e.g. iconv -f GB18030 -t UTF-8 FILE) or check that it is a text file."
    )


def chunks(text: str, limit: int = CHUNK_CHARS) -> Iterator[tuple[int, str]]:
    """(offset, piece) covering ``text`` in order, each piece at most ``limit`` characters, cut
    at a blank line, a line end, a sentence end or whitespace when one is in the second half."""
    start = 0
    while len(text) - start > limit:
        window = text[start : start + limit]
        cut = 0
        for pattern in (*_BREAKS, re.compile(r"\s+")):
            ends = [m.end() for m in pattern.finditer(window) if m.end() > limit // 2]
            if ends:
                cut = ends[-1]
                break
        cut = cut or limit
        yield start, window[:cut]
        start += cut
    if start < len(text) or not text:
        yield start, text[start:]


def tag_long_text(tag: Callable[[str], list[Any]], text: str, limit: int) -> Iterator[Any]:
    """Mentions of ``text`` tagged piece by piece, offsets relative to the whole text."""
    for offset, piece in chunks(text, limit):
        for mention in tag(piece):
            yield (
                mention
                if offset == 0
                else replace(
                    mention,
                    start=mention.start + offset,
                    end=mention.end + offset,
                    sentence_start=mention.sentence_start + offset,
                )
            )
