"""Deliver a rendered digest through Apprise URLs (e-mail, Slack, Teams, webhooks, ...) and
``file:///path`` targets, with retries. A delivery counts only when every target accepted it."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import apprise
from apprise.decorators import notify

from policywatch.errors import ConfigError

log = logging.getLogger("policywatch.digest")
BODY_FORMATS = {
    "html": apprise.NotifyFormat.HTML,
    "markdown": apprise.NotifyFormat.MARKDOWN,
    "text": apprise.NotifyFormat.TEXT,
}


@notify(on="file", name="policywatch file target")
def _file_target(
    body: str, title: str, notify_type: str, meta: dict[str, Any], *args: Any, **kwargs: Any
) -> bool:
    """``file:///path/digest.html`` writes the digest there (a folder gets one file per digest)."""
    # Apprise reads file:///srv/digests/x.html as host "srv" + path "/digests/x.html"
    host, rest = meta.get("host") or "", meta.get("fullpath") or "/"
    path = Path(unquote(f"/{host}{rest}" if host else rest))
    if path.is_dir() or rest.endswith("/"):
        path = path / f"digest-{time.strftime('%Y%m%d-%H%M%S')}.txt"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{title}\n\n{body}" if title else body, encoding="utf-8")
    except OSError as exc:
        log.error("digest file target failed path=%s (%s)", path, exc.strerror)
        return False
    return True


def redact(url: str) -> str:
    """scheme://host only: URLs carry passwords and tokens."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}{'/…' if parts.path.strip('/') else ''}"


@dataclass
class Delivery:
    ok: bool
    attempts: int
    delivered_to: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    @property
    def error(self) -> str | None:
        if self.ok:
            return None
        return f"delivery failed for {', '.join(self.failed)} after {self.attempts} attempt(s)"


def check_urls(urls: list[str]) -> None:
    if not urls:
        raise ConfigError(
            "No digest targets: add Apprise URLs to [digest] notify in the config file "
            '(e.g. notify = ["mailtos://user:pass@smtp.example.org?to=you@example.org"]).'
        )
    for i, url in enumerate(urls, start=1):
        if not apprise.Apprise().add(url):
            raise ConfigError(
                f"[digest] notify entry {i} ({redact(url)}) is not a valid Apprise URL: check it "
                "against the Apprise documentation (or use file:///path)."
            )


def deliver(
    urls: list[str], title: str, body: str, fmt: str, *, retries: int, retry_delay: float
) -> Delivery:
    """Send to every target; retry the ones that failed, with a growing delay."""
    check_urls(urls)
    pending = list(urls)
    done: list[str] = []
    attempts = 0
    while pending and attempts < max(1, retries):
        attempts += 1
        still = []
        for url in pending:
            target = apprise.Apprise()
            target.add(url)
            if target.notify(body=body, title=title, body_format=BODY_FORMATS[fmt]):
                done.append(url)
                log.info("digest delivered target=%s attempt=%d", redact(url), attempts)
            else:
                still.append(url)
                log.warning(
                    "digest delivery failed target=%s attempt=%d/%d", redact(url), attempts, retries
                )
        pending = still
        if pending and attempts < retries:
            time.sleep(retry_delay * attempts)
    return Delivery(not pending, attempts, [redact(u) for u in done], [redact(u) for u in pending])
