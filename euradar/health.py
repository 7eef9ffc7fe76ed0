"""Health and metrics of a running euradar process, for operators and orchestrators.

* liveness (``/healthz``): the process answers; 200 whatever its dependencies do, so an
  orchestrator does not restart a process that is only waiting for Elasticsearch;
* readiness (``/readyz``): bus, index, store and notifier answer, every supervised role runs,
  and no role has lag without progress for ``Settings.stall_seconds``; 503 with the reasons
  otherwise;
* metrics (``/metrics``): Prometheus text: the counters of :mod:`euradar.core.metrics` and the
  process collector, plus gauges computed when scraped (consumer lag per group and partition,
  dependency probes, source health, dead letters).

The same :class:`Health` serves the web app's routes (``euradar run``, ``euradar serve``), a
small HTTP server of its own for ``euradar consume ROLE`` (:class:`HealthServer`), and
``euradar status``.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from euradar.core.ports import Bus, Index, Notifier, Store
from euradar.core.settings import Settings
from euradar.core.supervisor import TaskState
from euradar.core.topics import DEAD_LETTER, ITEMS_RAW, ITEMS_TAGGED, OPERATOR

log = logging.getLogger(__name__)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# Consumer groups and their topics, per role (the alerter also relays operator events).
GROUPS: Mapping[str, Sequence[tuple[str, tuple[str, ...]]]] = {
    "tagger": [("tagger", (ITEMS_RAW,))],
    "indexer": [("indexer", (ITEMS_TAGGED,))],
    "alerter": [("alerter", (ITEMS_TAGGED,)), ("alerter-operator", (OPERATOR,))],
}


def _probe(call: Callable[[], object]) -> str | None:
    """None when ``call`` succeeds, else the reason (never raises)."""
    try:
        call()
        return None
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"[:300]


class Health:
    """Probes and reports over one process's backends and supervised tasks."""

    def __init__(self, settings: Settings, bus: Bus, index: Index, store: Store,
                 notifier: Notifier, tasks: Mapping[str, TaskState] | None = None,
                 cache_seconds: float = 5.0):
        self.settings = settings
        self.bus, self.index, self.store, self.notifier = bus, index, store, notifier
        self.tasks: Mapping[str, TaskState] = tasks if tasks is not None else {}
        self.cache_seconds = cache_seconds
        self._cache: dict[str, tuple[float, Any]] = {}
        self._lock = threading.Lock()
        self.registry = CollectorRegistry()
        self.registry.register(_ScrapeCollector(self))

    def _cached(self, key: str, ttl: float, compute: Callable[[], Any]) -> Any:
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(key)
            if hit and now - hit[0] < ttl:
                return hit[1]
        value = compute()
        with self._lock:
            self._cache[key] = (time.monotonic(), value)
        return value

    # -- probes ------------------------------------------------------------------------------

    def dependencies(self) -> dict[str, str | None]:
        """dependency -> None (reachable) or the reason it is not."""
        def ping(part: object, fallback: Callable[[], object]) -> Callable[[], object]:
            method = getattr(part, "ping", None)
            return method if callable(method) else fallback

        checks = {
            "bus": lambda: _probe(ping(self.bus, lambda: None)),
            "index": lambda: _probe(ping(self.index, self.index.count)),
            "store": lambda: _probe(ping(self.store, self.store.list_source_states)),
        }
        out = {name: self._cached(name, 2.0, check) for name, check in checks.items()}
        # A mail server is probed less often: each probe is a connection with a TLS handshake.
        out["notifier"] = self._cached("notifier", 15.0,
                                       lambda: _probe(ping(self.notifier, lambda: None)))
        return out

    def lag(self) -> dict[str, dict[tuple[str, int], int]]:
        """group -> (topic, partition) -> records not yet committed, for the roles this process
        runs (every role when it runs none, e.g. ``euradar status``)."""
        group_lag = getattr(self.bus, "group_lag", None)
        if not callable(group_lag):
            return {}
        roles = [r for r in GROUPS if r in self.tasks] or list(GROUPS)

        def compute() -> dict[str, dict[tuple[str, int], int]]:
            out: dict[str, dict[tuple[str, int], int]] = {}
            for role in roles:
                for group, topics in GROUPS[role]:
                    try:
                        out[group] = dict(group_lag(group, topics))
                    except Exception as exc:
                        log.debug("lag of %s: %s", group, exc)
            return out

        result: dict[str, dict[tuple[str, int], int]] = self._cached("lag", self.cache_seconds,
                                                                     compute)
        return result

    def roles(self) -> dict[str, dict[str, Any]]:
        """Each supervised task: its state, and whether it is healthy (with the reason)."""
        lag = self.lag()
        out = {}
        for name, state in self.tasks.items():
            info: dict[str, Any] = dict(state.snapshot())
            total = sum(sum(lag.get(g, {}).values()) for g, _ in GROUPS.get(name, ()))
            info["lag"] = total
            problem = None
            if state.status != "running":
                problem = f"{state.status} (last error: {state.last_error})"
            elif time.monotonic() - state.heartbeat > self.settings.stall_seconds:
                problem = f"no sign of life for {info['seconds_since_heartbeat']:.0f}s"
            elif total and time.monotonic() - state.progress > self.settings.stall_seconds:
                problem = (f"{total} record(s) waiting and no progress for "
                           f"{info['seconds_since_progress']:.0f}s")
            info["problem"] = problem
            out[name] = info
        return out

    def readiness(self) -> tuple[bool, dict[str, Any]]:
        deps = self.dependencies()
        roles = self.roles()
        problems = [f"{name}: {why}" for name, why in deps.items() if why] + \
                   [f"{name}: {info['problem']}" for name, info in roles.items() if info["problem"]]
        report = {"ready": not problems, "problems": problems,
                  "dependencies": {n: ("ok" if not why else why) for n, why in deps.items()},
                  "roles": roles}
        return not problems, report

    def sources(self) -> list[dict[str, Any]]:
        try:
            return [vars(s) for s in self.store.list_source_states()]
        except Exception as exc:
            log.debug("source states: %s", exc)
            return []

    def dead_letters(self) -> int | None:
        size = getattr(self.bus, "topic_size", None)
        if not callable(size):
            return None
        try:
            return int(self._cached("dead", self.cache_seconds, lambda: size(DEAD_LETTER)))
        except Exception:
            return None

    def metrics_text(self) -> bytes:
        return generate_latest(REGISTRY) + generate_latest(self.registry)


