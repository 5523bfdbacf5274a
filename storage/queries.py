"""Read queries behind `documents`, `mentions` and `export`, streamed where they can be large."""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO, Any

from sqlalchemy import Connection, Select, String, case, func, literal, or_, select, type_coerce
from sqlalchemy.orm import Session
from sqlalchemy.types import NullType

from extract.dates import BEIJING, beijing_to_utc
from storage.models import Document, Entity, EntityAlias, Mention, Source, UTCDateTime

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
    for row in iter_mention_rows(session, f, limit):
        yield dict(zip(MENTION_COLUMNS, row, strict=True))


def iter_mention_rows(
    session: Session,
    f: MentionFilter,
    limit: int | None = None,
    *,
    batch: int = 5000,
) -> Iterator[tuple[Any, ...]]:
    """Mentions as plain tuples in MENTION_COLUMNS order, streamed (a server-side cursor on
    PostgreSQL), ``published_at`` as ISO 8601 UTC. The export's path: rows are read in batches
    with no per-row ORM or type processing, and the date is converted once per document."""

    def column(c: Any) -> Any:
        if c.name == "published_at":
            # the raw column: SQLite gives its stored text, PostgreSQL an aware datetime; both
            # become ISO text below, once for each run of rows of the same document
            return type_coerce(c, NullType()).label("published_at")
        return c

    q = _mentions_select(session, f, column)
    if limit:
        q = q.limit(limit)
    at = MENTION_COLUMNS.index("published_at")
    last_raw: Any = None
    last_iso = ""
    for part in _raw_batches(session.connection(), q, batch):
        for row in part:
            raw = row[at]
            if raw != last_raw:
                last_raw, last_iso = raw, _iso_utc(raw)
            yield (*row[:at], last_iso, *row[at + 1 :])


_CURSOR_NUMBERS = itertools.count(1)


def _raw_batches(conn: Connection, q: Select[Any], batch: int) -> Iterator[Sequence[Any]]:
    """Batches of the driver's own row tuples for a statement none of whose result columns has
    a type processor: the driver's cursor read directly, without a Row object per row."""
    if conn.dialect.name == "sqlite":
        # sqlite3 steps through the result as it is read: nothing is fetched ahead
        cursor = conn.execute(q).cursor
        while part := cursor.fetchmany(batch):
            yield part
        return
    compiled = q.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.params
    plain = all(v is None or isinstance(v, int | str | datetime) for v in params.values())
    if conn.dialect.driver != "psycopg" or not plain:
        # any other driver, or parameters that need SQLAlchemy's conversion: its own streaming
        result = conn.execution_options(stream_results=True, yield_per=batch).execute(q)
        yield from result.partitions(batch)
        return
    # psycopg: a server-side cursor in the session's transaction, rows in binary form
    name = f"policywatch_rows_{next(_CURSOR_NUMBERS)}"
    cursor = conn.connection.driver_connection.cursor(name=name, binary=True)
    try:
        cursor.execute(compiled.string, params)
        while part := cursor.fetchmany(batch):
            yield part
    finally:
        cursor.close()


def _mentions_select(session: Session, f: MentionFilter, column: Any) -> Select[Any]:
    """The mentions query of ``f`` with each selected column passed through ``column``
    (same joins, filters and order)."""
    q = mentions_query(f, resolve_entity(session, f.entity) if f.entity else None)
    return q.with_only_columns(*(column(c) for c in q.selected_columns), maintain_column_froms=True)


def _iso_utc(raw: Any) -> str:
    """``iso`` of a raw stored time (SQLite's text, PostgreSQL's datetime), read as the
    UTCDateTime column type reads it (a time without an offset is UTC)."""
    if raw is None:
        return ""
    value = raw if isinstance(raw, datetime) else datetime.fromisoformat(str(raw))
    return iso(UTCDateTime().process_result_value(value, None))


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
_FORMULA_CHARS = frozenset(_FORMULA_START)
# columns of a mention row whose text comes from the sites or the gazetteer; the others are
# numbers, dates and this project's own vocabularies (kind, label, language, tagger version)
TEXT_COLUMNS = ["entity", "entity_zh", "surface", "sentence", "title", "url", "source"]


def neutralise(value: Any) -> Any:
    """Prefix with ' a cell a spreadsheet would run as a formula (OWASP CSV injection)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def write_csv(rows: Iterator[dict[str, Any]], out: IO[str], columns: list[str]) -> int:
    return write_csv_rows(
        (tuple(row.get(k) for k in columns) for row in rows), out, columns, text=columns
    )


def write_csv_rows(
    rows: Iterator[tuple[Any, ...]],
    out: IO[str],
    columns: list[str],
    text: list[str] | None = None,
    batch: int = 2000,
) -> int:
    """CSV of tuples in ``columns`` order, written in batches; the ``text`` columns (default:
    those that carry words from the sites) are neutralised against spreadsheet formulas."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    check = [columns.index(c) for c in (TEXT_COLUMNS if text is None else text) if c in columns]
    n = 0
    chunk: list[Any] = []
    for row in rows:
        for i in check:
            v = row[i]
            if isinstance(v, str) and v[:1] in _FORMULA_CHARS:
                row = tuple(neutralise(x) if j in check else x for j, x in enumerate(row))
                break
        chunk.append(row)
        if len(chunk) == batch:
            writer.writerows(chunk)  # None is written as an empty cell
            n += len(chunk)
            chunk = []
    writer.writerows(chunk)
    return n + len(chunk)


def copy_mentions_csv(session: Session, f: MentionFilter, out: IO[str]) -> int | None:
    """PostgreSQL with psycopg: the mention rows of the CSV export made by the server
    (``COPY … TO STDOUT``), the same bytes ``write_csv_rows(iter_mention_rows(...))`` writes
    (text columns neutralised, dates as ISO 8601 UTC, NULL and empty text as an empty cell,
    CRLF line ends) for a fraction of the client's work. Writes the header too and returns the
    number of rows; None (nothing written) for another backend or driver."""
    conn = session.connection()
    if conn.dialect.driver != "psycopg":
        return None

    def column(c: Any) -> Any:
        if c.name == "published_at":
            utc = func.timezone("UTC", c)
            fraction = func.to_char(utc, "US")
            return case(
                (c.is_(None), None),
                else_=func.to_char(utc, 'YYYY-MM-DD"T"HH24:MI:SS')
                + case((fraction != "000000", "." + fraction), else_="")
                + "+00:00",
            )
        if c.name in TEXT_COLUMNS:
            return case(
                (
                    func.substr(c, 1, 1).in_(_FORMULA_START),
                    literal("'", String) + c,
                ),
                else_=func.nullif(c, ""),
            )
        if isinstance(c.type, String):
            return func.nullif(c, "")
        return c

    q = _mentions_select(session, f, column)
    compiled = q.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(MENTION_COLUMNS)
    out.flush()
    binary = getattr(out, "buffer", None)
    if binary is not None and codecs.lookup(getattr(out, "encoding", "") or "ascii").name not in (
        "utf-8",
        "utf-8-sig",
    ):
        binary = None  # a console in another encoding: text, re-encoded by the stream
    n = 0
    cursor = conn.connection.driver_connection.cursor()
    with cursor.copy(f"COPY ({compiled.string}) TO STDOUT (FORMAT csv)", compiled.params) as cp:
        # one row per message, its line ended by LF: written with CRLF, as the csv module does
        for data in cp:
            if binary is not None:
                binary.write(data[:-1])
                binary.write(b"\r\n")
            else:
                out.write(bytes(data[:-1]).decode("utf-8") + "\r\n")
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
