"""Decode raw page bytes: HTTP charset, then <meta charset>, then detection (SOURCES.md §0.2).

GB2312/GBK labels are decoded as GB18030, their superset. When the header and the meta disagree,
the one that decodes without replacement characters wins.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.IGNORECASE
)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_\-:.]+)", re.IGNORECASE)
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "gb_2312-80": "gb18030"}


class DecodeError(ValueError):
    pass


def _normalise(label: str | None) -> str | None:
    if not label:
        return None
    label = label.strip().lower()
    label = _SUPERSETS.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def header_charset(content_type: str | None) -> str | None:
    if not content_type:
        return None
    match = _HEADER_CHARSET.search(content_type)
    return _normalise(match.group(1)) if match else None


def meta_charset(body: bytes) -> str | None:
    match = _META_CHARSET.search(body[:4096])
    return _normalise(match.group(1).decode("ascii", "ignore")) if match else None


def _clean_decode(body: bytes, encoding: str) -> str | None:
    try:
        return body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def decode_html(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Return (text, encoding used). Raises DecodeError when nothing decodes the page."""
    if body.startswith(codecs.BOM_UTF8):
        return body[len(codecs.BOM_UTF8) :].decode("utf-8", "replace"), "utf-8"
    declared = [e for e in (header_charset(content_type), meta_charset(body)) if e]
    for encoding in dict.fromkeys(declared):
        text = _clean_decode(body, encoding)
        if text is not None:
            return text, encoding
    guess = from_bytes(body[:200_000]).best()
    if guess is not None and guess.encoding:
        encoding = _normalise(guess.encoding) or guess.encoding
        text = _clean_decode(body, encoding)
        if text is not None:
            return text, encoding
    if declared:
        # Declared but not clean: keep the declared reading, mark the bad bytes.
        return body.decode(declared[0], "replace"), declared[0]
    raise DecodeError("could not determine the character encoding of the page")
