"""SQLAlchemy 2 typed models. The schema is created and changed only by Alembic migrations.

Raw pages are kept (compressed) so that extraction and tagging can be re-run without fetching;
every derived row records the extractor / tagger version that produced it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite returns naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON}


class Source(Base):
    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    homepage: Mapped[str] = mapped_column(String(500))


class CrawlRun(Base):
    """One crawl of one source: counts by outcome, for source health."""

    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    # running | ok | blocked | failed | stopped (SIGTERM/SIGINT) | interrupted (killed, found later)
    status: Mapped[str] = mapped_column(String(20), default="running")
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    last_error: Mapped[str | None] = mapped_column(Text)
    # who runs it, and when it last showed signs of life (see storage.runs)
    pid: Mapped[int | None] = mapped_column(Integer)
    host: Mapped[str | None] = mapped_column(String(255))
    heartbeat_at: Mapped[datetime | None]

    source: Mapped[Source] = relationship()


class FetchedPage(Base):
    """A fetched article page, raw. Continuation pages (``_2.html``) are children of page 1."""

    __tablename__ = "fetched_pages"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"))
    crawl_run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("fetched_pages.id"))
    part_no: Mapped[int] = mapped_column(Integer, default=1)
    kind: Mapped[str] = mapped_column(String(20), default="page", server_default="page")
    url: Mapped[str] = mapped_column(String(1000))
    canonical_url: Mapped[str] = mapped_column(String(1000), index=True)
    status: Mapped[int] = mapped_column(Integer)
    headers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)
    content_hash: Mapped[str] = mapped_column(String(64))
    body_zlib: Mapped[bytes] = mapped_column(LargeBinary)
    # what discovery knew of the item (listing title/date, feed entry), for fallbacks
    discovery: Mapped[dict[str, Any]] = mapped_column(default=dict)
    processed_at: Mapped[datetime | None]
    process_error: Mapped[str | None] = mapped_column(Text)

    parts: Mapped[list[FetchedPage]] = relationship(order_by="FetchedPage.part_no")

    __table_args__ = (
        Index("ix_fetched_pages_unprocessed", "processed_at", "parent_id"),
        Index(
            "ix_fetched_pages_pending",
            "id",
            sqlite_where=text("processed_at IS NULL AND parent_id IS NULL"),
            postgresql_where=text("processed_at IS NULL AND parent_id IS NULL"),
        ),
        Index("ix_fetched_pages_parent", "parent_id"),
    )


class Document(Base):
    """One article, identified by its canonical URL; holds the current version's fields."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    canonical_url: Mapped[str] = mapped_column(String(1000), unique=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"))
    language: Mapped[str] = mapped_column(String(8))
    title: Mapped[str | None] = mapped_column(Text)
    byline: Mapped[str | None] = mapped_column(String(500))
    published_at: Mapped[datetime | None] = mapped_column(index=True)
    published_date_only: Mapped[bool] = mapped_column(Boolean, default=False)
    text: Mapped[str] = mapped_column(Text, default="")
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)
    extraction_path: Mapped[str] = mapped_column(String(50))
    extractor_version: Mapped[str] = mapped_column(String(50))
    content_hash: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=1)
    page_id: Mapped[int] = mapped_column(ForeignKey("fetched_pages.id"))
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    tagger_version: Mapped[str | None] = mapped_column(String(100))
    # pilot classification (derived, redone by `process --all`)
    pilot_kind: Mapped[str | None] = mapped_column(String(30), index=True)
    programme: Mapped[str | None] = mapped_column(String(100), index=True)  # watch-list key
    programme_name: Mapped[str | None] = mapped_column(Text)  # or the title of an unlisted pilot

    source: Mapped[Source] = relationship()
    versions: Mapped[list[DocumentVersion]] = relationship(
        order_by="DocumentVersion.version", back_populates="document"
    )


class DocumentVersion(Base):
    """Every version a document has had (the current one included); never updated or deleted."""

    __tablename__ = "document_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    version: Mapped[int] = mapped_column(Integer)
    page_id: Mapped[int] = mapped_column(ForeignKey("fetched_pages.id"))
    title: Mapped[str | None] = mapped_column(Text)
    byline: Mapped[str | None] = mapped_column(String(500))
    published_at: Mapped[datetime | None]
    published_date_only: Mapped[bool] = mapped_column(Boolean, default=False)
    text: Mapped[str] = mapped_column(Text, default="")
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)
    extraction_path: Mapped[str] = mapped_column(String(50))
    extractor_version: Mapped[str] = mapped_column(String(50))
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    document: Mapped[Document] = relationship(back_populates="versions")

    __table_args__ = (UniqueConstraint("document_id", "version"),)


class Entity(Base):
    """A canonical firm, place, government body or media outlet."""

    __tablename__ = "entities"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100), unique=True)  # e.g. firm:tesla, city:440300
    name: Mapped[str] = mapped_column(String(300))
    name_zh: Mapped[str | None] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(30), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("entities.id"))

    aliases: Mapped[list[EntityAlias]] = relationship(
        back_populates="entity", cascade="all, delete-orphan"
    )
    parent: Mapped[Entity | None] = relationship(remote_side="Entity.id")


