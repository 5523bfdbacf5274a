"""Attachment readers (extract/attachments.py): offline, on hand-written files (see
tests/fixtures/attachments/NOTE.md and tests/fixtures/trap/NOTE.md) and files built here."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from extract.attachments import AttachmentError, attachment_type, extract_attachment

FIXTURES = Path(__file__).parent / "fixtures"
ATTACH = FIXTURES / "trap" / "www.miit.gov.cn" / "cms_files" / "filemanager" / "1" / "attach"


def test_word_binary_doc_and_wps() -> None:
    body = (FIXTURES / "attachments" / "note.doc").read_bytes()
    for name, kind in (("附件1.doc", "doc"), ("附件1.wps", "wps")):
        got_kind, text = extract_attachment(name, body)
        assert got_kind == kind
        assert "北京云栈数据有限公司" in text and "Acme Cloud Ltd" in text
        assert "上海海纳通信有限公司" in text  # table cell


def test_xlsx_docx_and_zip_of_them() -> None:
    xlsx = (ATTACH / "2024" / "01" / "applicants.xlsx").read_bytes()
    docx = (ATTACH / "2024" / "01" / "guide.docx").read_bytes()
    assert extract_attachment("a.xlsx", xlsx)[1].count("有限公司") == 2
    assert "海南星链通信有限公司" in extract_attachment("b.docx", docx)[1]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("名单.xlsx", xlsx)
        archive.writestr("指南.docx", docx)
        archive.writestr("broken.pdf", b"%PDF-1.4 garbage")
    kind, text = extract_attachment("annex.zip", buf.getvalue())
    assert kind == "zip"
    assert "深圳市星河数据科技有限公司" in text and "海南星链通信有限公司" in text
    assert "broken.pdf: unreadable" in text  # one bad member does not lose the others


def test_ofd_text_codes_in_page_order() -> None:
    page = (
        '<?xml version="1.0" encoding="UTF-8"?><ofd:Page xmlns:ofd="http://www.ofdspec.org/2016">'
        "<ofd:Content><ofd:Layer><ofd:TextObject ID='1'><ofd:TextCode X='0' Y='0'>{}"
        "</ofd:TextCode></ofd:TextObject></ofd:Layer></ofd:Content></ofd:Page>"
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("OFD.xml", "<ofd:OFD xmlns:ofd='http://www.ofdspec.org/2016'/>")
        archive.writestr(
            "Doc_0/Pages/Page_10/Content.xml", page.format("第二页：广州明途科技有限公司")
        )
        archive.writestr("Doc_0/Pages/Page_2/Content.xml", page.format("第一页：试点企业名单"))
    kind, text = extract_attachment("notice.ofd", buf.getvalue())
    assert kind == "ofd" and text.index("第一页") < text.index("第二页")


def test_corrupt_and_wrong_files_raise_one_clear_error() -> None:
    corrupt = (ATTACH / "2024" / "02" / "demo_list.pdf").read_bytes()
    with pytest.raises(AttachmentError, match="unreadable PDF"):
        extract_attachment("list.pdf", corrupt)
    with pytest.raises(AttachmentError, match="HTML page"):
        extract_attachment("list.pdf", b"<!DOCTYPE html><html><body>404</body></html>")
    with pytest.raises(AttachmentError, match="empty"):
        extract_attachment("list.xls", b"")
    # a type without a reader is listed, with no text
    assert extract_attachment("photo.jpg", b"\xff\xd8\xff\xe0 jpeg") == ("jpg", "")
    assert attachment_type("x.bin", b"%PDF-1.7") == "pdf"
