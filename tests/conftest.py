"""Shared fixtures: a database per test (SQLite, or PostgreSQL when
POLICYWATCH_TEST_DATABASE_URL is set), local HTTP mirrors, and running the real CLI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
REALPAGES = ROOT.parent / "shared" / "realpages"
DEMO_ROOT = ROOT / "policywatch" / "demo_site"
DEMO_SITE = DEMO_ROOT / "www.chinadaily.com.cn"
FIXTURES = Path(__file__).parent / "fixtures"
PG_ENV = "POLICYWATCH_TEST_DATABASE_URL"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "db_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.db)


def realpage(*parts: str) -> Path:
    path = REALPAGES.joinpath(*parts)
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"real page {path} missing: CI must have shared/ beside the clone")
        pytest.skip(f"real pages not available at {REALPAGES} (shared/ is not beside the clone)")
    return path


def _reset_postgres(url: str) -> None:
    from storage.db import _normalise_url

    engine = create_engine(_normalise_url(url))
    try:
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    except Exception as exc:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL at {url} is not usable on CI: {exc}")
        pytest.skip(f"PostgreSQL at {url} not reachable here ({exc.__class__.__name__})")
    finally:
        engine.dispose()


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    url = os.environ.get(PG_ENV)
    if url:
        _reset_postgres(url)
        return url
    return f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A writable copy of the bundled China Daily mirror (hand-written pages)."""
    target = tmp_path / "site"
    shutil.copytree(DEMO_SITE, target)
    return target


@pytest.fixture
def test_config(tmp_path: Path) -> Path:
    """Fast settings for local mirrors only (the shipped defaults stay polite)."""
    path = tmp_path / "policywatch.toml"
    path.write_text(
        "[crawl]\n"
        "download_delay = 0\n"
        "download_timeout = 2\n"
        "retry_times = 1\n"
        "retry_backoff_base = 0.05\n"
        "block_cooldown = 0.2\n"
        "autothrottle = false\n"
        "[sources.chinadaily]\n"
        "download_delay = 0\n"
        'sections = ["business/tech", "business/economy", "china/governmentandpolicy"]\n',
        encoding="utf-8",
    )
    return path


# fast settings for the bundled mirrors of all three sites (local HTTP only)
MIRROR_SOURCES_TOML = (
    "[crawl]\ndownload_delay = 0\ndownload_timeout = 3\nretry_times = 1\n"
    "retry_backoff_base = 0.05\nblock_cooldown = 0.2\nautothrottle = false\n"
    "[sources.chinadaily]\ndownload_delay = 0\n"
    'sections = ["business/tech", "business/economy", "china/governmentandpolicy"]\n'
    "[sources.xinhua]\ndownload_delay = 0\n"
    'hubs = ["https://english.news.cn/", "https://english.news.cn/list/latestnews.htm", '
    '"https://www.news.cn/tech/", "https://www.news.cn/politics/"]\n'
    "[sources.miit]\ndownload_delay = 0\n"
    'columns = ["zwgk/zcwj/wjfb/tg", "zwgk/zcwj/wjfb/tz", "zwgk/zcjd"]\n'
)


class CLI:
    def __init__(self, db_url: str, config: Path, home: Path) -> None:
        self.env = {
            **os.environ,
            "POLICYWATCH_DATABASE_URL": db_url,
            "POLICYWATCH_CONFIG": str(config),
            "POLICYWATCH_HOME": str(home),
            "POLICYWATCH_ALLOW_FAST_CRAWL": "1",
            "COLUMNS": "200",
        }
        self.env.pop("POLICYWATCH_HOST_MAP", None)

    def __call__(
        self, *args: str, host_map: str | None = None, check: bool = True, stdin: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        env = dict(self.env)
        if host_map:
            env["POLICYWATCH_HOST_MAP"] = host_map
        result = subprocess.run(
            [sys.executable, "-m", "policywatch", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            input=stdin,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"policywatch {' '.join(args)} exited {result.returncode}\n"
                f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
            )
        return result


@pytest.fixture
def cli(db_url: str, test_config: Path, tmp_path: Path) -> CLI:
    return CLI(db_url, test_config, tmp_path / "home")
