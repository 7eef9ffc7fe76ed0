"""Benchmark the pipeline as deployed: publisher, tagger, indexer and alerter as separate
processes running at the same time, on the embedded backends and on Kafka + Elasticsearch +
PostgreSQL.

Per backend set, in one run:

1. start the roles as their own processes (``euradar consume tagger|indexer|alerter``, the
   tagger ``--taggers`` times), with ten subscriptions in the store so the alerter matches;
2. warm-up: publish one item and wait until it is indexed (every process has loaded what it
   needs and joined its group, so start-up is not timed);
3. run the crawl publisher as its own process (the real ``Publisher`` with the crawl routes'
   flush policy, change detection against the store included) on N items, and time from its
   first publish to the moment the index holds the last item.

``tagger_alone`` is the tagger role's work (``Tagger.analyse`` + ``enrich``) on the same N
items in a process of its own, with the same one-item warm-up; ``e2e_vs_tagger_alone`` =
end-to-end items/s / tagger-alone items/s. Also printed: each role's CPU seconds and RSS,
alerts parked or sent, and the load average (the machine has 2 shared cores).

Items: real texts from /work/shared/corpus (+ the labelled dev set), cycled to N items with
unique ids; ``--synthetic`` uses generated texts instead (said so in the output).

Usage::

    python bench/bench_pipeline.py [--n 3000] [--kafka 127.0.0.1:9092 --es http://127.0.0.1:9200
        --postgres postgresql://user:pw@127.0.0.1:5432/db] [--taggers 1] [--es-refresh false]

Kafka topics, the Elasticsearch index and the PostgreSQL database are fresh per run and removed
after. Prints one JSON document.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.procs import REPO, Role, item_at, records, wait_until  # noqa: E402
from euradar.core.registry import open_index, open_store  # noqa: E402
from euradar.core.subscriptions import Subscription  # noqa: E402
from euradar.core.topics import ALL_TOPICS  # noqa: E402

THEMES = ("T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8")


def _texts(opts: argparse.Namespace) -> tuple[list[dict], str]:
    return records(Path(opts.corpus), Path(opts.labels), opts.n if opts.synthetic else 0)


# -- the child processes ------------------------------------------------------------------------

def publish_main(opts: argparse.Namespace) -> None:
    """The crawl publisher: the real Publisher, as every crawl route uses it."""
    from euradar.core.registry import open_bus
    from euradar.crawlers.publish import CRAWL_FLUSH_EVERY, Publisher

    texts, _ = _texts(opts)
    items = [item_at(texts, i, opts.prefix) for i in range(opts.start, opts.start + opts.count)]
    bus, store = open_bus(opts.bus), open_store(opts.store)
    t_first = time.time()
    with Publisher(bus, store, flush_every=CRAWL_FLUSH_EVERY) as publisher:
        for item in items:
            publisher.publish(item)
    t_done = time.time()
    bus.close()
    store.close()
    print(json.dumps({"t_first": t_first, "t_done": t_done, "new": publisher.stats.new}))


def tag_alone_main(opts: argparse.Namespace) -> None:
    """The tagger role's work without a bus, on the same items, after a one-item warm-up."""
    from euradar.consumers.tagger import enrich
    from euradar.nlp import get_tagger

    texts, _ = _texts(opts)
    items = [item_at(texts, i) for i in range(opts.count)]
    tagger = get_tagger()
    tagger.analyse({"id": "warm", "title": items[0].title, "text": items[0].text, "lang": None})
    t0 = time.perf_counter()
    for item in items:
        enrich(item, tagger.analyse({"id": item.id, "title": item.title, "text": item.text,
                                     "lang": item.lang}))
    seconds = time.perf_counter() - t0
    print(json.dumps({"seconds": seconds, "items_per_s": opts.count / seconds}))


def _child(args: list[str]) -> dict:
    out = subprocess.run([sys.executable, str(Path(__file__).resolve()), *args], cwd=REPO, capture_output=True,
                         text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"{args[0]} failed:\n{out.stderr[-3000:]}")
    result: dict = json.loads(out.stdout.strip().splitlines()[-1])
    return result


