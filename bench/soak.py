"""Soak: ``euradar run`` on Kafka + Elasticsearch for N minutes (10 by default) with periodic
crawls from the local corpus server and injected faults; ends with every item indexed and the
process's memory flat. A bench, not a timed test: it prints one JSON document.

What runs:

* the local corpus server (tests/mockserver) serves the real EC Press Corner capture from
  /work/shared/corpus as a feed; every crawl cycle it serves a new *derived* version (the
  capture with a cycle number added to each entry's link and title: synthetic variation of a
  real payload, so every crawl publishes 20 new items);
* ``euradar run`` (every role, the scheduler, the web server) in a subprocess, crawling that
  feed every minute (``schedule = "1m"``);
* faults, one every ``--fault-every`` seconds, in turn: a poison record in the raw topic (must
  be dead-lettered), a malformed feed (must be reported, nothing published), and, with
  ``--es-outage``, Elasticsearch stopped for 30 s with infra/services.sh (started with the
  same environment);
* resident memory of the process sampled from /proc every 5 s.

At the end it waits for the index to hold every distinct item published (the poison records
are dead-lettered, not indexed) and reports: items published / indexed / dead-lettered, the
roles' restarts (from /metrics), memory at 25 % and at 100 % of the run and their ratio.

Usage::

    python bench/soak.py [--minutes 10] [--kafka 127.0.0.1:9092] [--es http://127.0.0.1:9200]
                         [--fault-every 90] [--es-outage]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402

from euradar.core.topics import ALL_TOPICS, DEAD_LETTER, ITEMS_RAW  # noqa: E402
from euradar.infra.bus.kafka import KafkaBus  # noqa: E402
from euradar.infra.index.elasticsearch import ElasticsearchIndex  # noqa: E402
from tests.mockserver.server import CorpusServer, Reply  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
CAPTURE = "feeds/ec_presscorner_rss_en_2026-07-27.xml"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def derived_feed(capture: str, cycle: int) -> bytes:
    """The capture with ``cycle`` in every link and title (synthetic variation, see above)."""
    text = re.sub(r"<link>([^<]+)</link>", lambda m: f"<link>{m.group(1)}?soak={cycle}</link>",
                  capture)
    text = re.sub(r"<title>([^<]+)</title>", lambda m: f"<title>{m.group(1)} [{cycle}]</title>",
                  text)
    return text.encode("utf-8")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--kafka", default="127.0.0.1:9092")
    ap.add_argument("--es", default="http://127.0.0.1:9200")
    ap.add_argument("--fault-every", type=float, default=90.0)
    ap.add_argument("--es-outage", action="store_true",
                    help="stop Elasticsearch for 30 s as one of the faults (infra/services.sh)")
    ap.add_argument("--corpus", default=str(REPO.parent / "shared" / "corpus"))
    args = ap.parse_args()

    run = uuid.uuid4().hex[:8]
    tmp = Path(tempfile.mkdtemp(prefix="euradar-soak-"))
    bus_url = f"kafka://{args.kafka}?topic_prefix=soak{run}.&partitions=3"
    index_url = f"{args.es}?prefix=soak-{run}"
    capture = (Path(args.corpus) / CAPTURE).read_text(encoding="utf-8")
    state = {"cycle": 0, "broken": False}

    def feed(_request: object) -> Reply:
        if state["broken"]:
            state["broken"] = False
            return Reply(200, derived_feed(capture, state["cycle"])[:5000],
                         {"Content-Type": "application/rss+xml"})
        state["cycle"] += 1
        return Reply(200, derived_feed(capture, state["cycle"]),
                     {"Content-Type": "application/rss+xml"})

    server = CorpusServer(args.corpus).start()
    server.route("GET", "/soak.xml", feed)
    sources = tmp / "sources.toml"
    sources.write_text(f'[sources.soak_feed]\nkind = "news"\nroute = "feed"\nschedule = "1m"\n'
                       f'url = "{server.url("/soak.xml")}"\noptions = {{ retries = 0 }}\n')
    web_port = free_port()
    env = {**os.environ, "EURADAR_BUS": bus_url, "EURADAR_INDEX": index_url,
           "EURADAR_DATA_DIR": str(tmp), "EURADAR_STORE": f"sqlite:///{tmp}/store.db",
           "EURADAR_NOTIFIER": f"outbox:///{tmp}/outbox", "EURADAR_SOURCES_FILE": str(sources),
           "EURADAR_WEB_PORT": str(web_port), "PYTHONPATH": str(REPO)}
    log = open(tmp / "run.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "euradar", "run"], cwd=REPO, env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    bus = KafkaBus(bus_url)
    index = ElasticsearchIndex(index_url)
    samples: list[tuple[float, int]] = []
    faults: list[str] = []
    poison = 0
    t0 = time.monotonic()
    end = t0 + args.minutes * 60
    next_fault = t0 + args.fault_every
    fault_kind = 0
    try:
        while time.monotonic() < end and proc.poll() is None:
            samples.append((time.monotonic() - t0, rss_kib(proc.pid)))
            if time.monotonic() >= next_fault:
                kind = ["poison", "broken-feed", "es-outage"][fault_kind % (3 if args.es_outage
                                                                            else 2)]
                fault_kind += 1
                next_fault += args.fault_every
                faults.append(f"{time.monotonic() - t0:.0f}s {kind}")
                if kind == "poison":
                    bus.publish(ITEMS_RAW, f"poison-{poison}",
                                b'{"schema": "euradar.event/1", "type": "new", "item": '
                                b'{"id": 1, "kind": "call", "title": ["x"]}}')
                    bus.flush()
                    poison += 1
                elif kind == "broken-feed":
                    state["broken"] = True
                else:
                    subprocess.run(["bash", "infra/services.sh", "stop", "elasticsearch"],
                                   cwd=REPO, capture_output=True, timeout=120)
                    time.sleep(30)
                    subprocess.run(["bash", "infra/services.sh", "start", "elasticsearch"],
                                   cwd=REPO, capture_output=True, timeout=600)
            time.sleep(5)
        alive = proc.poll() is None
        published = {m.key for m in bus.read_topic(ITEMS_RAW, 1_000_000)
                     if not m.key.startswith("poison-")}
        deadline = time.monotonic() + 300
        indexed = -1
        while time.monotonic() < deadline:
            try:
                indexed = index.count()
            except Exception:
                indexed = -1
            if indexed == len(published):
                break
            time.sleep(2)
        metrics = httpx.get(f"http://127.0.0.1:{web_port}/metrics", timeout=10).text \
            if alive else ""
        restarts = sum(float(v) for v in re.findall(
            r'^euradar_restarts_total\{task="(?:tagger|indexer|alerter|scheduler)"\} (\S+)$',
            metrics, re.M))
        dead = len(bus.read_topic(DEAD_LETTER, 100_000))
        proc.send_signal(signal.SIGTERM)
        rc = proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
        log.close()
        server.stop()
    quarter = [kib for t, kib in samples if t >= (args.minutes * 60) * 0.2]
    early = statistics.median([kib for t, kib in samples if t <= args.minutes * 60 * 0.3] or [0])
    late = statistics.median([kib for t, kib in samples if t >= args.minutes * 60 * 0.8] or [0])
    result = {
        "minutes": args.minutes, "crawl_cycles": state["cycle"], "faults": faults,
        "items_published": len(published), "items_indexed": indexed,
        "poison_records": poison, "dead_letters": dead, "role_restarts": restarts,
        "process_alive_at_end": alive, "exit_code_on_sigterm": rc,
        "rss_mib_median_first_30pct": round(early / 1024, 1),
        "rss_mib_median_last_20pct": round(late / 1024, 1),
        "rss_late_vs_early": round(late / early, 3) if early else None,
        "rss_mib_max_after_warmup": round(max(quarter or [0]) / 1024, 1),
        "every_item_indexed": indexed == len(published),
        "log": str(tmp / "run.log"),
    }
    print(json.dumps(result, indent=2))
    try:
        bus.delete_topics(list(ALL_TOPICS))
        index.drop()
    finally:
        bus.close()
        index.close()
    return 0 if result["every_item_indexed"] and rc == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
