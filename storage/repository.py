"""Writes of derived data: entities from the gazetteer, document versions, mentions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session, selectinload

from extract import EXTRACTOR_VERSION
from extract.claims import CLAIMS_VERSION, Count
from extract.document import ExtractedDocument
from extract.gazetteer import Gazetteer
from extract.programmes import Classification
from extract.tagging import TaggedMention
from extract.text_claims import ClaimRecord
from storage.coordination import transaction_lock
from storage.models import (
    Claim,
    Document,
    DocumentVersion,
    Entity,
    EntityAlias,
    Mention,
)


def sync_entities(session: Session, gazetteer: Gazetteer) -> dict[str, int]:
    """Upsert gazetteer entities and their aliases; returns key -> entity id.

    Idempotent and safe when several processes (machines) start at once: on PostgreSQL the
    sync holds a transaction advisory lock, so the second one sees the first one's rows."""
    transaction_lock(session, "sync-entities")
    existing = {
        e.key: e for e in session.scalars(select(Entity).options(selectinload(Entity.aliases)))
    }
    for record in gazetteer.entities.values():
        entity = existing.get(record.key)
        if entity is None:
            entity = Entity(key=record.key, name=record.name, kind=record.kind)
            session.add(entity)
            existing[record.key] = entity
        entity.name, entity.kind, entity.name_zh = record.name, record.kind, record.name_zh
        wanted = {(a, lng) for a, lng in record.aliases}
        have = {(a.alias, a.lang): a for a in entity.aliases}
        for pair, alias in have.items():
            if pair not in wanted:
                entity.aliases.remove(alias)
        for alias, lang in sorted(wanted - set(have)):
            entity.aliases.append(EntityAlias(alias=alias, lang=lang))
    session.flush()
    for record in gazetteer.entities.values():
        parent = existing.get(record.parent_key) if record.parent_key else None
        existing[record.key].parent_id = parent.id if parent else None
    session.flush()
    return {key: e.id for key, e in existing.items()}


@dataclass
class PageResult:
    """What the text stages made of one stored page, ready to be written."""

    page_id: int
    source_id: int
    doc: ExtractedDocument
    mentions: list[TaggedMention]
    tagger_version: str
    classification: Classification
    claims: list[ClaimRecord]
    counts: list[Count]


@dataclass
class Saved:
    document_id: int
    version: int
    changed: bool  # a new document or new content: a version row was added
    new: bool  # inserted just now
    mentions: int
    claims: int


def save_batch(
    session: Session, items: list[PageResult], entity_ids: dict[str, int], names: dict[str, str]
) -> list[Saved]:
    """Store documents with their versions, mentions, classification and claims, a batch at a
    time: a few statements for the whole batch, not a round trip per row.

    A document is inserted or, when its content changed, updated with a new version row; the
    same content keeps its version and records which page and extractor confirmed it. Mentions
    and claims are derived data: a document's set is replaced (a claim found again keeps the time
    it was first stored: digests rely on it). Two fetches of one document in a batch are written
    one after the other, in batch order."""
    saved: list[Saved | None] = [None] * len(items)
    pending = list(range(len(items)))
    while pending:
        seen: set[str] = set()
        now_, later = [], []
        for i in pending:
            url = items[i].doc.canonical_url
            (later if url in seen else now_).append(i)
            seen.add(url)
        for i, result in zip(
            now_, _save_round(session, [items[i] for i in now_], entity_ids, names), strict=True
        ):
            saved[i] = result
        pending = later
    return [s for s in saved if s is not None]


def _document_fields(item: PageResult) -> dict[str, Any]:
    doc = item.doc
    return dict(
        title=doc.title,
        byline=doc.byline,
        published_at=doc.published.value if doc.published else None,
        published_date_only=doc.published.date_only if doc.published else False,
        text=doc.text,
        extra=doc.extra,
        extraction_path=doc.extraction_path,
        extractor_version=EXTRACTOR_VERSION,
        content_hash=doc.content_hash,
        page_id=item.page_id,
    )


def _derived_fields(item: PageResult) -> dict[str, Any]:
    """The document's columns that the tagger and the classifier set."""
    c = item.classification
    extra = dict(item.doc.extra or {})
    if item.counts:
        extra["firm_counts"] = [
            {"number": n.number, "status": n.status, "evidence": n.evidence} for n in item.counts
        ]
    else:
        extra.pop("firm_counts", None)
    return dict(
        tagger_version=item.tagger_version,
        pilot_kind=c.kind if c.is_pilot else None,
        programme=c.programme,
        programme_name=c.programme_name if c.is_pilot else None,
        extra=extra,
    )


@dataclass
class _Step:
    """What ``_save_round`` does with one document: its id (None: inserted now), the version it
    has after the write, the time its claims are reported at, and its fields when a version row
    is added (new document or new content)."""

    doc_id: int | None
    version: int
    reported_at: datetime | None
    fields: dict[str, Any] | None