def _timestamp(iso: str | None) -> float | None:
    if not iso:
        return None
    try:
        return datetime.fromisoformat(iso).timestamp()
    except ValueError:
        return None


class _ScrapeCollector(Collector):
    """Gauges read when scraped: lag, dependencies, sources, dead letters."""

    def __init__(self, health: Health):
        self.health = health

    def collect(self) -> Iterator[GaugeMetricFamily]:
        h = self.health
        lag = GaugeMetricFamily("euradar_consumer_lag", "Records after the committed offset",
                                labels=["group", "topic", "partition"])
        for group, parts in h.lag().items():
            for (topic, partition), value in sorted(parts.items()):
                lag.add_metric([group, topic, str(partition)], value)
        yield lag
        up = GaugeMetricFamily("euradar_dependency_up", "1 when the dependency answers",
                               labels=["dependency"])
        for name, why in h.dependencies().items():
            up.add_metric([name], 0 if why else 1)
        yield up
        ok = GaugeMetricFamily("euradar_source_up", "1 when the last crawl succeeded",
                               labels=["source"])
        last = GaugeMetricFamily("euradar_source_last_success_timestamp_seconds",
                                 "Unix time of the last successful crawl", labels=["source"])
        fails = GaugeMetricFamily("euradar_source_consecutive_failures",
                                  "Failed crawls in a row", labels=["source"])
        for s in h.sources():
            ok.add_metric([s["name"]], 0 if s["consecutive_failures"] else 1)
            fails.add_metric([s["name"]], s["consecutive_failures"])
            ts = _timestamp(s["last_success"])
            if ts is not None:
                last.add_metric([s["name"]], ts)
        yield from (ok, last, fails)
        dead = h.dead_letters()
        if dead is not None:
            yield GaugeMetricFamily("euradar_dead_letter_records",
                                    "Records on the dead-letter topic", value=dead)


class HealthServer:
    """``/healthz``, ``/readyz`` and ``/metrics`` on a port of their own (``euradar consume``)."""

    def __init__(self, health: Health, host: str, port: int):
        self.health = health

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802  (http.server's naming)
                status, body, ctype = route(health, self.path)
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return None  # scrapes every few seconds: no access log

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.server.daemon_threads = True
        self.port = int(self.server.server_address[1])
        self.thread = threading.Thread(target=self.server.serve_forever, name="health",
                                       daemon=True)

    def start(self) -> HealthServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def route(health: Health, path: str) -> tuple[int, bytes, str]:
    """(status, body, content type) for a health path; shared by both servers."""
    path = path.split("?", 1)[0]
    if path == "/healthz":
        return 200, b'{"alive": true}', "application/json"
    if path == "/readyz":
        ready, report = health.readiness()
        return (200 if ready else 503), json.dumps(report, default=str).encode(), \
            "application/json"
    if path == "/metrics":
        return 200, health.metrics_text(), CONTENT_TYPE
    return 404, b'{"detail": "not found"}', "application/json"
