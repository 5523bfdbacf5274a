"""MIIT notice pages (SOURCES.md §3.3): identity, notice template, 文号, attachments.

Title ``h1#con_title`` / ``meta ArticleTitle``; time ``span#con_time`` (发布时间：…) before
``meta PubDate`` (they can differ; both raw values are kept); department ``meta ContentSource`` /
``div.cinfo`` 来源; body ``div#con_con``. Attachments (``iframe[fileurl]``, links to
.pdf/.doc/.docx/.wps/.xls/.xlsx/.ofd/.zip or ``attach`` paths) are fetched by the spider as extra
parts; their text (extract.attachments) is appended to the document so it is searchable, and each
is listed in ``extra["attachments"]`` with name, type and, if it could not be fetched or read,
the error (the notice is kept). Image-only pages (一图读懂) have empty text, flagged.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from parsel import Selector

from extract.attachments import AttachmentError, attachment_type, extract_attachment
from extract.blocking import block_reason
from extract.dates import check_against_url, parse_beijing
from extract.document import ExtractedDocument, RawPage, clean_lines
from extract.errors import BlockedPage, ExtractionError
from extract.generic import extract_generic
from extract.html import first_text, meta, open_first_page, paragraphs, squash

NAME = "miit"
HOST = "www.miit.gov.cn"
ARTICLE_PATH_RE = re.compile(
    r"^(?P<column>/[\w/]*?)/?art/(?P<year>\d{4})/art_(?P<id>[0-9a-f]{32})\.html$"
)
ATTACHMENT_EXT = (".pdf", ".doc", ".docx", ".xls", ".xlsx", ".wps", ".zip", ".ofd")
DOC_NUMBER_RE = re.compile(r"[\u4e00-\u9fa5]{2,}[〔\[（(]\d{4}[〕\]）)]\s*\d+\s*号")
_TIME_RE = re.compile(r"发布时间\s*[：:]\s*(20\d{2}-\d{2}-\d{2})(?:\s+(\d{2}:\d{2}))?")


def _allowed_host(host: str) -> bool:
    return host in {"www.miit.gov.cn", "miit.gov.cn", "wap.miit.gov.cn"}


def is_article_url(url: str) -> bool:
    parts = urlsplit(url)
    return _allowed_host((parts.hostname or "").lower()) and bool(ARTICLE_PATH_RE.match(parts.path))


def canonical_url(url: str) -> str:
    """https://www.miit.gov.cn + path; wap. and ?app=mb are the same document."""
    url = urljoin(f"https://{HOST}/", url)
    parts = urlsplit(url)
    if not _allowed_host((parts.hostname or "").lower()) or not ARTICLE_PATH_RE.match(parts.path):
        raise ValueError(f"not an MIIT notice URL: {url}")
    return f"https://{HOST}{parts.path}"


def article_id(url: str) -> str:
    m = ARTICLE_PATH_RE.match(urlsplit(url).path)
    if not m:
        raise ValueError(f"not an MIIT notice URL: {url}")
    return m["id"]


def url_year(url: str) -> int | None:
    m = ARTICLE_PATH_RE.match(urlsplit(url).path)
    return int(m["year"]) if m else None


def attachment_urls(html: str, url: str) -> list[tuple[str, str]]:
    """(absolute URL, name) of a notice's attachments, in page order, without duplicates."""
    sel = Selector(text=html)
    found: dict[str, str] = {}
    for frame in sel.css("iframe[fileurl]"):
        target = urljoin(f"https://{HOST}/", frame.attrib["fileurl"].strip())
        found.setdefault(target, target.rsplit("/", 1)[-1])
    body = sel.css("#con_con") or sel
    for a in body.css("a[href]"):
        href = a.attrib["href"].strip()
        path = urlsplit(href).path.lower()
        if "attach" in path or path.endswith(ATTACHMENT_EXT):
            target = urljoin(url, href)
            name = squash(" ".join(a.css("::text").getall())) or target.rsplit("/", 1)[-1]
            found.setdefault(target, name)
    return list(found.items())


