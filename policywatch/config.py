"""Configuration: one TOML file, overridable by environment variables.

Lookup order for the file: ``--config`` option, ``$POLICYWATCH_CONFIG``, ``./policywatch.toml``,
then ``<user config dir>/policywatch/policywatch.toml``. Every key is optional.

Environment overrides: ``POLICYWATCH_DATABASE_URL``, ``POLICYWATCH_HOST_MAP``,
``POLICYWATCH_HOME`` (data directory), ``POLICYWATCH_CONTACT``.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import platformdirs
from apscheduler.triggers.cron import CronTrigger

from policywatch import __version__
from policywatch.errors import ConfigError

DEFAULT_CONTACT = "https://github.com/policywatch/policywatch"

BROWSER_UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    f"Chrome/131.0 Safari/537.36 policywatch/{__version__}"
)

DEFAULT_SOURCES: dict[str, dict[str, Any]] = {
    "chinadaily": {
        "feeds": [
            "https://www.chinadaily.com.cn/rss/china_rss.xml",
            "https://www.chinadaily.com.cn/rss/bizchina_rss.xml",
            "https://www.chinadaily.com.cn/rss/world_rss.xml",
        ],
        "sections": [
            "business/tech",
            "business/economy",
            "china/governmentandpolicy",
            "business/biz_industries",
            "business/companies",
        ],
        # listing pages read per section on each run (page 1, page_2.html, ...)
        "max_list_pages": 3,
        # seconds between two requests to one host (Scrapy randomises 0.5x-1.5x)
        "download_delay": 4.0,
        # warn in `policywatch sources` when nothing new arrived for this many hours
        "expected_period_hours": 24,
    },
    "xinhua": {
        # hub pages: their datasource:<id> blocks point to ds_<id>.json lists; without ids the
        # hub's own article links are used
        "hubs": [
            "https://english.news.cn/",
            "https://english.news.cn/list/latestnews.htm",
            "https://english.news.cn/list/china-business.htm",
            "https://english.news.cn/list/china-science.htm",
            "https://english.news.cn/list/china-politics.htm",
            "https://www.news.cn/tech/",
            "https://www.news.cn/fortune/",
            "https://www.news.cn/politics/",
        ],
        "download_delay": 5.0,
        "expected_period_hours": 24,
    },
    "miit": {
        # column paths; each column page's unitbuild.js queryData is read on every run
        "columns": [
            "zwgk/zcwj/wjfb/tg",  # 通告
            "zwgk/zcwj/wjfb/tz",  # 通知
            "zwgk/zcwj/wjfb/gg",  # 公告
            "zwgk/zcjd",  # 政策解读
            "xwfb/zxzc",  # 最新政策
        ],
        "max_list_pages": 3,
        "search_cateid": "57",
        # the site's WAF refuses non-browser clients: a browser-class User-Agent that still
        # names the tool (set your own here if it is refused)
        "user_agent": BROWSER_UA,
        "download_delay": 5.0,
        "expected_period_hours": 72,
    },
}


@dataclass
class CrawlSettings:
    contact: str = DEFAULT_CONTACT
    user_agent: str | None = None  # full override; default names the tool and the contact
    download_delay: float = 2.0
    download_timeout: float = 30.0
    retry_times: int = 3
    retry_backoff_base: float = 5.0
    retry_backoff_max: float = 120.0
    obey_robots_txt: bool = True
    autothrottle: bool = True
    host_map: dict[str, str] = field(default_factory=dict)
    # a block answer (403, 429, challenge page) pauses the host for block_cooldown seconds,
    # doubled on each further block in a row (capped by block_cooldown_max; a longer
    # Retry-After wins); the URL is tried again block_retries times after the pause, then
    # parked (retried on the next run); the source stops after max_consecutive_blocks in a row
    block_cooldown: float = 120.0
    block_cooldown_max: float = 1800.0
    block_retries: int = 1
    max_consecutive_blocks: int = 4

    @property
    def effective_user_agent(self) -> str:
        if self.user_agent:
            return self.user_agent
        return f"policywatch/{__version__} (+{self.contact})"


DEFAULT_SCHEDULES: dict[str, dict[str, Any]] = {
    "chinadaily": {"every_minutes": 120},
    "xinhua": {"every_minutes": 120},
    "miit": {"cron": "20 7,12,17,22 * * *"},
}


@dataclass
class ScheduleSettings:
    timezone: str = "Asia/Shanghai"
    # per source: {"every_minutes": N} or {"cron": "m h dom mon dow"}, in `timezone`
    sources: dict[str, dict[str, Any]] = field(
        default_factory=lambda: {k: dict(v) for k, v in DEFAULT_SCHEDULES.items()}
    )
    crawl_timeout_minutes: float = 60.0


@dataclass
class DigestSettings:
    time: str = "08:00"  # daily, in `timezone`
    timezone: str = "Asia/Shanghai"
    notify: list[str] = field(default_factory=list)  # Apprise URLs (and file:///path)
    format: str = "html"  # body sent: html | markdown | text
    title: str = "policywatch digest"
    skip_empty: bool = False
    retries: int = 3
    retry_delay_seconds: float = 30.0
    first_lookback_days: int = 7

    @property
    def hour_minute(self) -> tuple[int, int]:
        hour, _, minute = self.time.partition(":")
        return int(hour), int(minute or 0)


@dataclass
class Config:
    path: Path | None
    data_dir: Path
    database_url: str
    crawl: CrawlSettings
    sources: dict[str, dict[str, Any]]
    programmes: list[dict[str, Any]] = field(default_factory=list)  # added to the watch-list
    schedule: ScheduleSettings = field(default_factory=ScheduleSettings)
    digest: DigestSettings = field(default_factory=DigestSettings)

    def source(self, name: str) -> dict[str, Any]:
        try:
            return self.sources[name]
        except KeyError:
            known = ", ".join(sorted(self.sources))
            raise ConfigError(f"Unknown source {name!r}; known sources: {known}.") from None


def parse_host_map(text: str, origin: str) -> dict[str, str]:
    """Parse ``real.host=127.0.0.1:8081,other.host=127.0.0.1:8082``."""
    mapping: dict[str, str] = {}
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        host, sep, target = part.partition("=")
        host, target = host.strip().lower(), target.strip()
        if not sep or not host or not target or "/" in host:
            raise ConfigError(
                f"Bad host map entry {part!r} in {origin}: write it as "
                "'real.host=127.0.0.1:PORT', entries separated by commas."
            )
        mapping[host] = target
    return mapping


def _find_config_file(explicit: str | os.PathLike[str] | None) -> Path | None:
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(
                f"Config file {path} does not exist: fix the --config path or create the file."
            )
        return path
    env = os.environ.get("POLICYWATCH_CONFIG")
    if env:
        path = Path(env)
        if not path.is_file():
            raise ConfigError(
                f"POLICYWATCH_CONFIG points to {path}, which does not exist: "
                "fix the variable or unset it."
            )
        return path
    for candidate in (
        Path.cwd() / "policywatch.toml",
        platformdirs.user_config_path("policywatch") / "policywatch.toml",
    ):
        if candidate.is_file():
            return candidate
    return None


def _expect(table: Any, name: str, path: Path | None, kind: type | tuple[type, ...]) -> Any:
    if not isinstance(table, kind):
        expected = (
            kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        )
        raise ConfigError(
            f"In {path}: '{name}' must be a {expected}, not {type(table).__name__}; "
            "fix that key (see README, Configuration)."
        )
    return table


def load_config(explicit_path: str | os.PathLike[str] | None = None) -> Config:
    path = _find_config_file(explicit_path)
    raw: dict[str, Any] = {}
    if path is not None:
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(
                f"Config file {path} is not valid TOML ({exc}): fix the syntax at that place."
            ) from None
        except UnicodeDecodeError:
            raise ConfigError(f"Config file {path} is not UTF-8 text: save it as UTF-8.") from None

    data_dir = Path(
        os.environ.get("POLICYWATCH_HOME")
        or raw.get("data_dir")
        or platformdirs.user_data_path("policywatch")
    ).expanduser()

    db_table = _expect(raw.get("database", {}), "database", path, dict)
    database_url = (
        os.environ.get("POLICYWATCH_DATABASE_URL")
        or db_table.get("url")
        or f"sqlite:///{data_dir / 'policywatch.db'}"
    )
    _expect(database_url, "database.url", path, str)

    crawl_raw = dict(_expect(raw.get("crawl", {}), "crawl", path, dict))
    host_map_raw = crawl_raw.pop("host_map", {})
    crawl = CrawlSettings()
    for key, value in crawl_raw.items():
        if not hasattr(crawl, key):
            known = ", ".join(k for k in CrawlSettings.__dataclass_fields__ if k != "host_map")
            raise ConfigError(f"In {path}: unknown key crawl.{key}; known keys: {known}, host_map.")
        default = getattr(crawl, key)
        if default is not None and not isinstance(value, type(default)):
            if isinstance(default, float) and isinstance(value, int):
                value = float(value)
            else:
                raise ConfigError(
                    f"In {path}: crawl.{key} must be a {type(default).__name__}, "
                    f"not {value!r}; fix that value."
                )
        setattr(crawl, key, value)
    if isinstance(host_map_raw, str):
        crawl.host_map = parse_host_map(host_map_raw, f"{path} (crawl.host_map)")
    else:
        _expect(host_map_raw, "crawl.host_map", path, dict)
        crawl.host_map = {str(k).lower(): str(v) for k, v in host_map_raw.items()}
    env_map = os.environ.get("POLICYWATCH_HOST_MAP")
    if env_map:
        crawl.host_map.update(parse_host_map(env_map, "POLICYWATCH_HOST_MAP"))
    if os.environ.get("POLICYWATCH_CONTACT"):
        crawl.contact = os.environ["POLICYWATCH_CONTACT"]
    if crawl.download_delay < 1.0 and not os.environ.get("POLICYWATCH_ALLOW_FAST_CRAWL"):
        raise ConfigError(
            f"crawl.download_delay = {crawl.download_delay} is below the 1 second minimum "
            "between requests to a host: raise it (tests against a local mirror set "
            "POLICYWATCH_ALLOW_FAST_CRAWL=1)."
        )

    if crawl.block_cooldown < 30.0 and not os.environ.get("POLICYWATCH_ALLOW_FAST_CRAWL"):
        raise ConfigError(
            f"crawl.block_cooldown = {crawl.block_cooldown} is below the 30 second minimum pause "
            "after a block: raise it (tests against a local mirror set "
            "POLICYWATCH_ALLOW_FAST_CRAWL=1)."
        )
    if crawl.max_consecutive_blocks < 1 or crawl.block_retries < 0:
        raise ConfigError(
            f"In {path}: crawl.max_consecutive_blocks must be >= 1 and crawl.block_retries >= 0; "
            "fix those values."
        )

    sources = {name: dict(values) for name, values in DEFAULT_SOURCES.items()}
    fast_ok = bool(os.environ.get("POLICYWATCH_ALLOW_FAST_CRAWL"))
    for name, table in _expect(raw.get("sources", {}), "sources", path, dict).items():
        _expect(table, f"sources.{name}", path, dict)
        if name not in sources:
            raise ConfigError(
                f"In {path}: unknown source [sources.{name}]; known: {', '.join(sources)}."
            )
        for key, value in table.items():
            if key not in sources[name]:
                raise ConfigError(
                    f"In {path}: unknown key sources.{name}.{key}; "
                    f"known keys: {', '.join(sources[name])}."
                )
            sources[name][key] = value
        delay = sources[name].get("download_delay", 1.0)
        if not isinstance(delay, (int, float)) or (delay < 1.0 and not fast_ok):
            raise ConfigError(
                f"In {path}: sources.{name}.download_delay = {delay!r} must be a number of "
                "seconds >= 1 (tests against a local mirror set POLICYWATCH_ALLOW_FAST_CRAWL=1)."
            )

    programmes = _expect(raw.get("programmes", []), "programmes", path, list)
    for i, entry in enumerate(programmes):
        _expect(entry, f"programmes[{i}]", path, dict)
        missing = [k for k in ("key", "name") if not entry.get(k)]
        if missing:
            raise ConfigError(
                f"In {path}: [[programmes]] entry {i + 1} lacks {', '.join(missing)}; "
                "give each programme a key and a name (see README, Programmes)."
            )
        for list_key in ("aliases_en", "aliases_zh", "keywords_en", "keywords_zh"):
            _expect(entry.get(list_key, []), f"programmes[{i}].{list_key}", path, list)

    return Config(
        path=path,
        data_dir=data_dir,
        database_url=database_url,
        crawl=crawl,
        sources=sources,
        programmes=programmes,
        schedule=_schedule(raw.get("schedule", {}), path),
        digest=_digest(raw.get("digest", {}), path),
    )


def _timezone(name: Any, key: str, path: Path | None) -> str:
    try:
        ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"In {path}: {key} = {name!r} is not a time zone; use a name such as "
            "'Asia/Shanghai' or 'Europe/Berlin'."
        ) from None
    return str(name)


def _schedule(table: Any, path: Path | None) -> ScheduleSettings:
    table = dict(_expect(table, "schedule", path, dict))
    settings = ScheduleSettings()
    settings.timezone = _timezone(
        table.pop("timezone", settings.timezone), "schedule.timezone", path
    )
    if "crawl_timeout_minutes" in table:
        settings.crawl_timeout_minutes = float(table.pop("crawl_timeout_minutes"))
    for name, spec in _expect(table.pop("sources", {}), "schedule.sources", path, dict).items():
        if name not in DEFAULT_SOURCES:
            raise ConfigError(
                f"In {path}: unknown source [schedule.sources.{name}]; known: "
                f"{', '.join(DEFAULT_SOURCES)}."
            )
        spec = dict(_expect(spec, f"schedule.sources.{name}", path, dict))
        if spec.get("enabled", True) is False:
            settings.sources.pop(name, None)
            continue
        if "cron" in spec:
            try:
                CronTrigger.from_crontab(str(spec["cron"]), timezone=settings.timezone)
            except ValueError as exc:
                raise ConfigError(
                    f"In {path}: schedule.sources.{name}.cron = {spec['cron']!r} "
                    f"is not a crontab expression ({exc}); write e.g. "
                    "'20 7,12,17 * * *'."
                ) from None
        elif not isinstance(spec.get("every_minutes"), int | float) or spec["every_minutes"] < (
            0.01 if os.environ.get("POLICYWATCH_ALLOW_FAST_CRAWL") else 5
        ):
            raise ConfigError(
                f'In {path}: [schedule.sources.{name}] needs cron = "m h * * *" '
                "or every_minutes = N (N >= 5)."
            )
        settings.sources[name] = spec
    if table:
        raise ConfigError(
            f"In {path}: unknown key schedule.{next(iter(table))}; known keys: "
            "timezone, crawl_timeout_minutes, sources."
        )
    return settings


def _digest(table: Any, path: Path | None) -> DigestSettings:
    table = dict(_expect(table, "digest", path, dict))
    settings = DigestSettings()
    for key, value in table.items():
        if not hasattr(settings, key) or key == "hour_minute":
            known = ", ".join(DigestSettings.__dataclass_fields__)
            raise ConfigError(f"In {path}: unknown key digest.{key}; known keys: {known}.")
        default = getattr(settings, key)
        if isinstance(default, float) and isinstance(value, int):
            value = float(value)
        if not isinstance(value, type(default)):
            raise ConfigError(
                f"In {path}: digest.{key} must be a {type(default).__name__}, not {value!r}."
            )
        setattr(settings, key, value)
    if not re.fullmatch(r"([01]?\d|2[0-3]):[0-5]\d", settings.time):
        raise ConfigError(
            f"In {path}: digest.time = {settings.time!r}; write it as HH:MM (24-hour clock)."
        )
    settings.timezone = _timezone(settings.timezone, "digest.timezone", path)
    if settings.format not in {"html", "markdown", "text"}:
        raise ConfigError(f"In {path}: digest.format must be html, markdown or text.")
    if not all(isinstance(u, str) for u in settings.notify):
        raise ConfigError(f"In {path}: digest.notify must be a list of Apprise URL strings.")
    return settings
