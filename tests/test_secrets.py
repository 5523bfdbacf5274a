"""Secrets stay secret: `policywatch run` hands the database URL to its crawl children through the
environment, never their command line (which every user can read), and passwords are masked in
log lines and errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from policywatch.errors import mask_secrets
from tests.conftest import CLI, DEMO_ROOT, MIRROR_SOURCES_TOML
from tests.mirrors import RecordingMirror
from tests.test_cli import one_error_line


def crawl_command_lines() -> list[str]:
    lines = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue
        text = " ".join(a.decode("utf-8", "replace") for a in args)
        if "policywatch" in text and " crawl " in f"{text} ":
            lines.append(text)
    return lines


def test_run_keeps_the_database_url_off_child_command_lines(
    cli: CLI, tmp_path: Path, db_url: str
) -> None:
    url = db_url.replace("postgresql://postgres@", "postgresql://postgres:s3cret@")
    config = tmp_path / "run.toml"
    config.write_text(
        MIRROR_SOURCES_TOML
        + f"[digest]\nnotify = {json.dumps([f'file://{tmp_path}/digests/'])}\n"
        "[schedule.sources.chinadaily]\nevery_minutes = 0.05\n"
        "[schedule.sources.xinhua]\nenabled = false\n[schedule.sources.miit]\nenabled = false\n",
        "utf-8",
    )
    seen: list[str] = []
    site = DEMO_ROOT / "www.chinadaily.com.cn"

    def robots(h) -> None:  # type: ignore[no-untyped-def]
        seen.extend(crawl_command_lines())  # the child is running: it asked for robots.txt
        body = (site / "robots.txt").read_bytes()
        h.send_response(200)
        h.send_header("Content-Type", "text/plain")
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    with RecordingMirror(site, routes={"/robots.txt": robots}) as m:
        result = cli(
            "--config", str(config), "--database", url, "run", "--once",
            host_map=f"www.chinadaily.com.cn={m.address}",
        )
    assert seen, "the crawl child ran"
    for line in seen:
        assert url not in line and "s3cret" not in line and "--database" not in line, line
    assert "s3cret" not in result.stderr + result.stdout


def test_passwords_are_masked_in_errors_and_logs(cli: CLI) -> None:
    msg = one_error_line(
        cli("--database", "postgresql://pw:s3cret@db.example:abc/x", "documents", check=False)
    )
    assert "s3cret" not in msg and "pw:***@" in msg
    code = (
        "import logging; from policywatch.cli import setup_logging; setup_logging(0, False); "
        "logging.getLogger('policywatch.x').warning('connect %s', "
        "'postgresql://pw:s3cret@db.example/x?password=hunter2')"
    )
    err = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stderr
    assert "s3cret" not in err and "hunter2" not in err
    assert "postgresql://pw:***@db.example/x?password=***" in err


def test_mask_secrets() -> None:
    assert mask_secrets("mailtos://user:pa:ss@smtp.example?to=a") == "mailtos://user:***@smtp.example?to=a"
    assert mask_secrets("postgresql://user@host/db") == "postgresql://user@host/db"
    assert mask_secrets("https://example.org/a:b@c") == "https://example.org/a:b@c"
