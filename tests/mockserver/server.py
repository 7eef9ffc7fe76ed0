"""A local HTTP server that stands in for the EU sites: tests and the recrawl bench point
sources at it (``EURADAR_SOURCE_<NAME>_URL``) because the live sites are out of reach.

It serves files under a root directory (the captured corpus) with real ETag/Last-Modified
validators and 304 answers, plus routes registered per test: aliases (a public-looking path
served from a file), and handlers returning any status/body (POST APIs, error pages, HTML with
status 200, slow or broken answers). Every request is logged for assertions.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

CONTENT_TYPES = {".json": "application/json", ".xml": "application/xml",
                 ".html": "text/html; charset=utf-8", ".txt": "text/plain; charset=utf-8"}


@dataclass
class Seen:
    """One request as the server received it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    at: float = field(default_factory=time.monotonic)  # arrival, to check retry backoff


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Seen], Reply]


def file_reply(path: Path, request: Seen, content_type: str | None = None,
               validators: bool = True) -> Reply:
    """Serve a file; with ``validators`` answer 304 when the client's ETag still matches."""
    data = path.read_bytes()
    headers = {"Content-Type": content_type or CONTENT_TYPES.get(path.suffix, "application/octet-stream")}
    if validators:
        etag = '"' + hashlib.sha1(data).hexdigest()[:16] + '"'
        last_modified = formatdate(path.stat().st_mtime, usegmt=True)
        headers.update({"ETag": etag, "Last-Modified": last_modified})
        if request.headers.get("if-none-match") == etag or (
                "if-none-match" not in request.headers
                and request.headers.get("if-modified-since") == last_modified):
            return Reply(304, b"", {"ETag": etag, "Last-Modified": last_modified})
    return Reply(200, data, headers)


class CorpusServer:
    def __init__(self, root: Path | str | None = None):
        self.root = Path(root) if root else None
        self.routes: dict[tuple[str, str], Handler] = {}
        self.requests: list[Seen] = []
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None

    # configuration ---------------------------------------------------------------------------
    def route(self, method: str, path: str, handler: Handler) -> None:
        self.routes[(method.upper(), path)] = handler

    def alias(self, path: str, file: Path | str, content_type: str | None = None,
              validators: bool = True) -> None:
        """GET ``path`` answers with ``file`` (with validators)."""
        self.route("GET", path, lambda req: file_reply(Path(file), req, content_type, validators))

    def reply(self, method: str, path: str, status: int, body: bytes | str,
              content_type: str = "application/json") -> None:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.route(method, path, lambda req: Reply(status, data, {"Content-Type": content_type}))

    # lifecycle -------------------------------------------------------------------------------
    def start(self) -> CorpusServer:
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                seen = Seen(self.command, parts.path, parse_qs(parts.query),
                            {k.lower(): v for k, v in self.headers.items()},
                            self.rfile.read(length) if length else b"")
                with server._lock:
                    server.requests.append(seen)
                reply = server.dispatch(seen)
                self.send_response(reply.status)
                for key, value in reply.headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                if self.command != "HEAD" and reply.status != 304:
                    self.wfile.write(reply.body)

            do_GET = do_POST = do_HEAD = _serve

            def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
                return None

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._httpd:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> CorpusServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # use ---------------------------------------------------------------------------------------
    @property
    def base(self) -> str:
        assert self._httpd, "server not started"
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + (path if path.startswith("/") else "/" + path)

    def dispatch(self, request: Seen) -> Reply:
        handler = self.routes.get((request.method if request.method != "HEAD" else "GET", request.path))
        if handler:
            return handler(request)
        if request.method in ("GET", "HEAD") and self.root is not None:
            target = (self.root / request.path.lstrip("/")).resolve()
            if target.is_file() and self.root.resolve() in target.parents:
                return file_reply(target, request)
        return Reply(404, b'{"error": "not found"}', {"Content-Type": "application/json"})

    def seen(self, method: str | None = None, path: str | None = None) -> list[Seen]:
        with self._lock:
            return [r for r in self.requests
                    if (method is None or r.method == method) and (path is None or r.path == path)]