def _save_round(
    session: Session, items: list[PageResult], entity_ids: dict[str, int], names: dict[str, str]
) -> list[Saved]:
    """``save_batch`` for items of distinct documents."""
    now = datetime.now(UTC)
    current = {
        row.canonical_url: row
        for row in session.execute(
            select(
                Document.id,
                Document.canonical_url,
                Document.content_hash,
                Document.version,
                Document.published_at,
            ).where(Document.canonical_url.in_([it.doc.canonical_url for it in items]))
        )
    }
    inserts, changed_rows, same_rows, version_rows = [], [], [], []
    plan: list[_Step] = []
    for item in items:
        doc = item.doc
        fields = _document_fields(item)
        derived = _derived_fields(item)
        cur = current.get(doc.canonical_url)
        if cur is None:
            inserts.append(
                {
                    "canonical_url": doc.canonical_url,
                    "source_id": item.source_id,
                    "language": doc.language,
                    "version": 1,
                    "first_seen_at": now,
                    "updated_at": now,
                    **fields,
                    **derived,  # the document's extra holds the counts, the version's not
                }
            )
            plan.append(_Step(None, 1, fields["published_at"], fields))
        elif cur.content_hash != doc.content_hash:
            version = cur.version + 1
            changed_rows.append(
                {
                    "id": cur.id,
                    "language": doc.language,
                    "version": version,
                    "updated_at": now,
                    **fields,
                    **derived,
                }
            )
            plan.append(_Step(cur.id, version, fields["published_at"], fields))
        else:
            same_rows.append(
                dict(
                    id=cur.id,
                    page_id=item.page_id,
                    extractor_version=EXTRACTOR_VERSION,
                    extraction_path=doc.extraction_path,
                    **derived,
                )
            )
            plan.append(_Step(cur.id, cur.version, cur.published_at, None))
    new_ids: dict[str, int] = {}
    if inserts:
        returned = session.execute(
            insert(Document).returning(
                Document.id, Document.canonical_url, sort_by_parameter_order=True
            ),
            inserts,
        )
        new_ids = {url: id_ for id_, url in returned}
    for rows in (changed_rows, same_rows):
        if rows:  # UPDATE by primary key, executemany
            session.execute(update(Document), rows)
    results: list[Saved] = []
    old_ids = [step.doc_id for step in plan if step.doc_id is not None]
    for item, step in zip(items, plan, strict=True):
        new = step.doc_id is None
        doc_id = new_ids[item.doc.canonical_url] if new else step.doc_id
        assert doc_id is not None
        changed = step.fields is not None
        results.append(
            Saved(doc_id, step.version, changed, new, len(item.mentions), len(item.claims))
        )
        if step.fields is not None:
            version_rows.append(
                dict(document_id=doc_id, version=step.version, created_at=now, **step.fields)
            )
    if version_rows:
        session.execute(insert(DocumentVersion), version_rows)
    # mentions and claims: derived data, replaced
    previous: dict[tuple[Any, ...], datetime] = {}
    if old_ids:
        session.execute(delete(Mention).where(Mention.document_id.in_(old_ids)))
        for row in session.execute(
            select(
                Claim.document_id,
                Claim.entity_id,
                Claim.firm_name,
                Claim.status,
                Claim.evidence,
                Claim.created_at,
            ).where(Claim.document_id.in_(old_ids))
        ):
            previous.setdefault(tuple(row[:5]), row.created_at)
        session.execute(delete(Claim).where(Claim.document_id.in_(old_ids)))
    mention_rows, claim_rows = [], []
    for item, saved, step in zip(items, results, plan, strict=True):
        mention_rows.extend(
            dict(
                document_id=saved.document_id,
                document_version=saved.version,
                entity_id=entity_ids.get(m.entity) if m.entity else None,
                surface=m.surface[:500],
                label=m.label,
                kind=m.kind,
                start_char=m.start,
                end_char=m.end,
                sentence=m.sentence,
                tagger_version=item.tagger_version,
            )
            for m in item.mentions
        )
        for c in item.claims:
            entity_id = entity_ids.get(c.entity) if c.entity else None
            firm_name = (names.get(c.entity, c.firm) if c.entity else c.firm)[:300]
            key = (saved.document_id, entity_id, firm_name, c.status, c.evidence)
            claim_rows.append(
                dict(
                    document_id=saved.document_id,
                    document_version=saved.version,
                    entity_id=entity_id,
                    firm_name=firm_name,
                    firm_surface=c.surface[:300],
                    programme=(c.programme_key or item.classification.programme or "")[:100]
                    or None,
                    programme_name=c.programme or item.classification.programme_name,
                    status=c.status,
                    evidence=c.evidence,
                    stage=c.stage,
                    cue=c.cue[:200],
                    reported_at=step.reported_at,
                    extractor_version=CLAIMS_VERSION,
                    created_at=previous.get(key) or now,
                )
            )
    if mention_rows:
        _insert_many(session, Mention, mention_rows)
    if claim_rows:
        session.execute(insert(Claim), claim_rows)
    return results


def _insert_many(session: Session, model: type[Mention], rows: list[dict[str, Any]]) -> None:
    """Insert rows of plain values (numbers, text, NULL), many at a time: on PostgreSQL with
    psycopg through COPY in the session's transaction (a fraction of executemany's per-row
    work), elsewhere as SQLAlchemy's executemany."""
    connection = session.connection()
    if connection.dialect.driver != "psycopg":
        session.execute(insert(model), rows)
        return
    columns = list(rows[0])
    table = model.__table__
    names = ", ".join(connection.dialect.identifier_preparer.quote(c) for c in columns)
    cursor = connection.connection.driver_connection.cursor()
    target = connection.dialect.identifier_preparer.format_table(table)
    with cursor.copy(f"COPY {target} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row[c] for c in columns])
