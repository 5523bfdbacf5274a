"""The result of reading one article page (all its continuation pages merged)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from extract.dates import PageDate

_CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class RawPage:
    """One fetched page as stored: the extractor never touches the network or the database."""

    url: str
    body: bytes
    status: int = 200
    content_type: str | None = None


@dataclass
class ExtractedDocument:
    canonical_url: str
    language: str
    title: str | None
    byline: str | None
    published: PageDate | None
    text: str
    extraction_path: str  # e.g. "site:chinadaily-en", "trafilatura"
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def content_hash(self) -> str:
        published = self.published.value.isoformat() if self.published else ""
        payload = "\x1f".join([self.title or "", self.byline or "", published, self.text])
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def guess_language(text: str) -> str:
    """'zh' when CJK characters make up a good share of the letters, else 'en'."""
    sample = text[:4000]
    if not sample:
        return "en"
    cjk = len(_CJK.findall(sample))
    letters = sum(1 for ch in sample if ch.isalpha())
    return "zh" if letters and cjk / letters > 0.3 else "en"


def clean_lines(lines: list[str]) -> str:
    """Join paragraphs with blank lines; collapse inner whitespace; drop empties."""
    out = []
    for line in lines:
        line = re.sub(r"[ \t\u3000\xa0]+", " ", line).strip()
        if line:
            out.append(line)
    return "\n\n".join(out)
