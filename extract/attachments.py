"""Text of a notice's attachments. Pure functions: bytes in, (type, text) out.

| type | how | library |
|---|---|---|
| PDF | text layer of each page | pypdf |
| DOCX | paragraphs and table cells | python-docx |
| XLSX | every sheet, one line per row, cells tab-separated | openpyxl |
| XLS | the same | xlrd |
| DOC, WPS | Word 97-2003 binary text (the piece table; WPS Office writes the same) | olefile |
| OFD | the ``TextCode`` elements of each page (GB/T 33190) | zipfile + lxml |
| ZIP | every member of the types above, each under its name | zipfile |

Not extracted: scanned PDFs without a text layer (no OCR), images, and anything else (the
attachment is still listed with its name and type).
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
from urllib.parse import unquote, urlsplit

from extract.document import clean_lines

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAX_MEMBER_BYTES = 64 * 1024 * 1024  # a ZIP member larger than this is skipped (zip bombs)
TYPES = ("pdf", "doc", "docx", "wps", "xls", "xlsx", "ofd", "zip")


class AttachmentError(ValueError):
    """The attachment cannot be read (corrupt, truncated, not what its name says)."""


def attachment_type(name: str, body: bytes) -> str:
    """pdf, docx, xlsx, ofd, zip, doc, wps, xls, html or the name's extension ('' if none)."""
    ext = unquote(urlsplit(name).path).rsplit(".", 1)[-1].lower() if "." in name else ""
    head = body[:8]
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"PK"):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(body)).namelist())
        except zipfile.BadZipFile:
            return ext or "zip"
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
        if "OFD.xml" in names or ext == "ofd":
            return "ofd"
        return "zip"
    if head == OLE_MAGIC:
        return ext if ext in ("doc", "wps", "xls") else "doc"
    if body.lstrip()[:15].lower().startswith((b"<!doctype html", b"<html")):
        return "html"
    return ext


def extract_attachment(name: str, body: bytes, depth: int = 0) -> tuple[str, str]:
    """(type, text) of an attachment. Raises AttachmentError when it cannot be read."""
    kind = attachment_type(name, body)
    if not body.strip():
        raise AttachmentError("empty file")
    reader = _READERS.get(kind)
    if kind == "html":
        raise AttachmentError("an HTML page came back instead of the file")
    if reader is None:
        return kind, ""
    try:
        text = reader(body, depth)
    except AttachmentError:
        raise
    except Exception as exc:
        raise AttachmentError(f"unreadable {kind.upper()} ({type(exc).__name__}: {exc})") from None
    return kind, text


def _pdf(body: bytes, _depth: int) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(body), strict=False)
    return clean_lines([page.extract_text() or "" for page in reader.pages])


def _docx(body: bytes, _depth: int) -> str:
    from docx import Document

    doc = Document(io.BytesIO(body))
    lines = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            lines.append("\t".join(cell.text.strip() for cell in row.cells))
    return clean_lines(lines)


def _xlsx(body: bytes, _depth: int) -> str:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(body), read_only=True, data_only=True)
    lines = []
    for sheet in book.worksheets:
        lines.append(sheet.title)
        for row in sheet.iter_rows(values_only=True):
            cells = ["" if v is None else str(v) for v in row]
            if any(cells):
                lines.append("\t".join(cells).rstrip("\t"))
    book.close()
    return clean_lines(lines)


def _xls(body: bytes, _depth: int) -> str:
    import xlrd

    book = xlrd.open_workbook(file_contents=body)
    lines = []
    for sheet in book.sheets():
        lines.append(sheet.name)
        for r in range(sheet.nrows):
            cells = [str(v) if v not in ("", None) else "" for v in sheet.row_values(r)]
            if any(cells):
                lines.append("\t".join(cells).rstrip("\t"))
    return clean_lines(lines)


_FIELD_CODE = re.compile("\x13[^\x13\x14\x15]*\x14")


