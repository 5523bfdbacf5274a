"""Render a digest as HTML (safe for e-mail clients: inline styles, everything escaped),
Markdown, plain text or JSON."""

from __future__ import annotations

import json
import re
from datetime import datetime
from itertools import groupby
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, select_autoescape

from schedules.digest import Digest, StorySource

FORMATS = ("markdown", "html", "text", "json")
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~])")

_env = Environment(
    loader=PackageLoader("schedules", "templates"),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


def _day(iso: str, tz: ZoneInfo) -> str:
    return datetime.fromisoformat(iso).astimezone(tz).date().isoformat()


def _md(value: object) -> str:
    return _MD_SPECIAL.sub(r"\\\1", str(value))


def _source_label(s: StorySource) -> str:
    return s.source if s.language == "en" else f"{s.source} ({s.language})"


def render(digest: Digest, fmt: str, *, title: str, timezone: str = "Asia/Shanghai") -> str:
    if fmt == "json":
        return json.dumps(digest.as_json(), ensure_ascii=False, indent=2) + "\n"
    if fmt not in FORMATS:
        raise ValueError(f"unknown digest format {fmt!r}; use one of {', '.join(FORMATS)}")
    tz = ZoneInfo(timezone)
    start, end = digest.start.astimezone(tz), digest.end.astimezone(tz)
    period = f"{start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} ({timezone})"
    programmes = [
        (name, list(group))
        for name, group in groupby(digest.announcements, key=lambda s: s.programme)
    ]
    if fmt == "html":
        stories = [
            (name, [dict(vars(s), day=_day(s.published_at, tz)) for s in group])
            for name, group in programmes
        ]
        return _env.get_template("digest.html").render(
            digest=digest, programmes=stories, title=title, period=period
        )
    md = fmt == "markdown"
    esc = _md if md else str
    out = [f"# {esc(title)}" if md else title, "", period, ""]
    if digest.empty:
        out += ["No new pilot announcements or firm claims in this period.", ""]
    for name, stories in programmes:
        out += [f"## {esc(name)}" if md else f"== {name} ==", ""]
        for story in stories:
            head = f"{esc(story.title)}" + (
                f" ({_day(story.published_at, tz)}" + (f", {story.kind})" if story.kind else ")")
            )
            out.append(f"- **{head}**" if md else f"* {head}")
            if md:
                links = " · ".join(f"[{_source_label(x)}](<{x.url}>)" for x in story.sources)
                out.append(f"  {links}")
            else:
                out += [f"    {_source_label(x)}: {x.url}" for x in story.sources]
        out.append("")
    if digest.claims:
        out += ["## Firms newly reported" if md else "== Firms newly reported ==", ""]
        for c in digest.claims:
            name = c.firm + (f" {c.firm_zh}" if c.firm_zh else "")
            if md:
                out.append(f"- **{esc(name)}**: {c.status} ({c.date}, [{c.source}](<{c.url}>))")
                out.append(f"  > {esc(c.evidence)}")
            else:
                out += [
                    f"* {name}: {c.status} ({c.date}, {c.source})",
                    f'    "{c.evidence}"',
                    f"    {c.url}",
                ]
        out.append("")
    if digest.health:
        out += ["## Source health" if md else "== Source health ==", ""]
        for h in digest.health:
            detail = f" ({h.last_error})" if h.last_error else ""
            out.append(
                f"- {h.source}: {esc(h.warning)}{esc(detail)}"
                if md
                else f"* {h.source}: {h.warning}{detail}"
            )
        out.append("")
    return "\n".join(out)
