"""Pilot programmes: the watch-list, and classifying a document as a pilot announcement.

A document is about a pilot when "pilot"/试点 stands in its title or at least twice in its text.
It is matched to a watch-list programme by alias or keywords; a pilot that matches nothing is
still surfaced, under its own title. The kind of announcement: new programme, expansion, list of
approvals, applications, or other pilot news.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data" / "programmes.toml"
KINDS = ("new_programme", "expansion", "approvals", "applications", "pilot_news")

_PILOT_EN = re.compile(r"\bpilot(?:s|ed|ing)?\b", re.I)
_PILOT_ZH = re.compile(r"试点")
_KIND_CUES = {
    "approvals": (
        re.compile(
            r"\b(?:approv(?:es|ed|al)|grant(?:s|ed)|licen[cs]es? (?:issued|granted)|"
            r"clear(?:s|ed)|first batch)\b",
            re.I,
        ),
        re.compile(r"获批|批复|批准|首批|许可"),
    ),
    "applications": (
        re.compile(
            r"\b(?:appl(?:y|ies|ied|ying|ications?)|applicants?|seek(?:s|ing)? approval|"
            r"line up)\b",
            re.I,
        ),
        re.compile(r"申请|递交|报名"),
    ),
    "expansion": (
        re.compile(
            r"\b(?:expand(?:s|ed|ing)?|extend(?:s|ed|ing)?|widen(?:s|ed|ing)?|"
            r"more (?:cities|regions|zones|areas)|additional (?:cities|zones))\b",
            re.I,
        ),
        re.compile(r"扩围|新增|扩展至|增加.{0,6}试点"),
    ),
    "new_programme": (
        re.compile(
            r"\b(?:launch(?:es|ed)?|announc(?:es|ed)|unveil(?:s|ed)|introduc(?:es|ed)|"
            r"open(?:s|ed)?|notice|roll(?:s|ed) out|lets?|allows?)\b",
            re.I,
        ),
        re.compile(r"通告|通知|启动|开展.{0,20}试点|印发|发布"),
    ),
}


@dataclass(frozen=True)
class Programme:
    key: str
    name: str
    name_zh: str | None
    aliases: tuple[str, ...]
    keywords: tuple[str, ...]
    min_keywords: int = 2
    zones: tuple[str, ...] = ()


@dataclass
class Classification:
    is_pilot: bool
    programme: str | None = None  # watch-list key; None for an unlisted pilot
    programme_name: str | None = None  # the watch-list name, or the document title if unlisted
    kind: str | None = None
    evidence: dict[str, Any] = field(default_factory=dict)


def load_programmes(extra: list[dict[str, Any]] | None = None) -> list[Programme]:
    """The shipped watch-list plus ``[[programmes]]`` entries from the config file."""
    entries = tomllib.loads(DATA.read_text(encoding="utf-8"))["programme"] + list(extra or [])
    out = []
    for e in entries:
        out.append(
            Programme(
                key=str(e["key"]),
                name=str(e["name"]),
                name_zh=e.get("name_zh"),
                aliases=tuple(e.get("aliases_en", []))
                + tuple(e.get("aliases_zh", []))
                + ((e["name"],) if e.get("name") else ())
                + ((e["name_zh"],) if e.get("name_zh") else ()),
                keywords=tuple(e.get("keywords_en", [])) + tuple(e.get("keywords_zh", [])),
                min_keywords=int(e.get("min_keywords", 2)),
                zones=tuple(e.get("zones", [])),
            )
        )
    return out


@lru_cache(maxsize=1)
def default_programmes() -> tuple[Programme, ...]:
    return tuple(load_programmes())


def _contains(text: str, term: str) -> bool:
    if re.search(r"[A-Za-z]", term):
        return re.search(rf"(?<![\w-]){re.escape(term)}(?![\w-])", text, re.I) is not None
    return term in text


def match_programme(
    text: str, programmes: tuple[Programme, ...] | list[Programme]
) -> Programme | None:
    best: tuple[int, Programme] | None = None
    for programme in programmes:
        if any(_contains(text, alias) for alias in programme.aliases):
            score = 100
        else:
            score = sum(1 for k in programme.keywords if _contains(text, k))
            if score < programme.min_keywords:
                continue
        if best is None or score > best[0]:
            best = (score, programme)
    return best[1] if best else None


def _kind(text: str) -> str | None:
    for candidate in ("approvals", "applications", "expansion", "new_programme"):
        en, zh = _KIND_CUES[candidate]
        if en.search(text) or zh.search(text):
            return candidate
    return None


def classify(
    title: str | None,
    text: str,
    programmes: tuple[Programme, ...] | list[Programme] | None = None,
) -> Classification:
    programmes = programmes if programmes is not None else default_programmes()
    title = title or ""
    pilot_hits = len(_PILOT_EN.findall(text)) + len(_PILOT_ZH.findall(text))
    in_title = bool(_PILOT_EN.search(title) or _PILOT_ZH.search(title))
    if not in_title and pilot_hits < 2:
        return Classification(False)
    programme = match_programme(f"{title}\n{text}", programmes)
    kind = _kind(title) or _kind(text[:400]) or "pilot_news"
    return Classification(
        True,
        programme=programme.key if programme else None,
        programme_name=programme.name if programme else (title.strip() or None),
        kind=kind,
        evidence={"pilot_mentions": pilot_hits, "pilot_in_title": in_title},
    )