# -- one backend set ----------------------------------------------------------------------------

def subscriptions() -> list[Subscription]:
    subs = [Subscription.from_dict({"id": f"bench-{t}", "email": f"{t.lower()}@bench.example.test",
                                    "themes": [t], "frequency": "immediate"}) for t in THEMES]
    subs.append(Subscription.from_dict({"id": "bench-kw", "email": "kw@bench.example.test",
                                        "keywords": 'hydrogen OR "arctic testing" OR vety'}))
    subs.append(Subscription.from_dict({"id": "bench-all", "email": "all@bench.example.test",
                                        "kinds": ["call"]}))
    return subs


def run_set(name: str, env: dict[str, str], index_url: str, opts: argparse.Namespace,
            data: Path) -> dict:
    store = open_store(env["EURADAR_STORE"])
    for sub in subscriptions():
        store.save_subscription(sub)
    index = open_index(index_url)
    index.ensure()
    roles = [Role(f"tagger-{k}", ["consume", "tagger"], env, data) for k in range(opts.taggers)]
    roles.append(Role("indexer", ["consume", "indexer"], env, data))
    roles.append(Role("alerter", ["consume", "alerter"], env, data))
    publish = ["publish", "--bus", env["EURADAR_BUS"], "--store", env["EURADAR_STORE"],
               "--corpus", opts.corpus, "--labels", opts.labels, "--n", str(opts.n)]
    if opts.synthetic:
        publish.append("--synthetic")
    try:
        _child([*publish, "--prefix", "warm", "--start", "0", "--count", "1"])
        if not wait_until(lambda: index.count() >= 1, 300, 0.1):
            raise SystemExit("warm-up item never indexed:\n" + "\n".join(r.tail() for r in roles))
        load = os.getloadavg()[0]
        cpu0 = {r.name: r.cpu_seconds() for r in roles}
        pub = _child([*publish, "--prefix", "bench", "--start", "0", "--count", str(opts.n)])
        done = wait_until(lambda: index.count() >= opts.n + 1, 1800, 0.05)
        t_end = time.time()
        if not done:
            raise SystemExit(f"{name}: only {index.count() - 1}/{opts.n} indexed:\n" +
                             "\n".join(r.tail() for r in roles))
        seconds = t_end - pub["t_first"]
        alerts = store.alert_log()
        return {
            "bus": env["EURADAR_BUS"].split("?")[0], "index": index_url.split("?")[0],
            "store": env["EURADAR_STORE"].split("://")[0],
            "seconds": {"first_publish_to_last_indexed": round(seconds, 3),
                        "publisher": round(pub["t_done"] - pub["t_first"], 3)},
            "items_per_s": {"end_to_end": round(opts.n / seconds, 1),
                            "publisher": round(opts.n / (pub["t_done"] - pub["t_first"]), 1)},
            "cpu_seconds": {r.name: round(r.cpu_seconds() - cpu0[r.name], 2) for r in roles},
            "rss_mb": {r.name: round(r.rss_mb(), 1) for r in roles},
            "alerts": {"claimed": len(alerts), "sent": sum(1 for a in alerts if a["sent_at"])},
            "loadavg_1m_before": round(load, 2),
            "ok": pub["new"] == opts.n and index.count() == opts.n + 1,
        }
    finally:
        for r in roles:
            r.stop()
        if hasattr(index, "drop"):
            index.drop()
        index.close()
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", nargs="?", default="bench", choices=("bench", "publish", "tag-alone"))
    parser.add_argument("--n", type=int, default=3000, help="items to push through (default 3000)")
    parser.add_argument("--kafka", help="host:port of Kafka for the distributed set")
    parser.add_argument("--es", help="http://host:port of Elasticsearch for the distributed set")
    parser.add_argument("--postgres", help="postgresql:// URL whose user may create databases")
    parser.add_argument("--taggers", type=int, default=1, help="tagger processes (default 1)")
    parser.add_argument("--es-refresh", default="false", choices=("false", "wait_for", "true"),
                        help="the indexer's bulk refresh policy (default false, as in compose)")
    parser.add_argument("--embedded-only", action="store_true")
    parser.add_argument("--corpus", default="/work/shared/corpus")
    parser.add_argument("--labels", default="/work/shared/labels/dev.jsonl")
    parser.add_argument("--synthetic", action="store_true", help="generated texts, not the corpus")
    # the publisher child
    parser.add_argument("--bus")
    parser.add_argument("--store")
    parser.add_argument("--prefix", default="bench")
    parser.add_argument("--start", type=int, default=0)
    parser.add_argument("--count", type=int, default=0)
    opts = parser.parse_args()
    if opts.mode == "publish":
        return publish_main(opts)
    if opts.mode == "tag-alone":
        return tag_alone_main(opts)

    texts, source = _texts(opts)
    common = ["--corpus", opts.corpus, "--labels", opts.labels, "--n", str(opts.n)]
    alone = _child(["tag-alone", *common, "--count", str(opts.n)] +
                   (["--synthetic"] if opts.synthetic else []))
    results: dict = {"items": opts.n, "texts": source, "cores": os.cpu_count(),
                     "tagger_processes": opts.taggers,
                     "tagger_alone": {k: round(v, 2) for k, v in alone.items()}, "sets": {}}
    run = uuid.uuid4().hex[:8]
    with tempfile.TemporaryDirectory(prefix="euradar-bench-") as tmp:
        d = Path(tmp) / "embedded"
        d.mkdir()
        env = {"EURADAR_BUS": f"sqlite:///{d}/bus.db", "EURADAR_INDEX": f"sqlite:///{d}/index.db",
               "EURADAR_STORE": f"sqlite:///{d}/store.db", "EURADAR_NOTIFIER": f"outbox:///{d}/outbox",
               "EURADAR_ALERT_BATCH_SECONDS": "5"}
        sets = [("embedded", env, env["EURADAR_INDEX"], d)]
        if opts.kafka and opts.es and opts.postgres and not opts.embedded_only:
            from tests.support.postgres import fresh_database
            from tests.support.smtp import SmtpServer

            smtp = SmtpServer().start()
            d = Path(tmp) / "distributed"
            d.mkdir()
            index_url = f"{opts.es.rstrip('/')}?prefix=bench-{run}&refresh={opts.es_refresh}"
            with fresh_database(opts.postgres, "bench") as pg:
                env = {"EURADAR_BUS": f"kafka://{opts.kafka}?topic_prefix=bench{run}.&partitions=6",
                       "EURADAR_INDEX": index_url, "EURADAR_STORE": pg,
                       "EURADAR_NOTIFIER": smtp.url, "EURADAR_ALERT_BATCH_SECONDS": "5",
                       "EURADAR_SMTP_ALLOW_PLAINTEXT": "1"}  # the local relay has no TLS
                sets.append(("kafka+elasticsearch+postgresql", env, index_url, d))
                results["sets"] = {name: _measure(name, e, i, opts, dd, alone) for name, e, i, dd in sets}
                _drop_topics(env["EURADAR_BUS"])
            results["mails_received"] = len(smtp.messages)
            smtp.stop()
        else:
            results["sets"] = {name: _measure(name, e, i, opts, dd, alone) for name, e, i, dd in sets}
    print(json.dumps(results, indent=2, ensure_ascii=False))


def _measure(name: str, env: dict[str, str], index_url: str, opts: argparse.Namespace, data: Path,
             alone: dict) -> dict:
    result = run_set(name, env, index_url, opts, data)
    result["e2e_vs_tagger_alone"] = round(result["items_per_s"]["end_to_end"] / alone["items_per_s"], 3)
    print(json.dumps({name: result}), file=sys.stderr, flush=True)
    return result


def _drop_topics(bus_url: str) -> None:
    from euradar.infra.bus.kafka import KafkaBus

    bus = KafkaBus(bus_url)
    try:
        bus.delete_topics(list(ALL_TOPICS))
    finally:
        bus.close()


if __name__ == "__main__":
    main()
