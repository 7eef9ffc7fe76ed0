"""Benchmark memory: resident set size (RSS) of the processes as deployed.

``embedded``: ``euradar run`` (crawl scheduler, tagger, indexer and alerter threads, web UI and
API) on a data directory holding ``--embedded-items`` items (default 50,000). To keep the run
short, all but the last ``--through-pipeline`` items (default 5,000) are written straight to
the index and store, tagged once per distinct text; the last ones are published to the bus and
go through the roles of the running process. When they are indexed, the web API is searched
(``/api/search``: free text, theme and status filters, facets, deadline sort). Prints the RSS
every few seconds, the peak, and whether the peak stays under 600 MB.

``kafka``: a replay of ``--replay-items`` events (default 200,000) through Kafka +
Elasticsearch + PostgreSQL with tagger (``--taggers``), indexer and alerter as separate
processes (``euradar consume ROLE``), the events published by a replay process of their own.
Texts cycle through the corpus, and each item carries a call id and a reference number of its
own, so the roles meet new words all along, as in a real stream.
Prints each role's RSS over the run: after warm-up (10% indexed), at the end, the maximum, and
the growth per 10,000 items between warm-up and end.

Usage::

    python bench/bench_memory.py embedded [--embedded-items 50000]
    python bench/bench_memory.py kafka --kafka 127.0.0.1:9092 --es http://127.0.0.1:9200 \\
        --postgres postgresql://user:pw@127.0.0.1:5432/db [--replay-items 200000]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.procs import REPO, Role, item_at, records, rss_mb, wait_until  # noqa: E402
from euradar.core.codec import dumps_event  # noqa: E402
from euradar.core.models import Event  # noqa: E402
from euradar.core.registry import open_bus, open_index, open_store  # noqa: E402
from euradar.core.topics import ALL_TOPICS, ITEMS_RAW  # noqa: E402

NO_SOURCES = """# no source enabled: the memory benchmark runs the roles and the web, no crawl
[sources.none]
kind = "news"
route = "feed"
url = "http://127.0.0.1:9/feed.xml"
lang = "en"
schedule = "1d"
enabled = false
"""
SEARCHES = ["q=hydrogen", "q=vety", "q=matkailu&theme=T4", "theme=T1&theme=T3", "status=open",
            "q=arctic+testing&sort=deadline", "kind=call&sort=first_seen", "q=innovation&page=5",
            "q=kiertotalous", "q=forest+bioeconomy&theme=T2"]


def _tagged(texts: list[dict], n: int, start: int, prefix: str) -> list:
    """Items with the tagger's findings, analysing each distinct text once."""
    from euradar.consumers.tagger import enrich
    from euradar.nlp import get_tagger

    tagger = get_tagger()
    cache: dict[int, dict] = {}
    out = []
    for i in range(start, start + n):
        item = item_at(texts, i, prefix, unique=True)
        slot = i % len(texts)
        if slot not in cache:
            cache[slot] = tagger.analyse({"id": item.id, "title": item.title, "text": item.text})
        out.append(dataclasses.replace(enrich(item, cache[slot]), status="open",
                                       deadlines=[f"2027-0{1 + i % 9}-15"]).with_hash())
    return out


