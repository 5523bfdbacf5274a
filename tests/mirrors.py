"""Local HTTP mirrors for tests: the static mirror plus recorded requests and special routes
(server errors, slow answers, raw bytes with chosen headers)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from policywatch.mirror import Mirror, MirrorHandler

Route = Callable[[MirrorHandler], None]


def status(code: int, body: bytes = b"error") -> Route:
    def route(h: MirrorHandler) -> None:
        h.send_response(code)
        h.send_header("Content-Type", "text/html")
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    return route


def slow(seconds: float) -> Route:
    def route(h: MirrorHandler) -> None:
        time.sleep(seconds)
        status(200, b"<html><body>too late</body></html>")(h)

    return route


def raw(body: bytes, content_type: str = "text/html") -> Route:
    def route(h: MirrorHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", content_type)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    return route


class RecordingMirror(Mirror):
    """A mirror of ``root`` that records every path requested and serves ``routes`` first."""

    def __init__(self, root: Path, routes: dict[str, Route] | None = None) -> None:
        self.requests: list[str] = []
        self.times: list[float] = []  # time.monotonic() of each request, in order
        self.headers: dict[str, dict[str, str]] = {}
        self.routes = dict(routes or {})
        mirror = self

        class Handler(MirrorHandler):
            def do_GET(self) -> None:  # noqa: N802
                mirror.times.append(time.monotonic())
                mirror.requests.append(self.path)
                mirror.headers[self.path] = dict(self.headers.items())
                route = mirror.routes.get(self.path.split("?")[0])
                if route:
                    route(self)
                else:
                    super().do_GET()

        super().__init__(root, handler=Handler)

    def gaps_after(self, paths: set[str]) -> list[float]:
        """Seconds between each request for one of ``paths`` and the next request."""
        return [
            self.times[i + 1] - self.times[i]
            for i, path in enumerate(self.requests[:-1])
            if path.split("?")[0] in paths
        ]

    def article_requests(self) -> list[str]:
        return [p for p in self.requests if p.startswith("/a/")]


class TrapProxy:
    """An HTTP(S) proxy that forwards nothing and records every request it is asked to make.

    Set as ``https_proxy``/``http_proxy`` for a crawl: a request that would leave the host map
    (to the internet) lands here instead, so tests can assert that none was sent."""

    def __init__(self) -> None:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        from threading import Thread

        self.requests: list[str] = []
        trap = self

        class Handler(BaseHTTPRequestHandler):
            def _refuse(self) -> None:
                trap.requests.append(f"{self.command} {self.path}")
                self.send_error(403, "trap proxy: nothing is forwarded")

            do_CONNECT = do_GET = do_POST = do_HEAD = _refuse  # noqa: N815

            def log_message(self, format: str, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def env(self) -> dict[str, str]:
        return {"https_proxy": self.url, "http_proxy": self.url, "no_proxy": "", "NO_PROXY": ""}

    def __enter__(self) -> TrapProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
