"""Writes of derived data: entities from the gazetteer, document versions, mentions."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, insert, select
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
    FetchedPage,
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


def save_document(
    session: Session, page: FetchedPage, doc: ExtractedDocument
) -> tuple[Document, bool]:
    """Insert or update the document; a content change adds a version row.

    Returns (document, changed)."""
    now = datetime.now(UTC)
    fields = dict(
        language=doc.language,
        title=doc.title,
        byline=doc.byline,
        published_at=doc.published.value if doc.published else None,
        published_date_only=doc.published.date_only if doc.published else False,
        text=doc.text,
        extra=doc.extra,
        extraction_path=doc.extraction_path,
        extractor_version=EXTRACTOR_VERSION,
        content_hash=doc.content_hash,
        page_id=page.id,
    )
    current = session.scalar(select(Document).where(Document.canonical_url == doc.canonical_url))
    if current is None:
        current = Document(
            canonical_url=doc.canonical_url,
            source_id=page.source_id,
            version=1,
            first_seen_at=now,
            updated_at=now,
            **fields,
        )
        session.add(current)
        session.flush()
        changed = True
    elif current.content_hash != doc.content_hash:
        for key, value in fields.items():
            setattr(current, key, value)
        current.version += 1
        current.updated_at = now
        changed = True
    else:
        # same content: record which page and extractor confirmed it, keep the version
        current.page_id, current.extractor_version = page.id, EXTRACTOR_VERSION
        current.extraction_path, current.extra = doc.extraction_path, doc.extra
        changed = False
    if changed:
        session.add(
            DocumentVersion(
                document_id=current.id,
                version=current.version,
                created_at=now,
                **{k: v for k, v in fields.items() if k != "language"},
            )
        )
    return current, changed


def replace_mentions(
    session: Session,
    document: Document,
    mentions: list[TaggedMention],
    entity_ids: dict[str, int],
    tagger_version: str,
    *,
    new: bool = False,
) -> int:
    """Mentions are derived data: replace the document's set in the caller's transaction
    (``new``: the document was inserted in this transaction, it has none to delete)."""
    if not new:
        session.execute(delete(Mention).where(Mention.document_id == document.id))
    rows = [
        dict(
            document_id=document.id,
            document_version=document.version,
            entity_id=entity_ids.get(m.entity) if m.entity else None,
            surface=m.surface[:500],
            label=m.label,
            kind=m.kind,
            start_char=m.start,
            end_char=m.end,
            sentence=m.sentence,
            tagger_version=tagger_version,
        )
        for m in mentions
    ]
    if rows:  # one multi-row INSERT, not a round trip per mention
        session.execute(insert(Mention), rows)
    document.tagger_version = tagger_version
    return len(mentions)


def replace_claims(
    session: Session,
    document: Document,
    classification: Classification,
    claims: list[ClaimRecord],
    counts: list[Count],
    entity_ids: dict[str, int],
    names: dict[str, str],
    *,
    new: bool = False,
) -> int:
    """Pilot classification and claims are derived data: replace the document's set (``new``:
    the document was inserted in this transaction, it has none yet)."""
    document.pilot_kind = classification.kind if classification.is_pilot else None
    document.programme = classification.programme
    document.programme_name = classification.programme_name if classification.is_pilot else None
    extra = dict(document.extra or {})
    if counts:
        extra["firm_counts"] = [
            {"number": c.number, "status": c.status, "evidence": c.evidence} for c in counts
        ]
    else:
        extra.pop("firm_counts", None)
    document.extra = extra
    previous = {}
    if not new:
        previous = {
            (c.entity_id, c.firm_name, c.status, c.evidence): c.created_at
            for c in session.scalars(select(Claim).where(Claim.document_id == document.id))
        }
        session.execute(delete(Claim).where(Claim.document_id == document.id))
    for c in claims:
        entity_id = entity_ids.get(c.entity) if c.entity else None
        firm_name = names.get(c.entity, c.firm) if c.entity else c.firm
        session.add(
            Claim(
                document_id=document.id,
                document_version=document.version,
                entity_id=entity_id,
                firm_name=firm_name[:300],
                firm_surface=c.surface[:300],
                programme=(c.programme_key or classification.programme or "")[:100] or None,
                programme_name=c.programme or classification.programme_name,
                status=c.status,
                evidence=c.evidence,
                stage=c.stage,
                cue=c.cue[:200],
                reported_at=document.published_at,
                extractor_version=CLAIMS_VERSION,
                # a claim found again keeps the time it was first stored (digests rely on it)
                created_at=previous.get((entity_id, firm_name, c.status, c.evidence))
                or datetime.now(UTC),
            )
        )
    return len(claims)
