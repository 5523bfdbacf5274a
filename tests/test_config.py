"""The config file is checked whole before use: unknown tables and keys (with the nearest known
key), every value's type, and the politeness floor, each named with the file and the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from policywatch.config import load_config
from policywatch.errors import ConfigError


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in (
        "POLICYWATCH_CONFIG",
        "POLICYWATCH_DATABASE_URL",
        "POLICYWATCH_HOST_MAP",
        "POLICYWATCH_ALLOW_FAST_CRAWL",
        "POLICYWATCH_CONTACT",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("POLICYWATCH_HOME", str(tmp_path / "home"))


def config_error(tmp_path: Path, text: str) -> str:
    path = tmp_path / "policywatch.toml"
    path.write_text(text, "utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert str(path) in message
    return message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[database]\nuri = "sqlite:///x.db"\n', ["[database] uri", "did you mean url?"]),
        ('[digets]\ntime = "08:00"\n', ["[digets]", "did you mean [digest]?"]),
        ("[source.x]\na = 1\n", ["[source]", "did you mean [sources]?"]),
        ("[sources.xinhau]\ndownload_delay = 5\n", ["[sources.xinhau]", "[sources.xinhua]"]),
        ('databse = "x"\n', ["databse", "did you mean database?"]),
        ("[crawl]\nretry_tims = 2\n", ["[crawl] retry_tims", "did you mean retry_times?"]),
        ("[schedule.sources.chinadaily]\nevery_minute = 30\n", ["every_minute", "every_minutes"]),
    ],
)
def test_unknown_tables_and_keys_name_the_nearest_known(
    tmp_path: Path, text: str, expected: list[str]
) -> None:
    message = config_error(tmp_path, text)
    for part in expected:
        assert part in message, message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[schedule]\ncrawl_timeout_minutes = "abc"\n', "[schedule] crawl_timeout_minutes"),
        ("data_dir = 5\n", "data_dir"),
        ('[sources.chinadaily]\nmax_list_pages = "three"\n', "max_list_pages"),
        ('[sources.chinadaily]\nsections = "business/tech"\n', "[sources.chinadaily] sections"),
        ('[sources.xinhua]\nhubs = "https://english.news.cn/"\n', "[sources.xinhua] hubs"),
        ("[sources.miit]\nsearch_cateid = 57\n", "search_cateid"),
        ('[crawl]\nretry_times = "3"\n', "[crawl] retry_times"),
        ('[crawl]\nobey_robots_txt = "no"\n', "obey_robots_txt"),
        ('[digest]\nnotify = "mailto://x"\n', "[digest] notify"),
        ('[digest]\nformat = "pdf"\n', "[digest] format"),
        ("[digest]\nretries = -1\n", "[digest] retries"),
        ('[[programmes]]\nkey = "x"\n', "name"),
        ('[[programmes]]\nkey = "x"\nname = "y"\naliases_en = "z"\n', "aliases_en"),
        ("[schedule.sources.miit]\ncron = 5\n", "cron"),
        ("sources = 3\n", "sources"),
    ],
)
def test_every_value_is_type_checked(tmp_path: Path, text: str, expected: str) -> None:
    message = config_error(tmp_path, text)
    assert expected in message, message
    assert "fix" in message or "add it" in message


def test_delay_floor_names_the_file_and_key(tmp_path: Path) -> None:
    message = config_error(tmp_path, "[sources.miit]\ndownload_delay = 0.5\n")
    assert "[sources.miit] download_delay" in message and "1 second minimum" in message


def test_a_valid_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "policywatch.toml"
    path.write_text(
        'data_dir = "/tmp/pw"\n[crawl]\ndownload_delay = 2\n'
        '[sources.chinadaily]\nsections = ["business/tech"]\nmax_list_pages = 2\n'
        "[schedule]\ncrawl_timeout_minutes = 30\n"
        '[schedule.sources.miit]\ncron = "0 8 * * *"\n'
        "[schedule.sources.xinhua]\nenabled = false\n"
        '[[programmes]]\nkey = "k"\nname = "N"\nkeywords_en = ["a", "b"]\n',
        "utf-8",
    )
    config = load_config(path)
    assert config.crawl.download_delay == 2.0
    assert config.sources["chinadaily"]["sections"] == ["business/tech"]
    assert config.sources["chinadaily"]["max_list_pages"] == 2
    assert config.schedule.crawl_timeout_minutes == 30
    assert "xinhua" not in config.schedule.sources
    assert config.schedule.sources["miit"] == {"cron": "0 8 * * *"}
    assert config.programmes == [{"key": "k", "name": "N", "keywords_en": ["a", "b"]}]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '[sources.chinadaily]\nsections = ["business/tech", "https://evil.example/x"]\n',
            "[sources.chinadaily] sections[1]",
        ),
        ('[sources.xinhua]\nhubs = ["english.news.cn/"]\n', "full http(s) URL"),
        ('[sources.chinadaily]\nfeeds = ["rss/china_rss.xml"]\n', "full http(s) URL"),
        ('[sources.miit]\ncolumns = ["//evil.example/x"]\n', "not a URL"),
    ],
)
def test_urls_and_site_paths_are_checked(tmp_path: Path, text: str, expected: str) -> None:
    assert expected in config_error(tmp_path, text)
