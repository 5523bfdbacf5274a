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
from policywatch.config_schema import ConfigFile, validate
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

    @property
    def process_workers(self) -> int:
        """Worker processes of `process` and the service: POLICYWATCH_WORKERS, else every core
        this process may use."""
        return default_workers()

    def source(self, name: str) -> dict[str, Any]:
        try:
            return self.sources[name]
        except KeyError:
            known = ", ".join(sorted(self.sources))
            raise ConfigError(f"Unknown source {name!r}; known sources: {known}.") from None


def default_workers() -> int:
    value = os.environ.get("POLICYWATCH_WORKERS", "").strip()
    if value:
        if not value.isdigit() or int(value) < 1:
            raise ConfigError(
                f"POLICYWATCH_WORKERS={value!r} is not a number of worker processes: set it to "
                "1 or more, or unset it to use every core."
            )
        return int(value)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


_TARGET = re.compile(r"^(?P<host>[A-Za-z0-9.\-]+|\[[0-9A-Fa-f:.]+\]):(?P<port>\d{1,5})$")


def _host_map_entry(host: str, target: str, origin: str) -> tuple[str, str]:
    """One normalised entry: the real host (lower case, no default port) and ``host:port``."""
    raw_host, raw_target = host, target
    host, target = host.strip().lower().rstrip("."), target.strip()
    if "://" in host or "/" in host or not host:
        raise ConfigError(
            f"Bad host map key {raw_host!r} in {origin}: write the real host alone, e.g. "
            "'www.chinadaily.com.cn' (no scheme, no path)."
        )
    name, colon, port = host.rpartition(":")
    if colon:
        if port not in ("80", "443"):
            raise ConfigError(
                f"Bad host map key {raw_host!r} in {origin}: the real sites use ports 80 and "
                "443 only; write the host without a port."
            )
        host = name
    if "://" in target:
        raise ConfigError(
            f"Bad host map target {raw_target!r} for {host} in {origin}: write host:port "
            "without a scheme, e.g. '127.0.0.1:8081' (mirrors are reached over plain HTTP)."
        )
    match = _TARGET.match(target)
    if not match or not 0 < int(match["port"]) < 65536:
        raise ConfigError(
            f"Bad host map target {raw_target!r} for {host} in {origin}: write it as "
            "host:port with a numeric port, e.g. '127.0.0.1:8081'."
        )
    return host, target.lower()


def normalise_host_map(mapping: Any, origin: str) -> dict[str, str]:
    """A host map from a table or ``real.host=127.0.0.1:8081,...`` text, checked and normalised:
    keys are lower-case hosts without a default port, targets ``host:port``."""
    if isinstance(mapping, str):
        return parse_host_map(mapping, origin)
    if not isinstance(mapping, dict):
        raise ConfigError(
            f"In {origin}: host_map must be a table such as "
            '{ "www.chinadaily.com.cn" = "127.0.0.1:8081" }, '
            f"not {mapping!r}."
        )
    result: dict[str, str] = {}
    for host, target in mapping.items():
        if not isinstance(target, str):
            raise ConfigError(
                f"Bad host map target {target!r} for {host} in {origin}: write it as a string "
                "'host:port', e.g. '127.0.0.1:8081'."
            )
        key, value = _host_map_entry(str(host), target, origin)
        result[key] = value
    return result


def parse_host_map(text: str, origin: str) -> dict[str, str]:
    """Parse ``real.host=127.0.0.1:8081,other.host=127.0.0.1:8082``."""
    mapping: dict[str, str] = {}
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        host, sep, target = part.partition("=")
        if not sep or not host.strip() or not target.strip():
            raise ConfigError(
                f"Bad host map entry {part!r} in {origin}: write it as "
                "'real.host=127.0.0.1:PORT', entries separated by commas."
            )
        key, value = _host_map_entry(host, target, origin)
        mapping[key] = value
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


def _fast_ok() -> bool:
    return bool(os.environ.get("POLICYWATCH_ALLOW_FAST_CRAWL"))


