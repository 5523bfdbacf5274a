"""The sources table: one row per crawled site."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.coordination import transaction_lock
from storage.models import Source

KNOWN_SOURCES = {
    "chinadaily": ("China Daily", "https://www.chinadaily.com.cn/"),
    "xinhua": ("Xinhua", "https://www.news.cn/"),
    "miit": ("MIIT", "https://www.miit.gov.cn/"),
}


def ensure_source(session: Session, name: str) -> Source:
    source = session.scalar(select(Source).where(Source.name == name))
    if source is None:
        transaction_lock(session, "sources")  # machines starting at once add it once
        source = session.scalar(select(Source).where(Source.name == name))
    if source is None:
        title, homepage = KNOWN_SOURCES[name]
        source = Source(name=name, title=title, homepage=homepage)
        session.add(source)
        session.flush()
    return source
