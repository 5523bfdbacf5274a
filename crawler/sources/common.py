"""What discovery yields, for every source."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Discovered:
    url: str  # canonical article URL
    title: str | None
    date: str | None  # as printed (Beijing time) or RFC 822 from a feed
    via: str  # the feed or list page it came from

    def as_dict(self) -> dict[str, str]:
        return {k: v for k, v in self.__dict__.items() if v}


@dataclass(frozen=True)
class Listing:
    items: list[Discovered]
    page: int
    max_page: int
