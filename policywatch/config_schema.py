"""The config file's schema (pydantic): every table, key and type the file may hold.

The whole file is validated before anything uses it. Unknown tables and keys are errors (with the
nearest known key), and values are checked strictly: a string is never taken for a number or a
list (``sections = "business/tech"`` would otherwise be read letter by letter).
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from policywatch.errors import ConfigError

Seconds = float


def _url(value: str) -> str:
    if not value.startswith(("https://", "http://")) or " " in value.strip():
        raise ValueError("must be a full http(s) URL such as 'https://www.chinadaily.com.cn/...'")
    return value.strip()


def _path(value: str) -> str:
    if "://" in value or value.startswith("//") or not value.strip("/ "):
        raise ValueError("must be a path on the site such as 'business/tech', not a URL")
    return value.strip()


Url = Annotated[str, AfterValidator(_url)]
SitePath = Annotated[str, AfterValidator(_path)]


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class DatabaseTable(_Table):
    url: str | None = None


class CrawlTable(_Table):
    contact: str | None = None
    user_agent: str | None = None
    download_delay: Seconds | None = Field(default=None, ge=0)
    download_timeout: Seconds | None = Field(default=None, gt=0)
    retry_times: int | None = Field(default=None, ge=0)
    retry_backoff_base: Seconds | None = Field(default=None, ge=0)
    retry_backoff_max: Seconds | None = Field(default=None, ge=0)
    obey_robots_txt: bool | None = None
    autothrottle: bool | None = None
    block_cooldown: Seconds | None = Field(default=None, ge=0)
    block_cooldown_max: Seconds | None = Field(default=None, ge=0)
    block_retries: int | None = Field(default=None, ge=0)
    max_consecutive_blocks: int | None = Field(default=None, ge=1)
    # a table {"real.host" = "127.0.0.1:PORT"} or the string form of POLICYWATCH_HOST_MAP;
    # checked entry by entry in config.normalise_host_map
    host_map: Any = None


class _SourceTable(_Table):
    download_delay: Seconds | None = Field(default=None, ge=0)
    expected_period_hours: float | None = Field(default=None, gt=0)
    user_agent: str | None = None


class ChinaDailyTable(_SourceTable):
    feeds: list[Url] | None = None
    sections: list[SitePath] | None = None
    max_list_pages: int | None = Field(default=None, ge=1)


class XinhuaTable(_SourceTable):
    hubs: list[Url] | None = None


class MiitTable(_SourceTable):
    columns: list[SitePath] | None = None
    max_list_pages: int | None = Field(default=None, ge=1)
    search_cateid: str | None = None


class SourcesTable(_Table):
    chinadaily: ChinaDailyTable | None = None
    xinhua: XinhuaTable | None = None
    miit: MiitTable | None = None


class SourceScheduleTable(_Table):
    every_minutes: float | None = Field(default=None, gt=0)
    cron: str | None = None
    enabled: bool = True


class ScheduleSourcesTable(_Table):
    chinadaily: SourceScheduleTable | None = None
    xinhua: SourceScheduleTable | None = None
    miit: SourceScheduleTable | None = None


class ScheduleTable(_Table):
    timezone: str | None = None
    crawl_timeout_minutes: float | None = Field(default=None, gt=0)
    sources: ScheduleSourcesTable | None = None


class DigestTable(_Table):
    time: str | None = None
    timezone: str | None = None
    notify: list[str] | None = None
    format: Literal["html", "markdown", "text"] | None = None
    title: str | None = None
    skip_empty: bool | None = None
    retries: int | None = Field(default=None, ge=0)
    retry_delay_seconds: float | None = Field(default=None, ge=0)
    first_lookback_days: int | None = Field(default=None, ge=0)


class ProgrammeEntry(_Table):
    key: str = Field(min_length=1)
    name: str = Field(min_length=1)
    name_zh: str | None = None
    aliases_en: list[str] = []
    aliases_zh: list[str] = []
    keywords_en: list[str] = []
    keywords_zh: list[str] = []
    min_keywords: int = Field(default=2, ge=0)
    zones: list[str] = []


class ConfigFile(_Table):
    data_dir: str | None = Field(default=None, min_length=1)
    database: DatabaseTable = DatabaseTable()
    crawl: CrawlTable = CrawlTable()
    sources: SourcesTable = SourcesTable()
    programmes: list[ProgrammeEntry] = []
    schedule: ScheduleTable = ScheduleTable()
    digest: DigestTable = DigestTable()


# -- error messages ---------------------------------------------------------------------------
_EXPECTED = {
    "string_type": "a string in quotes",
    "int_type": "a whole number",
    "float_type": "a number",
    "bool_type": "true or false",
    "list_type": 'a list such as ["a", "b"]',
    "dict_type": "a table",
    "model_type": "a table",
    "model_attributes_type": "a table",
    "literal_error": None,  # pydantic's message names the choices
}


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The pydantic model that holds the table at ``loc`` (for known-key suggestions)."""
    model: Any = ConfigFile
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part) if model else None
        if field is None:
            return None
        model = _table_type(field.annotation)
    return model


def _table_type(annotation: Any) -> type[BaseModel] | None:
    """The table model in an annotation such as ``X | None`` or ``list[X]``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _table_type(arg)
        if found:
            return found
    return None


def _dotted(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _where(loc: tuple[Any, ...]) -> str:
    """'key' at the top level, '[table] key' inside a table (as the user wrote it)."""
    if len(loc) >= 2 and loc[0] == "programmes" and isinstance(loc[1], int):
        return f"[[programmes]] entry {loc[1] + 1}" + (f" {_dotted(loc[2:])}" if loc[2:] else "")
    last = max(i for i, part in enumerate(loc) if not isinstance(part, int))
    table, key = loc[:last], str(loc[last]) + "".join(f"[{i}]" for i in loc[last + 1 :])
    if not table:
        return key
    return f"[{_dotted(table)}] {key}"


def explain(error: ValidationError, path: Path | None) -> ConfigError:
    """One sentence for the first problem: the file, the key, and the fix."""
    first = error.errors()[0]
    loc = tuple(first["loc"])
    where = f"In {path}" if path else "In the configuration"
    if first["type"] == "extra_forbidden":
        table, key = loc[:-1], str(loc[-1])
        model = _model_at(table)
        known = sorted(model.model_fields) if model else []
        is_table = isinstance(first.get("input"), dict)
        shown = f"[{_dotted(loc)}]" if is_table else _where(loc)
        nearest = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
        if nearest:
            suggestion = f"[{_dotted((*table, nearest[0]))}]" if is_table else nearest[0]
            hint = f"did you mean {suggestion}?"
        else:
            hint = f"known: {', '.join(known)}."
        what = "table" if is_table else "key"
        return ConfigError(f"{where}: unknown {what} {shown}; {hint}")
    expected = _EXPECTED.get(first["type"], "")
    value = first.get("input")
    if expected:
        return ConfigError(
            f"{where}: {_where(loc)} must be {expected}, not {value!r}; fix that value."
        )
    message = str(first["msg"]).removeprefix("Value error, ")
    message = message[0].lower() + message[1:]
    if first["type"] == "missing":
        return ConfigError(f"{where}: {_where(loc)} is missing; add it (see README).")
    return ConfigError(f"{where}: {_where(loc)} = {value!r}: {message}; fix that value.")


def validate(raw: dict[str, Any], path: Path | None) -> ConfigFile:
    try:
        return ConfigFile.model_validate(raw)
    except ValidationError as exc:
        raise explain(exc, path) from None
