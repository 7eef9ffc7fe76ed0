"""Helpers of the service-level tests: CLI subprocesses, tagged events, a slow SMTP sink."""

from __future__ import annotations

import asyncio
import email
import email.policy
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

from aiosmtpd.controller import Controller

from euradar.core.codec import dumps_event
from euradar.core.models import Event, Item

REPO = Path(__file__).resolve().parents[2]
SERVICES_SH = REPO / "infra" / "services.sh"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tagged_item(run: str, n: int, version: int = 1, theme: str = "T3") -> Item:
    """A tagged call, unique to this run; its URL is how a test finds it in a mail."""
    due = (date.today() + timedelta(days=30 + n % 50)).isoformat()
    return Item(id=f"svc:{run}:{n}", kind="call", source="svc_test",
                url=f"https://svc.example.test/{run}/item-{n}",
                title=f"Hydrogen valley pilot {n} version {version}",
                text="Renewable hydrogen production and storage in Arctic conditions.",
                lang="en", programme="HORIZON", deadlines=[due], status="open",
                first_seen="2026-05-01T08:00:00+00:00", version=version,
                themes=[{"id": theme, "score": 0.9, "evidence": []}])


def event_bytes(item: Item, type_: str = "new") -> bytes:
    return dumps_event(Event(type=type_, item=item))


class CliProcess:
    """``python -m euradar --data-dir D consume <role>`` in its own process group."""

    def __init__(self, role: str, data_dir: Path, env: dict[str, str], log_name: str,
                 entry: list[str] | None = None):
        self.log_path = data_dir / f"{log_name}.log"
        self._log = open(self.log_path, "ab")
        # No health port unless the test asks for one: parallel runs must not collide on it.
        full_env = {**os.environ, "EURADAR_HEALTH_PORT": "0", **env, "PYTHONPATH": str(REPO),
                    "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            [sys.executable, *(entry or ["-m", "euradar"]), "--data-dir", str(data_dir), "consume", role],
            cwd=REPO, env=full_env, stdout=self._log, stderr=subprocess.STDOUT,
            start_new_session=True)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill9(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self, timeout: float = 20.0) -> int | None:
        """SIGTERM (the CLI stops its loop), SIGKILL if it does not exit in time."""
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self._log.close()
        return self.proc.returncode

    def output(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


class _SlowSink:
    """Accepts every message, but each MAIL FROM waits ``delay`` seconds first. A client killed
    during that wait has delivered nothing, so a count of DATA = a count of delivered mails."""

    def __init__(self, delay: float):
        self.delay = delay
        self.lock = threading.Lock()
        self.messages: list[email.message.EmailMessage] = []
        self.waiting = threading.Event()  # a client is inside MAIL FROM right now
        self.waiting_peers: set[int] = set()  # client ports of the sessions inside MAIL FROM

    async def handle_MAIL(self, server, session, envelope, address, mail_options):  # noqa: N802
        port = session.peer[1] if session.peer else -1
        with self.lock:
            self.waiting_peers.add(port)
        self.waiting.set()
        try:
            await asyncio.sleep(self.delay)
        finally:
            with self.lock:
                self.waiting_peers.discard(port)
                if not self.waiting_peers:
                    self.waiting.clear()
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(msg)
        return "250 Message accepted for delivery"


class SlowSmtpServer:
    def __init__(self, delay: float = 0.3):
        self.port = free_port()
        self.sink = _SlowSink(delay)
        self._controller = Controller(self.sink, hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def count(self) -> int:
        with self.sink.lock:
            return len(self.sink.messages)

    def deliveries(self, run: str) -> Counter:
        """(recipient, item number) -> how many mails mentioned that item to that recipient."""
        pattern = re.compile(rf"https://svc\.example\.test/{re.escape(run)}/item-(\d+)\b")
        seen: Counter = Counter()
        with self.sink.lock:
            messages = list(self.sink.messages)
        for msg in messages:
            part = msg.get_body(preferencelist=("plain",))
            text = part.get_content() if part else ""
            for n in set(pattern.findall(text)):
                seen[(str(msg["To"]).lower(), int(n))] += 1
        return seen

    def start(self) -> SlowSmtpServer:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()


def pid_with_local_port(port: int, pids: list[int]) -> int | None:
    """Which of ``pids`` owns the TCP socket bound to local ``port`` (Linux /proc)."""
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(fields[9])
    for pid in pids:
        try:
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                try:
                    target = os.readlink(fd)
                except OSError:
                    continue
                if target.startswith("socket:[") and target[8:-1] in inodes:
                    return pid
        except OSError:
            continue
    return None


def group_state(bootstrap: str, group: str) -> tuple[str, int]:
    """(state, number of members) of a Kafka consumer group, e.g. ("Stable", 2)."""
    from kafka import KafkaAdminClient

    admin = KafkaAdminClient(bootstrap_servers=bootstrap.split(","), client_id="euradar-test")
    try:
        info = admin.describe_groups([group])[group]
    finally:
        admin.close()
    return str(info.get("group_state")), len(info.get("members") or [])


def services_sh(*args: str, timeout: float = 240) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(SERVICES_SH), *args], cwd=REPO, capture_output=True,
                          text=True, timeout=timeout)


def wait_until(predicate, timeout: float, interval: float = 0.2) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())
