"""Recognise block / challenge pages (SOURCES.md §0.5).

Markers are checked only when the expected structure is missing: real MIIT notices may mention
验证码 or 安全验证 in their text.
"""

from __future__ import annotations

BLOCK_STATUSES = frozenset({403, 429})
BLOCK_MARKERS = (
    "安全验证",
    "访问验证",
    "访问过于频繁",
    "人机验证",
    "验证码",
    "请求已被阻断",
    "您的请求已被",
    "访问受限",
    "Access Denied",
    "403 Forbidden",
    "TTGCaptcha",
    "captcha-container",
)


def block_reason(status: int, text: str, has_structure: bool) -> str | None:
    """Why the response looks like a block page, or None."""
    if status in BLOCK_STATUSES:
        return f"HTTP {status}"
    if has_structure:
        return None
    for marker in BLOCK_MARKERS:
        if marker in text:
            return f"block page marker {marker!r}"
    return None
