"""The daily digest: what was stored since the previous digest was delivered.

Contents: new pilot announcements grouped by programme, syndicated copies of one story shown as one
item listing all its sources; firms newly reported applying / approved / operating / withdrawn,
with the evidence sentence; source-health warnings. The period is (end of the last delivered
digest, now], never "the last 24 hours", so nothing is missed or repeated after downtime.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from rapidfuzz import fuzz
from sqlalchemy import select
from sqlalchemy.orm import Session

from extract.dates import BEIJING
from policywatch.config import Config
from storage.health import source_health
from storage.models import Claim, DigestRecord, Document, Entity, Mention, Source

SIMILAR_TEXT = 85  # rapidfuzz ratio (0-100) above which two same-language texts are one story
SHARED_ENTITIES = 0.5  # Jaccard of linked entities for versions of one story in two languages


@dataclass
class StorySource:
    source: str
    url: str
    title: str | None
    language: str


@dataclass
class Story:
    programme: str
    title: str
    published_at: str  # ISO, UTC
    kind: str | None
    sources: list[StorySource] = field(default_factory=list)


@dataclass
class ClaimItem:
    firm: str
    firm_zh: str | None
    status: str
    evidence: str
    url: str
    source: str
    date: str


@dataclass
class HealthItem:
    source: str
    status: str
    warning: str
    last_error: str


@dataclass
class Digest:
    start: datetime
    end: datetime
    announcements: list[Story]
    claims: list[ClaimItem]
    health: list[HealthItem]

    @property
    def empty(self) -> bool:
        return not self.announcements and not self.claims

    def as_json(self) -> dict[str, Any]:
        return {
            "period": {"start": self.start.isoformat(), "end": self.end.isoformat()},
            "announcements": [
                {
                    **{k: v for k, v in asdict(s).items() if k != "sources"},
                    "sources": [
                        {"source": x.source, "url": x.url, "title": x.title, "language": x.language}
                        for x in s.sources
                    ],
                }
                for s in self.announcements
            ],
            "claims": [asdict(c) for c in self.claims],
            "health": [asdict(h) for h in self.health],
        }

    def content_hash(self) -> str:
        """Hash of what the digest reports (not of its period): equal digests are re-sends."""
        payload = self.as_json()
        payload.pop("period")
        payload.pop("health")
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def last_delivered(session: Session) -> DigestRecord | None:
    return session.scalar(
        select(DigestRecord)
        .where(DigestRecord.status == "delivered")
        .order_by(DigestRecord.period_end.desc())
        .limit(1)
    )


def period_start(session: Session, config: Config, now: datetime) -> datetime:
    previous = last_delivered(session)
    if previous is not None:
        return previous.period_end
    return now - timedelta(days=config.digest.first_lookback_days)


class _Groups:
    """Union-find over document ids."""

    def __init__(self, ids: list[int]) -> None:
        self.parent = {i: i for i in ids}

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        self.parent[self.find(a)] = self.find(b)


def _same_story(a: Document, b: Document, ents: dict[int, set[int]]) -> bool:
    if (
        a.published_at
        and b.published_at
        and abs(a.published_at - b.published_at) > timedelta(days=3)
    ):
        return False
    if a.language == b.language:
        return fuzz.ratio(a.text[:3000], b.text[:3000]) >= SIMILAR_TEXT or (
            bool(a.title and b.title) and fuzz.ratio(a.title or "", b.title or "") >= 95
        )
    # versions in two languages of one notice: same programme and kind, shared entities
    if not a.programme or a.programme != b.programme or a.pilot_kind != b.pilot_kind:
        return False
    ea, eb = ents.get(a.id, set()), ents.get(b.id, set())
    if len(ea) < 2 or len(eb) < 2:
        return False
    return len(ea & eb) / len(ea | eb) >= SHARED_ENTITIES


def _stories(session: Session, start: datetime, end: datetime) -> list[Story]:
    rows = session.execute(
        select(Document, Source.name)
        .join(Source, Document.source_id == Source.id)
        .where(Document.pilot_kind.is_not(None))
        .where(Document.first_seen_at > start, Document.first_seen_at <= end)
        .order_by(Document.published_at, Document.id)
    ).all()
    docs = {d.id: (d, src) for d, src in rows}
    ents: dict[int, set[int]] = {}
    if docs:
        for doc_id, entity_id in session.execute(
            select(Mention.document_id, Mention.entity_id)
            .join(Entity, Mention.entity_id == Entity.id)
            .where(Mention.document_id.in_(list(docs)))
            .where(Entity.kind.in_(["company", "city", "province"]))
        ):
            ents.setdefault(doc_id, set()).add(entity_id)
    groups = _Groups(list(docs))
    ids = list(docs)
    for i, a in enumerate(ids):
        for b in ids[i + 1 :]:
            if _same_story(docs[a][0], docs[b][0], ents):
                groups.union(a, b)
    members: dict[int, list[int]] = {}
    for i in ids:
        members.setdefault(groups.find(i), []).append(i)
    stories = []
    for group in members.values():
        group.sort(key=lambda i: (docs[i][0].language != "en", docs[i][0].published_at or end))
        lead = docs[group[0]][0]
        stories.append(
            Story(
                programme=lead.programme_name or "Other pilot programmes",
                title=lead.title or lead.canonical_url,
                published_at=(lead.published_at or lead.first_seen_at).isoformat(),
                kind=lead.pilot_kind,
                sources=[
                    StorySource(
                        docs[i][1], docs[i][0].canonical_url, docs[i][0].title, docs[i][0].language
                    )
                    for i in sorted(group, key=lambda i: docs[i][0].published_at or end)
                ],
            )
        )
    stories.sort(key=lambda s: (s.programme, s.published_at))
    return stories


def _claims(session: Session, start: datetime, end: datetime) -> list[ClaimItem]:
    """Firms newly reported in the period: (firm, status) pairs first stored in it."""
    rows = session.execute(
        select(Claim, Document.canonical_url, Source.name, Entity)
        .join(Document, Claim.document_id == Document.id)
        .join(Source, Document.source_id == Source.id)
        .outerjoin(Entity, Claim.entity_id == Entity.id)
        .where(Claim.created_at <= end)
        .order_by(Claim.created_at, Claim.reported_at, Claim.id)
    ).all()
    seen_before: set[tuple[str, str]] = set()
    items: dict[tuple[str, str], ClaimItem] = {}
    for claim, url, source, entity in rows:
        key = (f"e{claim.entity_id}" if claim.entity_id else claim.firm_name.lower(), claim.status)
        if claim.created_at <= start:
            seen_before.add(key)
            continue
        if key in seen_before or key in items:
            continue
        reported = claim.reported_at or claim.created_at
        items[key] = ClaimItem(
            firm=entity.name if entity else claim.firm_name,
            firm_zh=entity.name_zh if entity else None,
            status=claim.status,
            evidence=claim.evidence,
            url=url,
            source=source,
            date=reported.astimezone(BEIJING).date().isoformat(),
        )
    order = {"approved": 0, "operating": 1, "applied": 2, "withdrawn": 3}
    return sorted(items.values(), key=lambda c: (order[c.status], c.firm))


def build_digest(session: Session, config: Config, start: datetime, end: datetime) -> Digest:
    health = [
        HealthItem(r["source"], r["status"], r["warning"], r["last_error"])
        for r in source_health(session, config)
        if r["warning"]
    ]
    return Digest(start, end, _stories(session, start, end), _claims(session, start, end), health)
