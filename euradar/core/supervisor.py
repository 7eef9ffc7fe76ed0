"""Supervision of long-running roles: restart with backoff, say why, count it.

Each task (a consumer role) runs in its own thread under :class:`Supervisor`. When its
function raises, the supervisor logs the error with its traceback, counts a restart
(``euradar_restarts_total{task=...}``), waits (exponential backoff, reset once the task ran
healthy for a while) and starts it again; the process never ends because one role failed or a
dependency was down. :class:`TaskState` is what health checks read: running or waiting,
restarts, last error, the last sign of life and the last progress.

:class:`RecordFailures` remembers, across restarts of a role, how often each record failed,
so the consume loop can dead-letter a record that fails the same way again and again instead
of stopping the role on it forever.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field

from euradar.core import metrics

log = logging.getLogger(__name__)


@dataclass
class TaskState:
    """Liveness of one supervised task, updated by the task itself and by the supervisor."""

    name: str
    status: str = "starting"  # running | waiting (to be restarted) | stopped
    restarts: int = 0
    last_error: str | None = None
    started: float = field(default_factory=time.monotonic)
    heartbeat: float = field(default_factory=time.monotonic)  # the loop went round
    progress: float = field(default_factory=time.monotonic)  # a batch was committed

    def beat(self) -> None:
        self.heartbeat = time.monotonic()

    def progressed(self) -> None:
        self.progress = self.heartbeat = time.monotonic()

    def snapshot(self) -> dict[str, object]:
        now = time.monotonic()
        return {"status": self.status, "restarts": self.restarts, "last_error": self.last_error,
                "seconds_since_heartbeat": round(now - self.heartbeat, 1),
                "seconds_since_progress": round(now - self.progress, 1)}


class Supervisor:
    """Runs tasks in threads and restarts each one that raises, with exponential backoff."""

    def __init__(self, stop: threading.Event, *, backoff_base: float = 1.0,
                 backoff_max: float = 60.0, healthy_after: float = 60.0):
        self.stop = stop
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.healthy_after = healthy_after
        self.states: dict[str, TaskState] = {}
        self.threads: dict[str, threading.Thread] = {}

    def spawn(self, name: str, target: Callable[[TaskState], object]) -> TaskState:
        state = TaskState(name)
        self.states[name] = state
        thread = threading.Thread(target=self._run, args=(state, target), name=name, daemon=True)
        self.threads[name] = thread
        thread.start()
        return state

    def _run(self, state: TaskState, target: Callable[[TaskState], object]) -> None:
        failures = 0
        while not self.stop.is_set():
            state.status = "running"
            state.started = time.monotonic()
            state.beat()
            metrics.TASK_UP.labels(task=state.name).set(1)
            try:
                target(state)
                if self.stop.is_set():
                    break
                raise RuntimeError("returned without being asked to stop")
            except Exception as exc:
                if time.monotonic() - state.started > self.healthy_after:
                    failures = 0  # it ran fine for a while: this is a new problem, start low
                failures += 1
                delay = min(self.backoff_max, self.backoff_base * 2 ** (failures - 1))
                state.restarts += 1
                state.last_error = f"{type(exc).__name__}: {exc}"[:500]
                state.status = "waiting"
                metrics.TASK_UP.labels(task=state.name).set(0)
                metrics.RESTARTS.labels(task=state.name).inc()
                log.error("%s failed (%s); restart %d in %.1fs\n%s", state.name, state.last_error,
                          state.restarts, delay, summarize_traceback(exc))
                if self.stop.wait(delay):
                    break
        state.status = "stopped"
        metrics.TASK_UP.labels(task=state.name).set(0)

    def join(self, timeout: float) -> list[str]:
        """Wait up to ``timeout`` seconds in all; returns the tasks still running."""
        deadline = time.monotonic() + timeout
        for thread in self.threads.values():
            thread.join(max(0.0, deadline - time.monotonic()))
        return [name for name, t in self.threads.items() if t.is_alive()]


def summarize_traceback(exc: BaseException, limit: int = 2000) -> str:
    """The last frames of ``exc``'s traceback, short enough for a log line or a dead letter."""
    lines = traceback.format_exception(type(exc), exc, exc.__traceback__, limit=-6)
    text = "".join(lines).strip()
    return text if len(text) <= limit else "..." + text[-limit:]


class RecordFailures:
    """How often each record (topic, partition, offset) failed in a role; kept across the
    role's restarts, forgotten once the record is dealt with."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[tuple[str, int, int], int] = {}

    def add(self, key: tuple[str, int, int]) -> int:
        with self._lock:
            self._counts[key] = self._counts.get(key, 0) + 1
            if len(self._counts) > 10_000:  # records that later succeeded: forget the oldest
                for old in list(self._counts)[:5_000]:
                    del self._counts[old]
            return self._counts[key]

    def forget(self, key: tuple[str, int, int]) -> None:
        with self._lock:
            self._counts.pop(key, None)
