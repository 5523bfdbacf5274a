"""Who applied: one row per firm from its claims, with the evidence for every claim."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased

from extract.claims import STATUS_RANK
from extract.dates import BEIJING
from extract.programmes import load_programmes
from storage.models import Claim, Document, Entity, Source
from storage.queries import since_utc

FIRM_COLUMNS = [
    "firm",
    "firm_zh",
    "parent",
    "status",
    "first_reported",
    "last_reported",
    "sources",
    "reports",
    "programmes",
    "latest_evidence",
    "latest_url",
]


@dataclass
class FirmFilter:
    programme: str | None = None
    status: str | None = None  # the firm's latest status
    since: date | None = None


def _day(value: datetime | None) -> str:
    return value.astimezone(BEIJING).date().isoformat() if value else ""


def programme_keys(name: str, extra: list[dict[str, Any]] | None = None) -> list[str]:
    """Watch-list keys whose key, name or aliases contain ``name`` (case-insensitive)."""
    needle = name.lower()
    keys = []
    for p in load_programmes(extra):
        if any(needle in term.lower() for term in (p.key, p.name, p.name_zh or "", *p.aliases)):
            keys.append(p.key)
    return keys


def firm_rows(
    session: Session, f: FirmFilter, extra_programmes: list[dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    parent = aliased(Entity)
    q = (
        select(Claim, Document.canonical_url, Source.name, Entity, parent.name)
        .join(Document, Claim.document_id == Document.id)
        .join(Source, Document.source_id == Source.id)
        .outerjoin(Entity, Claim.entity_id == Entity.id)
        .outerjoin(parent, Entity.parent_id == parent.id)
    )
    if f.programme:
        keys = programme_keys(f.programme, extra_programmes)
        like = f"%{f.programme.lower()}%"
        q = q.where(or_(Claim.programme.in_(keys), func.lower(Claim.programme_name).like(like)))
    if f.since:
        q = q.where(Claim.reported_at >= since_utc(f.since))
    groups: dict[str, dict[str, Any]] = {}
    for claim, url, source, entity, parent_name in session.execute(q):
        key = f"entity:{entity.id}" if entity else f"name:{claim.firm_name.lower()}"
        row = groups.setdefault(
            key,
            {
                "firm": entity.name if entity else claim.firm_name,
                "firm_zh": entity.name_zh if entity else None,
                "parent": parent_name,
                "_claims": [],
            },
        )
        row["_claims"].append((claim, url, source))
    rows = []
    for row in groups.values():
        claims = sorted(
            row.pop("_claims"),
            key=lambda c: (
                c[0].reported_at or datetime.min.replace(tzinfo=BEIJING),
                STATUS_RANK[c[0].status],
                c[0].id,
            ),
        )
        latest = claims[-1][0]
        dated = [c[0].reported_at for c in claims if c[0].reported_at]
        row.update(
            status=latest.status,
            first_reported=_day(min(dated)) if dated else "",
            last_reported=_day(max(dated)) if dated else "",
            sources=len({source for _c, _u, source in claims}),
            reports=len({url for _c, url, _s in claims}),
            programmes=sorted({c.programme_name or "" for c, _u, _s in claims} - {""}),
            latest_evidence=latest.evidence,
            latest_url=claims[-1][1],
            claims=[
                {
                    "status": c.status,
                    "date": _day(c.reported_at),
                    "evidence": c.evidence,
                    "url": url,
                    "source": source,
                    "programme": c.programme_name,
                }
                for c, url, source in claims
            ],
        )
        if f.status is None or row["status"] == f.status:
            rows.append(row)
    rows.sort(key=lambda r: (r["last_reported"], r["firm"]), reverse=True)
    return rows