class EntityAlias(Base):
    __tablename__ = "entity_aliases"

    id: Mapped[int] = mapped_column(primary_key=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id"))
    alias: Mapped[str] = mapped_column(String(300))
    lang: Mapped[str] = mapped_column(String(8))

    entity: Mapped[Entity] = relationship(back_populates="aliases")

    __table_args__ = (UniqueConstraint("entity_id", "alias", "lang"),)


class Mention(Base):
    """A tagged span in a document's current text; linked to an entity when known."""

    __tablename__ = "mentions"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    document_version: Mapped[int] = mapped_column(Integer)
    entity_id: Mapped[int | None] = mapped_column(ForeignKey("entities.id"), index=True)
    surface: Mapped[str] = mapped_column(String(500))
    label: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(30), index=True)
    start_char: Mapped[int] = mapped_column(Integer)
    end_char: Mapped[int] = mapped_column(Integer)
    sentence: Mapped[str] = mapped_column(Text)
    tagger_version: Mapped[str] = mapped_column(String(100))

    document: Mapped[Document] = relationship()
    entity: Mapped[Entity | None] = relationship()

    __table_args__ = (
        Index(
            "ix_mentions_unlinked_surface",
            text("lower(surface)"),
            sqlite_where=text("entity_id IS NULL"),
            postgresql_where=text("entity_id IS NULL"),
        ),
    )


class Claim(Base):
    """A firm reported applying to / approved for / operating under / withdrawn from a pilot."""

    __tablename__ = "claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    document_version: Mapped[int] = mapped_column(Integer)
    entity_id: Mapped[int | None] = mapped_column(ForeignKey("entities.id"), index=True)
    firm_name: Mapped[str] = mapped_column(
        String(300)
    )  # canonical name, or the surface if unlinked
    firm_surface: Mapped[str] = mapped_column(String(300))
    programme: Mapped[str | None] = mapped_column(String(100), index=True)
    programme_name: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), index=True)
    evidence: Mapped[str] = mapped_column(Text)
    stage: Mapped[str | None] = mapped_column(String(20))  # attach | attach-parse | propagate
    cue: Mapped[str | None] = mapped_column(String(200))
    reported_at: Mapped[datetime | None] = mapped_column(index=True)
    extractor_version: Mapped[str] = mapped_column(String(50))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    document: Mapped[Document] = relationship()
    entity: Mapped[Entity | None] = relationship()


class DigestRecord(Base):
    """A digest built for a period; the next period starts where the last delivered one ended."""

    __tablename__ = "digests"

    id: Mapped[int] = mapped_column(primary_key=True)
    # the scheduled time it was built for (None for a manual `digest --send`); one per slot
    slot: Mapped[datetime | None] = mapped_column(unique=True)
    period_start: Mapped[datetime]
    period_end: Mapped[datetime] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)  # delivered | failed | skipped
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    content: Mapped[dict[str, Any]] = mapped_column(default=dict)  # the JSON digest
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]


class CrawlIssue(Base):
    """An item that is not (fully) stored, with the reason: a URL parked after repeated blocks,
    a fetch that failed, or an attachment flagged as unreadable. Resolved when it is stored."""

    __tablename__ = "crawl_issues"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"))
    url: Mapped[str] = mapped_column(String(1000))
    kind: Mapped[str] = mapped_column(String(20))  # article | listing | attachment
    state: Mapped[str] = mapped_column(String(20))  # parked | failed | flagged
    reason: Mapped[str] = mapped_column(Text)
    name: Mapped[str | None] = mapped_column(String(500))  # attachment name, listing title
    parent_url: Mapped[str | None] = mapped_column(String(1000))  # the notice of an attachment
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_retry_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    crawl_run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"))
    discovery: Mapped[dict[str, Any]] = mapped_column(default=dict)

    source: Mapped[Source] = relationship()

    __table_args__ = (
        UniqueConstraint("source_id", "kind", "url", name="uq_crawl_issues_item"),
        Index("ix_crawl_issues_open", "source_id", "resolved_at"),
        Index("ix_crawl_issues_parent", "source_id", "kind", "parent_url"),
    )


class BackfillProgress(Base):
    """How far `crawl --backfill` walked one list (section, column, search): for resuming."""

    __tablename__ = "backfill_progress"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"))
    listing: Mapped[str] = mapped_column(String(1000))
    last_page: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("source_id", "listing", name="uq_backfill_progress_listing"),
    )


class ProcessWorker(Base):
    """A running (or finished) `policywatch process`: who, where, how far; for `workers`."""

    __tablename__ = "process_workers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))  # host:pid:start
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    workers: Mapped[int] = mapped_column(Integer, default=1)  # its worker processes
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    heartbeat_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    pages: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    in_flight: Mapped[int] = mapped_column(Integer, default=0)  # pages claimed, not yet written
    status: Mapped[str] = mapped_column(String(20), default="running")  # running | done | failed

    __table_args__ = (UniqueConstraint("name", name="uq_process_workers_name"),)
