"""What spiders yield: one article with all its pages, raw."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class ArticleItem:
    source: str
    canonical_url: str
    # each part: {"url", "status", "headers", "body" (bytes), "fetched_at" (aware datetime)}
    parts: list[dict[str, Any]]
    discovery: dict[str, Any] = field(default_factory=dict)
