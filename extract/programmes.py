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


@lru_cache(maxsize=4096)
def _term_re(term: str) -> re.Pattern[str]:
    # Latin terms stand between non-Latin neighbours: "获批QFLP试点" names QFLP
    return re.compile(rf"(?<![A-Za-z0-9-]){re.escape(term)}(?![A-Za-z0-9-])", re.I)


@lru_cache(maxsize=4096)
def _is_latin(term: str) -> bool:
    return re.search(r"[A-Za-z]", term) is not None


def _contains(text: str, term: str, folded: str | None = None) -> bool:
    """``term`` occurs in ``text`` (Latin terms as words, any case); ``folded`` is
    ``text.casefold()`` when the caller has it: a term absent from it needs no regex."""
    if _is_latin(term):
        if folded is not None and term.casefold() not in folded:
            return False
        return _term_re(term).search(text) is not None
    return term in text


@lru_cache(maxsize=8)
def _fold(text: str) -> str:
    """Simplified characters, same length (cached: every claim of a document folds its text)."""
    from extract.tagging import fold_traditional

    return fold_traditional(text) if re.search(r"[\u4e00-\u9fff]", text) else text


def match_programme(
    text: str, programmes: tuple[Programme, ...] | list[Programme]
) -> Programme | None:
    text = _fold(text)
    folded = text.casefold()
    best: tuple[int, Programme] | None = None
    for programme in programmes:
        if any(_contains(text, alias, folded) for alias in programme.aliases):
            score = 100
        else:
            score = sum(1 for k in programme.keywords if _contains(text, k, folded))
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


_UNLISTED_EN = re.compile(
    r"\bpilot(?:s)?(?:\s+(?:programmes?|programs?|projects?|schemes?|zones?|cities|city))?"
    r"(?:\s+(?:for|on|of)\s+(?:[A-Za-z][\w-]*\s+){0,4}[A-Za-z][\w-]*)?",
    re.I,
)
_BEFORE_PILOT = re.compile(r"((?:[A-Za-z][\w'’-]*\s+){0,4})$")
_STOP_BEFORE = re.compile(
    r"^.*\b(?:the|a|an|its|their|this|that|joined|join|applied|apply|for|to|in|into|under|of|"
    r"and|selected|approved|named|among|first|batch|with)\s+",
    re.I,
)
_UNLISTED_ZH = re.compile(r"([\u4e00-\u9fff“”、]{2,30}?试点(?:工作|城市|项目)?)")
_LEAD_ZH = re.compile(
    r"^(?:[^，。；]*?(?:开展|参与|加入|入选|申请|获批|纳入|列入|启动|首批|的|了|在|于|为|和|与|及))+"
)


def unlisted_name(text: str) -> str | None:
    """The name a text gives an unlisted pilot ("the pilot program for X", "XX试点")."""
    zh = _UNLISTED_ZH.search(text)
    if zh:
        name = _LEAD_ZH.sub("", zh.group(1)).strip("“”、")
        if len(name) >= 4:
            return name
    for m in _UNLISTED_EN.finditer(text):
        lead = _BEFORE_PILOT.search(text[: m.start()])
        before = _STOP_BEFORE.sub("", lead.group(1) if lead else "")
        name = (before + m.group(0)).strip()
        if len(name.split()) >= 2:
            return name
    return None


def unlisted_key(name: str) -> str:
    """One key for an unlisted programme however a text words it (case, articles, spacing)."""
    words = re.findall(r"[a-z0-9]+|[\u4e00-\u9fff]+", _fold(name).lower())
    stop = {"the", "a", "an", "of", "for", "on", "in", "program", "programme", "scheme", "project"}
    return "unlisted:" + "-".join(w for w in words if w not in stop)[:80]


def programme_at(
    text: str,
    evidence: str,
    default: Programme | str | None = None,
    programmes: tuple[Programme, ...] | list[Programme] | None = None,
    at: int | None = None,
) -> tuple[Programme | None, str | None]:
    """The programme a claim is about: the one its evidence sentence names, else the nearest one
    named before it in the text, else the document's (``default``); an unlisted pilot is named
    from the text. Returns (watch-list programme or None, name)."""
    programmes = programmes if programmes is not None else default_programmes()
    found = match_programme(evidence, programmes)
    if found:
        return found, found.name
    at = at if at is not None and at >= 0 else text.find(evidence)
    before = _fold(text)[:at] if at > 0 else ""  # folding keeps offsets
    best: tuple[int, Programme] | None = None
    for programme in programmes:  # the alias named last before the evidence wins
        for alias in programme.aliases:
            pos = _last_pos(before, alias)
            if pos >= 0 and (best is None or pos > best[0]):
                best = (pos, programme)
    if best:
        return best[1], best[1].name
    if isinstance(default, str):
        default = next((p for p in programmes if p.key == default), None)
    if isinstance(default, Programme):
        return default, default.name
    name = unlisted_name(evidence) or unlisted_name(text[: max(at, 0) + len(evidence)] or text)
    return None, name


def _last_pos(text: str, term: str) -> int:
    if re.search(r"[A-Za-z]", term):
        matches = list(_term_re(term).finditer(text))
        return matches[-1].start() if matches else -1
    return text.rfind(term)