def embedded(opts: argparse.Namespace) -> dict:
    from bench.bench_pipeline import subscriptions
    from euradar.crawlers.publish import CRAWL_FLUSH_EVERY, Publisher
    from tests.support.smtp import free_port

    texts, source = records(Path(opts.corpus), Path(opts.labels))
    direct = opts.embedded_items - opts.through_pipeline
    with tempfile.TemporaryDirectory(prefix="euradar-mem-") as tmp:
        data = Path(tmp)
        (data / "sources.toml").write_text(NO_SOURCES)
        index = open_index(f"sqlite:///{data}/index.db")
        store = open_store(f"sqlite:///{data}/store.db")
        for sub in subscriptions():
            store.save_subscription(sub)
        t0 = time.perf_counter()
        for start in range(0, direct, 5000):
            batch = _tagged(texts, min(5000, direct - start), start, "mem")
            index.upsert(batch)
            store.record_items([(it, []) for it in batch])
        prefill = time.perf_counter() - t0
        bus = open_bus(f"sqlite:///{data}/bus.db")
        with Publisher(bus, store, flush_every=CRAWL_FLUSH_EVERY) as publisher:
            for i in range(direct, opts.embedded_items):
                publisher.publish(item_at(texts, i, "mem", unique=True))
        bus.close()
        port = free_port()
        env = {"EURADAR_SOURCES_FILE": str(data / "sources.toml"), "EURADAR_WEB_PORT": str(port),
               "EURADAR_ALERT_BATCH_SECONDS": "5"}
        for k in ("EURADAR_BUS", "EURADAR_INDEX", "EURADAR_STORE", "EURADAR_NOTIFIER"):
            env[k] = ""
        proc = Role("run", ["run"], env, data)
        samples: list[tuple[float, float, int]] = []
        started = time.monotonic()

        def sample() -> int:
            count = index.count()
            samples.append((round(time.monotonic() - started, 1), round(proc.rss_mb(), 1), count))
            return count

        try:
            done = wait_until(lambda: sample() >= opts.embedded_items and proc.alive(), 3600, 2.0)
            if not done:
                raise SystemExit(f"only {index.count()} indexed:\n{proc.tail()}")
            drained = samples[-1][0]
            timings = []
            for _ in range(3):
                for query in SEARCHES:
                    t = time.perf_counter()
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/search?{query}",
                                                timeout=120) as response:
                        json.load(response)
                    timings.append(time.perf_counter() - t)
                    sample()
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/?q=vety", timeout=120) as r:
                r.read()
            sample()
        finally:
            proc.stop()
            index.close()
            store.close()
    peak = max(s[1] for s in samples)
    return {"mode": "embedded euradar run (roles + web in one process)", "texts": source,
            "items_held": opts.embedded_items, "written_directly": direct,
            "through_the_running_roles": opts.through_pipeline,
            "prefill_seconds": round(prefill, 1), "drained_after_s": drained,
            "searches": len(timings), "search_seconds_max": round(max(timings), 3),
            "rss_mb_peak": peak, "rss_mb_end": samples[-1][1], "under_600_mb": peak < 600,
            "rss_mb_samples": samples[:: max(1, len(samples) // 40)]}


def replay_main(opts: argparse.Namespace) -> None:
    """The replay process: events straight onto items.raw, as a re-publish of a topic."""
    texts, _ = records(Path(opts.corpus), Path(opts.labels))
    bus = open_bus(opts.bus)
    for i in range(opts.replay_items):
        item = item_at(texts, i, "replay", unique=True)
        bus.publish(ITEMS_RAW, item.id, dumps_event(Event(type="new", item=item)))
        if i % 1000 == 999:
            bus.flush(timeout=60)
    bus.flush(timeout=60)
    bus.close()


def kafka(opts: argparse.Namespace) -> dict:
    from bench.bench_pipeline import subscriptions
    from tests.support.postgres import fresh_database
    from tests.support.smtp import SmtpServer

    run = uuid.uuid4().hex[:8]
    bus_url = f"kafka://{opts.kafka}?topic_prefix=mem{run}.&partitions=6"
    index_url = f"{opts.es.rstrip('/')}?prefix=mem-{run}&refresh=false"
    smtp = SmtpServer().start()
    with tempfile.TemporaryDirectory(prefix="euradar-mem-") as tmp, \
            fresh_database(opts.postgres, "mem") as pg:
        data = Path(tmp)
        store = open_store(pg)
        for sub in subscriptions():
            store.save_subscription(sub)
        store.close()
        index = open_index(index_url)
        index.ensure()
        env = {"EURADAR_BUS": bus_url, "EURADAR_INDEX": index_url, "EURADAR_STORE": pg,
               "EURADAR_NOTIFIER": smtp.url, "EURADAR_ALERT_BATCH_SECONDS": "10",
               "EURADAR_SMTP_ALLOW_PLAINTEXT": "1"}  # the local test relay has no TLS
        roles = [Role(f"tagger-{k}", ["consume", "tagger"], env, data) for k in range(opts.taggers)]
        roles += [Role("indexer", ["consume", "indexer"], env, data),
                  Role("alerter", ["consume", "alerter"], env, data)]
        replay = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "replay", "--bus", bus_url, "--replay-items",
             str(opts.replay_items), "--corpus", opts.corpus, "--labels", opts.labels],
            cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
        samples: list[dict] = []
        started = time.monotonic()

        def sample() -> int:
            count = index.count()
            samples.append({"t": round(time.monotonic() - started, 1), "indexed": count,
                            **{r.name: round(r.rss_mb(), 1) for r in roles},
                            "replay": round(rss_mb(replay.pid), 1)})
            if len(samples) % 12 == 0:  # a progress line a minute, usable if the run is cut short
                print(json.dumps(samples[-1]), file=sys.stderr, flush=True)
            return count

        try:
            done = wait_until(lambda: sample() >= opts.replay_items, 4 * 3600, 5.0)
            if not done or not all(r.alive() for r in roles):
                raise SystemExit(f"only {index.count()} indexed:\n" +
                                 "\n".join(r.tail() for r in roles))
        finally:
            replay.wait(timeout=600)
            for r in roles:
                r.stop()
            index.drop()
            index.close()
            smtp.stop()
            bus = open_bus(bus_url)
            bus.delete_topics(list(ALL_TOPICS))  # type: ignore[attr-defined]
            bus.close()
    warm = next(s for s in samples if s["indexed"] >= opts.replay_items // 10)
    end = samples[-1]
    per_role = {}
    for r in roles:
        after = [s[r.name] for s in samples if s["t"] >= warm["t"]]
        growth = (end[r.name] - warm[r.name]) / max(1, end["indexed"] - warm["indexed"]) * 10_000
        per_role[r.name] = {"after_warmup": warm[r.name], "end": end[r.name], "max": max(after),
                            "growth_mb_per_10k_items": round(growth, 2)}
    return {"mode": "replay through Kafka + Elasticsearch + PostgreSQL, roles as processes",
            "items": opts.replay_items, "seconds": end["t"],
            "items_per_s": round(opts.replay_items / end["t"], 1),
            "warmup_at_indexed": warm["indexed"], "rss_mb": per_role,
            "mails": len(smtp.messages),
            "rss_mb_samples": samples[:: max(1, len(samples) // 40)]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=("embedded", "kafka", "replay"))
    parser.add_argument("--embedded-items", type=int, default=50_000)
    parser.add_argument("--through-pipeline", type=int, default=5_000)
    parser.add_argument("--replay-items", type=int, default=200_000)
    parser.add_argument("--taggers", type=int, default=2)
    parser.add_argument("--kafka")
    parser.add_argument("--es")
    parser.add_argument("--postgres")
    parser.add_argument("--bus")
    parser.add_argument("--corpus", default="/work/shared/corpus")
    parser.add_argument("--labels", default="/work/shared/labels/dev.jsonl")
    opts = parser.parse_args()
    if opts.mode == "replay":
        return replay_main(opts)
    if opts.mode == "kafka" and not (opts.kafka and opts.es and opts.postgres):
        parser.error("kafka needs --kafka, --es and --postgres")
    result = embedded(opts) if opts.mode == "embedded" else kafka(opts)
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
