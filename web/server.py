"""Run the web app with uvicorn: blocking (``euradar serve``) or in a thread (``euradar run``).

Binds ``settings.web_host`` (127.0.0.1 unless configured): the API's reads are open, so exposing
it on a network is a decision the operator makes, with EURADAR_API_TOKEN set for the writes.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import threading
import time
from dataclasses import dataclass

import uvicorn

from euradar.runtime import Runtime
from euradar.web.app import create_app

log = logging.getLogger(__name__)


def _config(runtime: Runtime) -> uvicorn.Config:
    settings = runtime.settings
    _warn_if_exposed(settings.web_host, settings.api_token)
    return uvicorn.Config(create_app(runtime), host=settings.web_host, port=settings.web_port,
                          log_level="warning", access_log=False, server_header=False,
                          proxy_headers=False)


def _warn_if_exposed(host: str, token: str | None) -> None:
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        log.warning("web server listens on %s: anyone who can reach it can search%s", host,
                    "" if token else " (writes stay disabled until EURADAR_API_TOKEN is set)")


@dataclass
class ServerHandle:
    """A running background server; ``port`` is the real one (settings may say 0 = any)."""

    server: uvicorn.Server
    thread: threading.Thread
    host: str
    port: int

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def stop(self, timeout: float = 10.0) -> None:
        self.server.should_exit = True
        self.thread.join(timeout)


def start_background(runtime: Runtime, startup_timeout: float = 15.0) -> ServerHandle:
    """Start uvicorn in a daemon thread and return once it accepts connections."""
    config = _config(runtime)
    # Bind here, in the caller's thread: a busy port is a clear error at once instead of an
    # exception (and sys.exit) inside uvicorn's thread.
    family = socket.AF_INET6 if ":" in config.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((config.host, config.port))
    except OSError as exc:
        sock.close()
        raise RuntimeError(f"web server did not start on {config.host}:{config.port}: "
                           f"{exc.strerror} (is the port in use? set EURADAR_WEB_PORT)") from exc
    server = uvicorn.Server(config)
    # uvicorn installs signal handlers only in the main thread; the caller keeps its own.
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="web",
                              daemon=True)
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError(f"web server did not start on {runtime.settings.web_host}:"
                               f"{runtime.settings.web_port} (is the port in use?)")
        if time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError("web server did not start within "
                               f"{startup_timeout:.0f} s")
        time.sleep(0.02)
    sock = server.servers[0].sockets[0]
    host, port = sock.getsockname()[:2]
    log.info("web UI and API on http://%s:%s", host, port)
    return ServerHandle(server=server, thread=thread, host=host, port=port)


def serve(runtime: Runtime) -> None:
    """Serve until interrupted (Ctrl-C / SIGTERM)."""
    config = _config(runtime)
    log.info("web UI and API on http://%s:%s", config.host, config.port)
    uvicorn.Server(config).run()
