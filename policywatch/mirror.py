"""A static local mirror of a site, served over real HTTP (for the offline demo and tests).

URL path -> file under the root: ``/a/202404/12/WS….html`` -> ``a/202404/12/WS….html``;
a path without a file (``/business/tech``, ``/business/tech/``) -> ``business/tech/index.html``.
A query string is ignored except for the API answers named in ``query_file``.
Serves no directory listings and nothing outside the root.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

CONTENT_TYPES = {
    ".html": "text/html",
    ".htm": "text/html",
    ".xml": "application/rss+xml",
    ".json": "application/json",
    ".txt": "text/plain",
    ".pdf": "application/pdf",
}


def query_file(path: str, query: str) -> str:
    """Where an API answer with a query string lives (MIIT's list and search APIs)::

    ...?...&pageId=ID               -> <path>/ID.json
    ...?...&pageId=ID&paramJson={"pageNo":N}  (or pageNo=N)  -> <path>/ID_pageN.json
    ...?...&cateid=C&p=P            -> <path>/cateidC_pP.json
    any other query                 -> <path> (the query is ignored)
    """
    params = {k: v[0] for k, v in parse_qs(query).items()}
    if "pageId" in params:
        page = params.get("pageNo")
        if "paramJson" in params:
            try:
                page = str(json.loads(params["paramJson"]).get("pageNo", 1))
            except (ValueError, AttributeError):
                page = None
        suffix = f"_page{page}" if page and page != "1" else ""
        return f"{path.rstrip('/')}/{params['pageId']}{suffix}.json"
    if "cateid" in params:
        return f"{path.rstrip('/')}/cateid{params['cateid']}_p{params.get('p', '0')}.json"
    return path


def resolve(root: Path, url_path: str) -> Path | None:
    parts = urlsplit(url_path)
    rel = unquote(query_file(parts.path, parts.query)).lstrip("/")
    candidate = (root / rel).resolve()
    if root.resolve() not in (candidate, *candidate.parents):
        return None
    if candidate.is_file():
        return candidate
    index = candidate / "index.html"
    return index if index.is_file() else None


class MirrorHandler(BaseHTTPRequestHandler):
    root: Path
    charset: str | None = None  # added to text content types when set

    def do_GET(self) -> None:  # noqa: N802 (http.server API)
        path = resolve(self.root, self.path)
        if path is None:
            self.send_error(404, "Not Found")
            return
        body = path.read_bytes()
        ctype = CONTENT_TYPES.get(path.suffix.lower(), "application/octet-stream")
        if self.charset and ctype.startswith(("text/", "application/rss")):
            ctype += f"; charset={self.charset}"
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # silence per-request logs
        return


class Mirror:
    """``with Mirror(root) as m: m.address`` -> '127.0.0.1:PORT'."""

    def __init__(self, root: Path, port: int = 0, handler: type[MirrorHandler] = MirrorHandler):
        handler_cls = type("BoundMirrorHandler", (handler,), {"root": Path(root)})
        self.server = ThreadingHTTPServer(("127.0.0.1", port), handler_cls)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def address(self) -> str:
        host, port = self.server.server_address[:2]
        return f"{host}:{port}"

    def __enter__(self) -> Mirror:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
