"""Dates: sources print Beijing time without an offset; we store timezone-aware UTC.

Date-only values keep their precision via a ``date_only`` flag instead of becoming a fake instant.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import dateparser

BEIJING = ZoneInfo("Asia/Shanghai")
BUDDHIST_ERA_OFFSET = 543

_ISO_LIKE = re.compile(
    r"(?P<y>\d{4})[-/年.](?P<m>\d{1,2})[-/月.](?P<d>\d{1,2})日?"
    r"(?:[ T]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?"
)


@dataclass(frozen=True)
class PageDate:
    """A publication time in UTC, whether only the day is known, and the raw text it came from."""

    value: datetime
    date_only: bool
    raw: str
    corrected: str | None = None  # note when a correction (e.g. Buddhist era) was applied

    @property
    def beijing_date(self) -> date:
        return self.value.astimezone(BEIJING).date()


def beijing_to_utc(day: date, clock: time | None) -> datetime:
    return datetime.combine(day, clock or time(0, 0), tzinfo=BEIJING).astimezone(UTC)


def parse_beijing(text: str | None) -> PageDate | None:
    """Parse 'YYYY-MM-DD[ HH:MM[:SS]]' (also 2024年4月12日, slashes) as Beijing time."""
    if not text:
        return None
    match = _ISO_LIKE.search(text)
    if not match:
        return None
    try:
        day = date(int(match["y"]), int(match["m"]), int(match["d"]))
        clock = time(int(match["H"]), int(match["M"]), int(match["S"] or 0)) if match["H"] else None
    except ValueError:
        return None
    return PageDate(beijing_to_utc(day, clock), clock is None, text.strip())


def parse_lenient(text: str | None) -> PageDate | None:
    """Any date text (RFC 822 feed dates, ISO...); zoneless values are taken as Beijing time."""
    if not text:
        return None
    text = text.strip()
    parsed = parse_beijing(text) if _ISO_LIKE.match(text) else None
    if parsed:
        return parsed
    value = dateparser.parse(
        text,
        languages=["en", "zh"],
        settings={
            "TIMEZONE": "Asia/Shanghai",
            "RETURN_AS_TIMEZONE_AWARE": True,
            "PREFER_DATES_FROM": "past",
        },
    )
    if value is None:
        return None
    return PageDate(value.astimezone(UTC), False, text)


def check_against_url(
    page: PageDate | None, url_day: date | None, *, max_days: int = 3
) -> PageDate | None:
    """Cross-check a page date with the date in the article URL (SOURCES.md §2.4).

    A Buddhist-era year (BE = CE + 543) whose CE year matches the URL is corrected; a page date
    in the future or more than ``max_days`` from the URL date gives way to the URL date.
    """
    if page is None:
        if url_day is None:
            return None
        return PageDate(beijing_to_utc(url_day, None), True, url_day.isoformat(), "from URL")
    if url_day is None:
        return page
    local = page.value.astimezone(BEIJING)
    if local.year - BUDDHIST_ERA_OFFSET == url_day.year:
        try:
            fixed = local.replace(year=local.year - BUDDHIST_ERA_OFFSET)
        except ValueError:  # 29 February
            fixed = local.replace(year=local.year - BUDDHIST_ERA_OFFSET, day=28)
        page = PageDate(
            fixed.astimezone(UTC),
            page.date_only,
            page.raw,
            f"Buddhist-era year {local.year} corrected to {fixed.year}",
        )
        local = fixed
    now = datetime.now(UTC)
    if page.value > now + timedelta(days=1) or abs((local.date() - url_day).days) > max_days:
        return PageDate(
            beijing_to_utc(url_day, None),
            True,
            page.raw,
            f"page date {local.date()} disagrees with URL date {url_day}; URL date used",
        )
    return page