def attachment_text(page: RawPage, name: str | None = None) -> tuple[str, str]:
    """(type, text) of an attachment (see extract.attachments for the formats).

    Raises AttachmentError when it cannot be read; the caller keeps the notice and flags it."""
    return extract_attachment(name or page.url, page.body)


def document_number(text: str) -> str | None:
    """文号 such as 工信部通信函〔2024〕107号, from the first lines of the body."""
    m = DOC_NUMBER_RE.search(text[:600])
    return re.sub(r"\s+", "", m.group()) if m else None


def parse_article(
    pages: list[RawPage], discovery: dict[str, str] | None = None
) -> ExtractedDocument:
    """Read a notice from its page and (in order) its fetched attachments."""
    first, url, html, sel = open_first_page(pages, canonical_url)
    body = sel.css("#con_con")
    lines = paragraphs(body[0]) if body else []
    reason = block_reason(first.status, html, has_structure=bool(body))
    if reason:
        raise BlockedPage(f"{first.url}: {reason}")

    extra: dict[str, object] = {"content_id": article_id(url)}
    title = first_text(sel, "h1#con_title") or meta(sel, "ArticleTitle")
    con_time = first_text(sel, "#con_time")
    pub_meta = meta(sel, "PubDate")
    extra["raw_dates"] = {"con_time": con_time, "PubDate": pub_meta}
    page_date = None
    if con_time and (m := _TIME_RE.search(con_time)):
        page_date = parse_beijing(" ".join(g for g in m.groups() if g))
    if page_date is None:
        page_date = parse_beijing(pub_meta)
    if page_date is None and discovery and discovery.get("date"):
        page_date = parse_beijing(discovery["date"])
    department = meta(sel, "ContentSource")
    if not department:
        for span in sel.css("div.cinfo span"):
            text = squash(" ".join(span.css("::text").getall()))
            if text.startswith("来源"):
                department = re.sub(r"^来源\s*[：:]\s*", "", text) or None
    if department:
        extra["department"] = department
    column = meta(sel, "ColumnName")
    if column:
        extra["column"] = column

    path = "site:miit"
    text = clean_lines(lines)
    if body and not text and body.css("img"):
        extra["image_only"] = True
    elif not body:
        generic = extract_generic(html, url)
        if generic is None:
            raise ExtractionError(f"{first.url}: no notice text found (#con_con or generic)")
        text, path = generic.text, "trafilatura"
        title = title or generic.title
    number = (discovery or {}).get("doc_number") or document_number(text)
    if number:
        extra["doc_number"] = number

    attachments: list[dict[str, object]] = []
    names = dict(attachment_urls(html, first.url))
    for part in pages[1:]:
        name = names.get(part.url, part.url.rsplit("/", 1)[-1])
        entry: dict[str, object] = {"url": part.url, "name": name}
        try:
            kind, att_text = attachment_text(part, part.url)
        except AttachmentError as exc:  # a corrupt attachment never loses the notice
            kind, att_text = attachment_type(part.url, part.body), ""
            entry["error"] = str(exc)
        entry["type"], entry["chars"] = kind, len(att_text)
        attachments.append(entry)
        if att_text:
            text = (
                f"{text}\n\n附件：{name}\n\n{att_text}" if text else f"附件：{name}\n\n{att_text}"
            )
    for err in (discovery or {}).get("attachment_errors", []):  # type: ignore[union-attr]
        att_url = str(err.get("url", ""))
        attachments.append(
            {
                "url": att_url,
                "name": names.get(att_url, att_url.rsplit("/", 1)[-1]),
                "type": attachment_type(att_url, b""),
                "chars": 0,
                "error": f"not fetched: {err.get('cause', 'unknown')}",
            }
        )
    if attachments:
        extra["attachments"] = attachments
    year = url_year(url)
    checked = check_against_url(page_date, None)
    if checked and year and checked.beijing_date.year not in (year, year + 1, year - 1):
        extra["date_note"] = f"page year {checked.beijing_date.year} differs from URL year {year}"
    return ExtractedDocument(
        canonical_url=url,
        language="zh",
        title=title or (discovery or {}).get("title"),
        byline=None,
        published=checked,
        text=text,
        extraction_path=path,
        extra=extra,
    )
