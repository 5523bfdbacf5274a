"""Read queries behind `documents`, `mentions` and `export`, streamed where they can be large."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO, Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from extract.dates import BEIJING, beijing_to_utc
from storage.models import Document, Entity, EntityAlias, Mention, Source

MENTION_COLUMNS = [
    "entity",
    "entity_zh",
    "kind",
    "surface",
    "label",
    "start",
    "end",
    "sentence",
    "title",
    "url",
    "source",
    "published_at",
    "language",
    "tagger_version",
]
DOCUMENT_COLUMNS = [
    "id",
    "source",
    "language",
    "published_at",
    "title",
    "url",
    "version",
    "extraction_path",
    "mentions",
]


def since_utc(day: date | None) -> datetime | None:
    """Start of a Beijing calendar day, in UTC (users think in the sources' dates)."""
    return beijing_to_utc(day, None) if day else None


def iso(value: datetime | None) -> str:
    return value.isoformat() if value else ""


@dataclass
class MentionFilter:
    entity: str | None = None
    kind: str | None = None
    since: date | None = None
    source: str | None = None


def fold_name(text: str) -> str:
    """Traditional -> simplified characters (匯豐 -> 汇丰), as the tagger folds texts."""
    if not any("\u3400" <= ch <= "\u9fff" for ch in text):
        return text
    import opencc

    return opencc.OpenCC("t2s").convert(text)


def resolve_entity(session: Session, name: str) -> tuple[list[int], list[str]]:
    """(entity ids, lower-case surfaces) that ``--entity NAME`` means: the entities whose name,
    Chinese name, key or an alias is NAME as a whole (case-insensitive; traditional characters
    folded), with their subsidiaries ("HSBC" also finds HSBC Fintech)."""
    wanted = {name.strip().lower(), fold_name(name.strip()).lower()} - {""}
    ids = set(
        session.scalars(
            select(Entity.id).where(
                or_(
                    func.lower(Entity.name).in_(wanted),
                    func.lower(Entity.name_zh).in_(wanted),
                    func.lower(Entity.key).in_(wanted),
                )
            )
        )
    )
    ids |= set(
        session.scalars(
            select(EntityAlias.entity_id).where(func.lower(EntityAlias.alias).in_(wanted))
        )
    )
    frontier = set(ids)
    while frontier:  # subsidiaries, and theirs
        children = set(session.scalars(select(Entity.id).where(Entity.parent_id.in_(frontier))))
        frontier = children - ids
        ids |= children
    return sorted(ids), sorted(wanted)


def mentions_query(
    f: MentionFilter, entity: tuple[list[int], list[str]] | None = None
) -> Select[Any]:
    """The mentions query; ``entity`` is ``resolve_entity(f.entity)`` when filtering by name."""
    q = (
        select(
            Entity.name.label("entity"),
            Entity.name_zh.label("entity_zh"),
            Mention.kind,
            Mention.surface,
            Mention.label,
            Mention.start_char.label("start"),
            Mention.end_char.label("end"),
            Mention.sentence,
            Document.title,
            Document.canonical_url.label("url"),
            Source.name.label("source"),
            Document.published_at,
            Document.language,
            Mention.tagger_version,
        )
        .join(Document, Mention.document_id == Document.id)
        .join(Source, Document.source_id == Source.id)
        .outerjoin(Entity, Mention.entity_id == Entity.id)
        .order_by(Document.published_at.desc(), Document.id, Mention.start_char)
    )
    if f.entity:
        q = q.where(_entity_condition(f.entity, entity))
    if f.kind:
        q = q.where(Mention.kind == f.kind)
    if f.since:
        q = q.where(Document.published_at >= since_utc(f.since))
    if f.source:
        q = q.where(Source.name == f.source)
    return q


def _entity_condition(name: str, entity: tuple[list[int], list[str]] | None) -> Any:
    """Mentions of a resolved entity (ids), or unlinked ones whose whole surface is the name."""
    ids, surfaces = entity or ([], [name.lower()])
    return or_(
        Mention.entity_id.in_(ids),
        # unlinked mentions: the whole surface, not a substring
        (Mention.entity_id.is_(None) & func.lower(Mention.surface).in_(surfaces)),
    )


def iter_mentions(
    session: Session, f: MentionFilter, limit: int | None = None
) -> Iterator[dict[str, Any]]:
    q = mentions_query(f, resolve_entity(session, f.entity) if f.entity else None)
    if limit:
        q = q.limit(limit)
    result = session.execute(q.execution_options(stream_results=True, yield_per=2000))
    for row in result:
        record = dict(row._mapping)
        record["published_at"] = iso(record["published_at"])
        yield record


def count_mentions(session: Session, f: MentionFilter) -> int:
    entity = resolve_entity(session, f.entity) if f.entity else None
    if not (f.since or f.source):
        # every mention has its document and source (foreign keys) and the entity join is
        # outer: count the mentions table alone, through its indexes
        q = select(func.count()).select_from(Mention)
        if f.entity:
            q = q.where(_entity_condition(f.entity, entity))
        if f.kind:
            q = q.where(Mention.kind == f.kind)
        return session.scalar(q) or 0
    q = mentions_query(f, entity)
    return session.scalar(select(func.count()).select_from(q.order_by(None).subquery())) or 0


@dataclass
class DocumentFilter:
    source: str | None = None
    since: date | None = None
    search: str | None = None


def _documents_filtered(q: Select[Any], f: DocumentFilter) -> Select[Any]:
    if f.source:
        q = q.where(Source.name == f.source)
    if f.since:
        q = q.where(Document.published_at >= since_utc(f.since))
    if f.search:
        like = f"%{f.search.lower()}%"
        q = q.where(
            or_(func.lower(Document.title).like(like), func.lower(Document.text).like(like))
        )
    return q


def count_documents(session: Session, f: DocumentFilter) -> int:
    q = select(func.count(Document.id)).join(Source, Document.source_id == Source.id)
    return session.scalar(_documents_filtered(q, f)) or 0


def iter_documents(
    session: Session, f: DocumentFilter, limit: int | None = None
) -> Iterator[dict[str, Any]]:
    q = (
        select(Document, Source.name)
        .join(Source, Document.source_id == Source.id)
        .order_by(Document.published_at.desc(), Document.id.desc())
    )
    q = _documents_filtered(q, f)
    if limit:
        q = q.limit(limit)
    rows = session.execute(q.execution_options(yield_per=200))
    for chunk in rows.partitions(200):
        # mention counts of this chunk's documents only (an index lookup each), never a
        # GROUP BY over every mention
        ids = [doc.id for doc, _source in chunk]
        counts = dict(
            session.execute(
                select(Mention.document_id, func.count())
                .where(Mention.document_id.in_(ids))
                .group_by(Mention.document_id)
            ).all()
        )
        for doc, source in chunk:
            yield _document_row(doc, source, counts.get(doc.id, 0))


def _document_row(doc: Document, source: str, n: int) -> dict[str, Any]:
    return {
        "id": doc.id,
        "source": source,
        "language": doc.language,
        "published_at": iso(doc.published_at),
        "published_date_only": doc.published_date_only,
        "title": doc.title,
        "byline": doc.byline,
        "url": doc.canonical_url,
        "version": doc.version,
        "extraction_path": doc.extraction_path,
        "mentions": n,
    }


def local_time(value: str, *, date_only: bool = False) -> str:
    """ISO UTC -> 'YYYY-MM-DD HH:MM' Beijing time for tables."""
    if not value:
        return ""
    local = datetime.fromisoformat(value).astimezone(BEIJING)
    return local.strftime("%Y-%m-%d") if date_only else local.strftime("%Y-%m-%d %H:%M")


# -- export -----------------------------------------------------------------------------------
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def neutralise(value: Any) -> Any:
    """Prefix with ' a cell a spreadsheet would run as a formula (OWASP CSV injection)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def write_csv(rows: Iterator[dict[str, Any]], out: IO[str], columns: list[str]) -> int:
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    n = 0
    for row in rows:
        values = [row.get(k) for k in columns]
        writer.writerow(["" if v is None else neutralise(v) for v in values])
        n += 1
    return n


def write_json(rows: Iterator[dict[str, Any]], out: IO[str]) -> int:
    """A JSON array written row by row (memory does not grow with the row count)."""
    out.write("[")
    n = 0
    for row in rows:
        out.write(",\n" if n else "\n")
        out.write(json.dumps(row, ensure_ascii=False, default=str))
        n += 1
    out.write("\n]\n" if n else "]\n")
    return n


def csv_text(rows: list[dict[str, Any]], columns: list[str]) -> str:
    buf = io.StringIO()
    write_csv(iter(rows), buf, columns)
    return buf.getvalue()
