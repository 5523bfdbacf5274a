"""Any text -> claim records (``policywatch claims``, evaluation, processing): tag, find claims,
name each claim's programme and the firm's group. Pure: no network, no database."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from extract.claims import Claim, extract_claims
from extract.gazetteer import Gazetteer, load_gazetteer
from extract.programmes import Programme, classify, default_programmes, programme_at, unlisted_key
from extract.tagging import TaggedMention, get_tagger

CLAIM_FIELDS = [
    "firm",
    "firm_zh",
    "group",
    "status",
    "programme",
    "programme_key",
    "evidence",
    "stage",
    "cue",
]


@dataclass(frozen=True)
class ClaimRecord:
    firm: str  # canonical name, or the text's surface for a firm not in the alias file
    firm_zh: str | None
    group: str  # the ultimate parent's canonical name (the firm itself when it has none)
    status: str
    programme: str | None  # programme name (watch-list, or as the text names it)
    programme_key: str | None  # watch-list key, or "unlisted:<slug>"
    evidence: str
    stage: str
    cue: str
    entity: str | None  # gazetteer key
    surface: str = ""  # the name as the text writes it

    def as_dict(self) -> dict[str, Any]:
        return {f: getattr(self, f) for f in CLAIM_FIELDS}


def group_of(key: str | None, gazetteer: Gazetteer) -> str | None:
    """The ultimate parent's key (a firm's own key when it has no parent)."""
    seen = set()
    while key and key not in seen:
        seen.add(key)
        parent = gazetteer.entities[key].parent_key if key in gazetteer.entities else None
        if not parent:
            return key
        key = parent
    return key


def records(
    claims: list[Claim],
    text: str,
    document_programme: Programme | str | None = None,
    programmes: tuple[Programme, ...] | list[Programme] | None = None,
    gazetteer: Gazetteer | None = None,
) -> list[ClaimRecord]:
    gazetteer = gazetteer or load_gazetteer()
    programmes = programmes if programmes is not None else default_programmes()
    out = []
    for c in claims:
        programme, name = programme_at(
            text, c.evidence, document_programme, programmes, at=c.offset
        )
        record = gazetteer.entities.get(c.firm or "")
        group_key = group_of(c.firm, gazetteer) if c.firm else None
        group = gazetteer.entities[group_key].name if group_key else c.firm_surface
        out.append(
            ClaimRecord(
                firm=record.name if record else c.firm_surface,
                firm_zh=record.name_zh
                if record
                else (c.firm_surface if _is_cjk(c.firm_surface) else None),
                group=group,
                status=c.status,
                programme=name,
                programme_key=programme.key
                if programme
                else (unlisted_key(name) if name else None),
                evidence=c.evidence,
                stage=c.stage,
                cue=c.cue,
                entity=c.firm,
                surface=c.firm_surface,
            )
        )
    return out


def _is_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def claims_of_text(
    text: str,
    lang: str,
    title: str | None = None,
    programmes: tuple[Programme, ...] | list[Programme] | None = None,
    mentions: list[TaggedMention] | None = None,
) -> list[ClaimRecord]:
    """The claims of one text (a pasted report, a file): every claim, pilot word or not."""
    if mentions is None:
        mentions = get_tagger(lang).tag(text)
    programmes = programmes if programmes is not None else default_programmes()
    classification = classify(title, text, programmes)
    claims = extract_claims(mentions, lang, text=text)
    return records(claims, text, classification.programme, programmes)
