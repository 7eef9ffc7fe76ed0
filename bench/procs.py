"""What the process benchmarks share: the items, role processes with their RSS and CPU time,
Kafka group and topic probes. Not installed; imported by bench/bench_*.py."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from euradar.core.models import Item

REPO = Path(__file__).resolve().parents[1]
_TICK = os.sysconf("SC_CLK_TCK")
SYNTHETIC_WORDS = ("hydrogen", "arctic", "testing", "tourism", "circular", "economy", "mining",
                   "forest", "bioeconomy", "digital", "skills", "SMEs", "Lapland", "innovation",
                   "energy", "climate", "transport", "research", "pilot", "cooperation")


def records(corpus: Path, labels: Path, synthetic: int = 0) -> tuple[list[dict], str]:
    """Texts to cycle through: the real corpus (as bench_tagger extracts it) or, with
    ``synthetic``, that many generated word lists (said so in the output)."""
    if synthetic:
        out = []
        for i in range(synthetic):
            words = [SYNTHETIC_WORDS[(i * 7 + k * 3) % len(SYNTHETIC_WORDS)] for k in range(60)]
            out.append({"title": f"Synthetic call {i}: " + " ".join(words[:6]), "text": " ".join(words)})
        return out, "synthetic (generated word lists)"
    from bench.bench_tagger import corpus_records

    found = corpus_records(corpus, labels)
    return found, f"{corpus} (+ {labels}): {len(found)} texts, cycled"


def make_items(texts: list[dict], n: int, start: int = 0, prefix: str = "bench") -> list[Item]:
    return [item_at(texts, i, prefix) for i in range(start, start + n)]


def item_at(texts: list[dict], i: int, prefix: str = "bench", unique: bool = False) -> Item:
    """Item ``i``: text ``i`` modulo the corpus. ``unique`` adds what every real call has and
    no other shares (a call id, a reference number), so a long run meets new words throughout
    as a real stream does, not only in its first pass over the corpus."""
    r = texts[i % len(texts)]
    title, text = (r["title"][:480] or "untitled"), r["text"][:20000]
    if unique:
        title += f" (HORIZON-CL5-2027-D{i:06d})"
        text += f" Reference R{(i * 7919) % 10_000_000:07d}-{i:06d}."
    return Item(id=f"{prefix}:{i}", kind="call", source="bench",
                url=f"https://bench.example.test/{i}", title=title, text=text,
                first_seen="2026-05-01T08:00:00+00:00")


class Role:
    """``python -m euradar --data-dir D <args>`` as its own process (its own session)."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], data_dir: Path):
        self.name = name
        self.log_path = data_dir / f"{name}.log"
        self._log = open(self.log_path, "ab")
        full_env = {**os.environ, **env, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen([sys.executable, "-m", "euradar", "--data-dir", str(data_dir), *args],
                                     cwd=REPO, env=full_env, stdout=self._log,
                                     stderr=subprocess.STDOUT, start_new_session=True)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def rss_mb(self) -> float:
        return rss_mb(self.pid)

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.pid)

    def stop(self, timeout: float = 30.0) -> int | None:
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self._log.close()
        return self.proc.returncode

    def tail(self, chars: int = 2000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path.exists() else ""


def rss_mb(pid: int) -> float:
    """Resident set size of ``pid`` in MB (0 when it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of ``pid`` so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _TICK
    except (OSError, IndexError, ValueError):
        return 0.0


def wait_until(predicate, timeout: float, interval: float = 0.05) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())


class KafkaProbe:
    """Group states and topic sizes, with one client each (cheap to ask many times)."""

    def __init__(self, bootstrap: str):
        from kafka import KafkaAdminClient, KafkaConsumer

        self._admin = KafkaAdminClient(bootstrap_servers=bootstrap.split(","), client_id="bench")
        self._consumer = KafkaConsumer(bootstrap_servers=bootstrap.split(","), group_id=None,
                                       enable_auto_commit=False, client_id="bench-probe")

    def group(self, group: str) -> tuple[str, int]:
        info = self._admin.describe_groups([group])[group]
        return str(info.get("group_state")), len(info.get("members") or [])

    def size(self, topic: str) -> int:
        from kafka import TopicPartition

        parts = self._consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in parts]
        return int(sum(self._consumer.end_offsets(tps).values())) if tps else 0

    def close(self) -> None:
        self._admin.close()
        self._consumer.close()
