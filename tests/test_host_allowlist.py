"""No request outside the configured hosts: host-map keys are normalised and targets checked; with
a host map set, a request or redirect to an unmapped host is refused, logged and counted, never
sent (a trap proxy stands in for the internet); an unreachable mirror ends the source fast."""

from __future__ import annotations

from pathlib import Path

import pytest

from policywatch.config import parse_host_map
from policywatch.errors import ConfigError
from tests.conftest import CLI
from tests.mirrors import RecordingMirror, TrapProxy
from tests.test_cli import one_error_line

OUTSIDE = "https://global.chinadaily.com.cn/a/202411/07/WS0000000000000000000000ab.html"
REDIRECTING = "/a/202411/07/WS0000000000000000000000cd.html"
REDIRECT_TARGET = "https://cn.chinadaily.com.cn/a/202411/07/WS0000000000000000000000ef.html"


def test_host_map_keys_are_normalised() -> None:
    assert parse_host_map("WWW.ChinaDaily.com.cn:443=127.0.0.1:8081", "test") == {
        "www.chinadaily.com.cn": "127.0.0.1:8081"
    }
    assert parse_host_map(" english.news.cn. = localhost:8082 ", "test") == {
        "english.news.cn": "localhost:8082"
    }


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ("www.chinadaily.com.cn=http://127.0.0.1:8081", "without a scheme"),
        ("www.chinadaily.com.cn=127.0.0.1", "numeric port"),
        ("www.chinadaily.com.cn=127.0.0.1:http", "numeric port"),
        ("www.chinadaily.com.cn=127.0.0.1:99999", "numeric port"),
        ("https://www.chinadaily.com.cn=127.0.0.1:8081", "real host alone"),
        ("www.chinadaily.com.cn:8443=127.0.0.1:8081", "ports 80 and 443"),
    ],
)
def test_bad_host_map_entries(entry: str, expected: str) -> None:
    with pytest.raises(ConfigError, match=expected):
        parse_host_map(entry, "POLICYWATCH_HOST_MAP")


def test_bad_host_map_in_the_config_file(cli: CLI, tmp_path: Path) -> None:
    config = tmp_path / "map.toml"
    config.write_text(
        '[crawl]\nhost_map = { "www.chinadaily.com.cn" = "http://127.0.0.1:8081" }\n', "utf-8"
    )
    msg = one_error_line(cli("--config", str(config), "documents", check=False))
    assert str(config) in msg and "without a scheme" in msg


def add_feed_items(site: Path) -> None:
    feed = site / "rss" / "china_rss.xml"
    items = "".join(
        f"<item><title>t{i}</title><link>{link}</link>"
        "<pubDate>Thu, 07 Nov 2024 09:00:00 +0800</pubDate></item>"
        for i, link in enumerate([OUTSIDE, f"https://www.chinadaily.com.cn{REDIRECTING}"])
    )
    feed.write_text(feed.read_text("utf-8").replace("</channel>", items + "</channel>"), "utf-8")


def redirect_to(location: str):  # type: ignore[no-untyped-def]
    def route(h) -> None:  # type: ignore[no-untyped-def]
        h.send_response(302)
        h.send_header("Location", location)
        h.send_header("Content-Length", "0")
        h.end_headers()

    return route


def test_nothing_leaves_the_host_map(cli: CLI, site: Path) -> None:
    add_feed_items(site)
    with TrapProxy() as trap, RecordingMirror(
        site, routes={REDIRECTING: redirect_to(REDIRECT_TARGET)}
    ) as m:
        cli.env.update(trap.env())
        # a key with the default port and capitals maps the host all the same
        out = cli("crawl", "chinadaily", host_map=f"WWW.ChinaDaily.com.cn:443={m.address}")
    assert trap.requests == []  # nothing went to the internet
    assert "/robots.txt" in m.requests and REDIRECTING in m.requests
    # refused and dropped requests are counted as such, not as failed articles
    assert "crawl chinadaily: ok" in out.stdout
    assert "NotInHostMap" not in out.stdout
    assert "refused_outside_host_map=1" in out.stdout
    assert "redirects_dropped=1" in out.stdout
    assert "global.chinadaily.com.cn is not in the host map" in out.stderr
    assert "redirect dropped" in out.stderr and "cn.chinadaily.com.cn" in out.stderr
    assert "Traceback" not in out.stderr


def test_unreachable_mirror_is_one_line_and_fast(cli: CLI, test_config: Path) -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    test_config.write_text(
        test_config.read_text("utf-8").replace("retry_backoff_base = 0.05", "retry_backoff_base = 30")
    )
    result = cli("crawl", "chinadaily", host_map=f"www.chinadaily.com.cn=127.0.0.1:{port}", check=False)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "crawl chinadaily: failed" in result.stdout
    message = f"cannot connect to www.chinadaily.com.cn (mapped to 127.0.0.1:{port})"
    assert message in result.stdout + result.stderr
    assert "check that the mirror is running" in result.stdout + result.stderr
    # one line for the cause, not a retry per request (a 30 s back-off would show here)
    assert "retry in" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if "storage.db" not in line]
    assert len(lines) == 1, result.stderr


def test_mirror_name_that_does_not_resolve_is_one_line(cli: CLI) -> None:
    result = cli(
        "crawl", "chinadaily", host_map="www.chinadaily.com.cn=mirror.invalid:8081", check=False
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert (
        "cannot connect to www.chinadaily.com.cn (mapped to mirror.invalid:8081): "
        "DNS lookup failed" in result.stderr
    )
    assert "retry in" not in result.stderr
