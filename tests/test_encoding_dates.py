"""Decoding raw bytes and reading Beijing-time dates."""

from __future__ import annotations

from datetime import UTC, date, datetime

from extract.dates import check_against_url, parse_beijing, parse_lenient
from extract.encoding import decode_html
from tests.conftest import realpage


def test_gb2312_page_decodes_as_gb18030() -> None:
    body = realpage(
        "xinhua", "trafilatura_wayback_he_xinhuanet_2012-06-04_content_25340717.html"
    ).read_bytes()
    text, encoding = decode_html(body, "text/html")
    assert encoding == "gb18030"
    assert "\ufffd" not in text
    assert "新华网" in text


def test_header_charset_wins_when_it_decodes_cleanly() -> None:
    body = "<html><head><meta charset='utf-8'></head><body>深圳</body></html>".encode("gbk")
    text, encoding = decode_html(body, "text/html; charset=GBK")
    assert encoding == "gb18030" and "深圳" in text


def test_wrong_meta_falls_back_to_detection() -> None:
    body = (
        "<html><head><meta charset='utf-8'></head><body>"
        + "工业和信息化部发布通告，深圳、上海、北京、海南开展试点。" * 20
        + "</body></html>"
    ).encode("gb18030")
    text, _ = decode_html(body, None)
    assert "工业和信息化部" in text


def test_parse_beijing_keeps_precision() -> None:
    minute = parse_beijing("Updated: 2024-11-06 20:13")
    assert minute and minute.value == datetime(2024, 11, 6, 12, 13, tzinfo=UTC)
    assert not minute.date_only
    day = parse_beijing("2024-11-06")
    assert day and day.date_only and day.value == datetime(2024, 11, 5, 16, 0, tzinfo=UTC)
    assert parse_beijing("no date here") is None


def test_parse_lenient_rfc822_and_zoneless() -> None:
    rfc = parse_lenient("Wed, 06 Nov 2024 20:13:00 +0800")
    assert rfc and rfc.value == datetime(2024, 11, 6, 12, 13, tzinfo=UTC)
    plain = parse_lenient("2024-11-06 20:13:00")
    assert plain and plain.value == datetime(2024, 11, 6, 12, 13, tzinfo=UTC)


def test_url_date_cross_check() -> None:
    be = parse_beijing("2569-05-17 20:43")
    fixed = check_against_url(be, date(2026, 5, 17))
    assert fixed and fixed.value == datetime(2026, 5, 17, 12, 43, tzinfo=UTC)
    assert fixed.corrected and "Buddhist" in fixed.corrected
    far = check_against_url(parse_beijing("2026-01-01 10:00"), date(2026, 5, 17))
    assert far and far.date_only and far.beijing_date == date(2026, 5, 17)
    assert far.corrected and "URL date used" in far.corrected
    near = check_against_url(parse_beijing("2026-05-18 01:00"), date(2026, 5, 17))
    assert near and near.corrected is None
    only_url = check_against_url(None, date(2026, 5, 17))
    assert only_url and only_url.date_only