def _check_delay(delay: float, key: str, path: Path | None) -> None:
    if delay < 1.0 and not _fast_ok():
        where = f"In {path}" if path else "In the configuration"
        raise ConfigError(
            f"{where}: {key} = {delay:g} is below the 1 second minimum between requests to a "
            "host: raise it (tests against a local mirror set POLICYWATCH_ALLOW_FAST_CRAWL=1)."
        )


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
        except OSError as exc:
            raise ConfigError(
                f"Cannot read the config file {path} ({exc.strerror}): fix its permissions."
            ) from None
    file = validate(raw, path)

    data_dir = Path(
        os.environ.get("POLICYWATCH_HOME")
        or file.data_dir
        or platformdirs.user_data_path("policywatch")
    ).expanduser()
    database_url = (
        os.environ.get("POLICYWATCH_DATABASE_URL")
        or file.database.url
        or f"sqlite:///{data_dir / 'policywatch.db'}"
    )

    crawl = CrawlSettings()
    for key, value in file.crawl.model_dump(exclude_none=True, exclude={"host_map"}).items():
        setattr(crawl, key, value)
    if file.crawl.host_map is not None:
        crawl.host_map = normalise_host_map(file.crawl.host_map, f"{path} ([crawl] host_map)")
    env_map = os.environ.get("POLICYWATCH_HOST_MAP")
    if env_map:
        crawl.host_map.update(parse_host_map(env_map, "POLICYWATCH_HOST_MAP"))
    if os.environ.get("POLICYWATCH_CONTACT"):
        crawl.contact = os.environ["POLICYWATCH_CONTACT"]
    _check_delay(crawl.download_delay, "[crawl] download_delay", path)

    if crawl.block_cooldown < 30.0 and not os.environ.get("POLICYWATCH_ALLOW_FAST_CRAWL"):
        raise ConfigError(
            f"In {path}: [crawl] block_cooldown = {crawl.block_cooldown} is below the 30 second "
            "minimum pause after a block: raise it (tests against a local mirror set "
            "POLICYWATCH_ALLOW_FAST_CRAWL=1)."
        )
    if crawl.max_consecutive_blocks < 1 or crawl.block_retries < 0:
        raise ConfigError(
            f"In {path}: crawl.max_consecutive_blocks must be >= 1 and crawl.block_retries >= 0; "
            "fix those values."
        )

    sources = {name: dict(values) for name, values in DEFAULT_SOURCES.items()}
    for name in sources:
        table = getattr(file.sources, name)
        if table is None:
            continue
        values = table.model_dump(exclude_none=True)
        sources[name].update(values)
        if "download_delay" in values:
            _check_delay(values["download_delay"], f"[sources.{name}] download_delay", path)
    programmes = [p.model_dump(exclude_defaults=True) for p in file.programmes]

    return Config(
        path=path,
        data_dir=data_dir,
        database_url=database_url,
        crawl=crawl,
        sources=sources,
        programmes=programmes,
        schedule=_schedule(file, path),
        digest=_digest(file, path),
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


def _schedule(file: ConfigFile, path: Path | None) -> ScheduleSettings:
    table = file.schedule
    settings = ScheduleSettings()
    if table.timezone is not None:
        settings.timezone = _timezone(table.timezone, "[schedule] timezone", path)
    if table.crawl_timeout_minutes is not None:
        settings.crawl_timeout_minutes = table.crawl_timeout_minutes
    minimum = 0.01 if _fast_ok() else 5
    for name in DEFAULT_SOURCES:
        spec_table = getattr(table.sources, name) if table.sources else None
        if spec_table is None:
            continue
        if not spec_table.enabled:
            settings.sources.pop(name, None)
            continue
        spec = spec_table.model_dump(exclude_none=True, exclude={"enabled"})
        if "cron" in spec:
            try:
                CronTrigger.from_crontab(spec["cron"], timezone=settings.timezone)
            except ValueError as exc:
                raise ConfigError(
                    f"In {path}: [schedule.sources.{name}] cron = {spec['cron']!r} "
                    f"is not a crontab expression ({exc}); write e.g. "
                    "'20 7,12,17 * * *'."
                ) from None
        elif spec.get("every_minutes", 0) < minimum:
            raise ConfigError(
                f'In {path}: [schedule.sources.{name}] needs cron = "m h * * *" '
                "or every_minutes = N (N >= 5)."
            )
        settings.sources[name] = spec
    return settings


def _digest(file: ConfigFile, path: Path | None) -> DigestSettings:
    settings = DigestSettings()
    for key, value in file.digest.model_dump(exclude_none=True).items():
        setattr(settings, key, value)
    if not re.fullmatch(r"([01]?\d|2[0-3]):[0-5]\d", settings.time):
        raise ConfigError(
            f"In {path}: [digest] time = {settings.time!r}; write it as HH:MM (24-hour clock)."
        )
    settings.timezone = _timezone(settings.timezone, "[digest] timezone", path)
    return settings