def _word_binary(body: bytes, _depth: int) -> str:
    """Text of a Word 97-2003 (or WPS) binary document: the FIB's CLX piece table."""
    import olefile

    if not olefile.isOleFile(io.BytesIO(body)):
        raise AttachmentError("not an OLE2 compound file")
    ole = olefile.OleFileIO(io.BytesIO(body))
    try:
        if ole.exists("Workbook") or ole.exists("Book"):
            return _xls(body, _depth)
        if not ole.exists("WordDocument"):
            raise AttachmentError("no WordDocument stream (not a Word/WPS document)")
        word = ole.openstream("WordDocument").read()
        flags = struct.unpack_from("<H", word, 0x000A)[0]
        table_name = "1Table" if flags & 0x0200 else "0Table"
        if not ole.exists(table_name):
            raise AttachmentError(f"no {table_name} stream")
        table = ole.openstream(table_name).read()
    finally:
        ole.close()
    fc_clx, lcb_clx = struct.unpack_from("<II", word, 0x01A2)
    clx = table[fc_clx : fc_clx + lcb_clx]
    pos = 0
    while pos < len(clx) and clx[pos] == 0x01:  # Prc entries (formatting): skip
        pos += 3 + struct.unpack_from("<H", clx, pos + 1)[0]
    if pos >= len(clx) or clx[pos] != 0x02:
        raise AttachmentError("no piece table in the document")
    lcb = struct.unpack_from("<I", clx, pos + 1)[0]
    plc = clx[pos + 5 : pos + 5 + lcb]
    n = (lcb - 4) // 12
    cps = struct.unpack_from(f"<{n + 1}I", plc, 0)
    parts = []
    for i in range(n):
        fc = struct.unpack_from("<I", plc, 4 * (n + 1) + 8 * i + 2)[0]
        count = cps[i + 1] - cps[i]
        if fc & 0x40000000:
            start = (fc & ~0x40000000) // 2
            parts.append(word[start : start + count].decode("cp1252", "replace"))
        else:
            parts.append(word[fc : fc + 2 * count].decode("utf-16-le", "replace"))
    text = _FIELD_CODE.sub("", "".join(parts))
    text = text.replace("\r", "\n").replace("\x0b", "\n").replace("\x07", "\t")
    text = re.sub(r"[\x00-\x08\x0c\x0e-\x1f]", "", text)
    return clean_lines(text.split("\n"))


def _ofd(body: bytes, _depth: int) -> str:
    from lxml import etree

    archive = zipfile.ZipFile(io.BytesIO(body))
    pages = sorted(
        (n for n in archive.namelist() if re.search(r"Pages/Page_\d+/Content\.xml$", n)),
        key=lambda n: [int(x) if x.isdigit() else x for x in re.split(r"(\d+)", n)],
    )
    if not pages:
        raise AttachmentError("no page content in the OFD package")
    lines = []
    for name in pages:
        root = etree.fromstring(archive.read(name))
        for node in root.iter("{*}TextObject"):
            text = "".join(t.text or "" for t in node.iter("{*}TextCode"))
            if text.strip():
                lines.append(text)
    return clean_lines(lines)


def _zip(body: bytes, depth: int) -> str:
    if depth >= 2:
        return ""
    archive = zipfile.ZipFile(io.BytesIO(body))
    lines = []
    for info in archive.infolist():
        if info.is_dir() or info.file_size > MAX_MEMBER_BYTES:
            continue
        member_name = info.filename
        try:
            member_name = member_name.encode("cp437").decode("gbk")  # Chinese Windows archives
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
        try:
            kind, text = extract_attachment(member_name, archive.read(info), depth + 1)
        except AttachmentError as exc:
            lines.append(f"{member_name}: unreadable ({exc})")
            continue
        if text:
            lines.append(f"{member_name}\n\n{text}")
    return clean_lines(lines)


_READERS = {
    "pdf": _pdf,
    "docx": _docx,
    "xlsx": _xlsx,
    "xls": _xls,
    "doc": _word_binary,
    "wps": _word_binary,
    "ofd": _ofd,
    "zip": _zip,
}
