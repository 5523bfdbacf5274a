"""Errors a user can meet. Each message is one sentence naming the cause and the fix. Passwords
never appear in them, nor in log lines (``mask_secrets``, ``MaskSecretsFilter``)."""

from __future__ import annotations

import logging
import re

# `crawl --skip-if-busy`: nothing crawled because another crawl of the source runs (here, or with
# PostgreSQL on another machine); EX_TEMPFAIL of sysexits.h, "try again later"
EXIT_BUSY = 75


class PolicywatchError(Exception):
    """Base class: the CLI prints the message (no traceback) and exits with status 2."""


class ConfigError(PolicywatchError):
    pass


class DatabaseError(PolicywatchError):
    pass


class SourceError(PolicywatchError):
    pass


_URL_PASSWORD = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.\-]*://[^\s:/@'\"]*:)[^\s@/'\"]+(?=@)")
_PARAM_PASSWORD = re.compile(r"(?P<head>\b(?:password|passwd|pwd)=)[^\s&'\"]+", re.IGNORECASE)


def mask_secrets(text: str) -> str:
    """Hide passwords in URLs (``scheme://user:***@host``) and ``password=…`` parameters."""
    text = _URL_PASSWORD.sub(r"\g<head>***", text)
    return _PARAM_PASSWORD.sub(r"\g<head>***", text)


class MaskSecretsFilter(logging.Filter):
    """A logging filter that masks passwords in every record (message and arguments)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: leave it to the handler
            return True
        masked = mask_secrets(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True
