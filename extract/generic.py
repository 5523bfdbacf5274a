"""Generic extraction with trafilatura, used when a source's own selectors find no body."""

from __future__ import annotations

from dataclasses import dataclass

import trafilatura


@dataclass
class GenericResult:
    title: str | None
    author: str | None
    date: str | None
    text: str


def extract_generic(html: str, url: str) -> GenericResult | None:
    result = trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        favor_precision=True,
    )
    if result is None:
        return None
    text = (result.text or "").strip()
    if not text:
        return None
    # trafilatura separates paragraphs with one newline; we use blank lines everywhere
    # (table layouts come out as "| cell |" rows: keep the cell text)
    lines = (line.strip().strip("|").strip() for line in text.splitlines())
    text = "\n\n".join(line for line in lines if line)
    return GenericResult(
        title=result.title or None, author=result.author or None, date=result.date, text=text
    )
