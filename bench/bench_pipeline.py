"""Benchmark bus -> tagger -> indexer on the embedded backends and on Kafka + Elasticsearch.

Items: real texts from /work/shared/corpus (F&T JSON, RSS, TED; extracted as in
bench/bench_tagger.py, plus the labelled dev set when present), cycled to N items with unique
ids, so repeated texts occur when N exceeds the corpus. ``--synthetic`` uses generated texts
instead (clearly labelled so in the output).

Per backend pair, measured in the same process and run, one stage after the other:

* ``publish``: N ``new`` events to ``items.raw`` + flush
* ``tagger``: the real consumer loop (``euradar.consumers.runner.run_consumer`` + ``TaggerHandler``):
  poll, decode, tag, publish to ``items.tagged``, flush, commit
* ``indexer``: the real consumer loop with ``IndexerHandler``: poll, decode, bulk upsert, commit
* ``end_to_end``: N / (publish + tagger + indexer wall time)

``tagger_alone`` is ``Tagger.analyse`` on the same N records without any bus (after a warm-up
pass over all of them, so both it and the pipeline run with warm caches), and
``e2e_vs_tagger_alone`` = end-to-end items/s / tagger-alone items/s.

Usage::

    python bench/bench_pipeline.py [--n 2000] [--kafka 127.0.0.1:9092] [--es http://127.0.0.1:9200]
                                   [--es-refresh wait_for|true] [--synthetic]

Topics, groups and indexes are fresh per run (``topic_prefix``/``prefix``) and removed after.
Prints one JSON document.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from euradar.consumers.indexer import IndexerHandler  # noqa: E402
from euradar.consumers.runner import run_consumer  # noqa: E402
from euradar.consumers.tagger import TaggerHandler  # noqa: E402
from euradar.core.codec import dumps_event  # noqa: E402
from euradar.core.models import Event, Item  # noqa: E402
from euradar.core.registry import open_bus, open_index  # noqa: E402
from euradar.core.topics import ITEMS_RAW, ITEMS_TAGGED  # noqa: E402
from euradar.runtime import BATCH_SIZES  # noqa: E402

SYNTHETIC_WORDS = ("hydrogen", "arctic", "testing", "tourism", "circular", "economy", "mining",
                   "forest", "bioeconomy", "digital", "skills", "SMEs", "Lapland", "innovation",
                   "energy", "climate", "transport", "research", "pilot", "cooperation")


def corpus_records(corpus: Path, labels: Path) -> list[dict]:
    from bench.bench_tagger import corpus_records as extract

    return extract(corpus, labels)


def synthetic_records(n: int) -> list[dict]:
    out = []
    for i in range(n):
        words = [SYNTHETIC_WORDS[(i * 7 + k * 3) % len(SYNTHETIC_WORDS)] for k in range(60)]
        out.append({"title": f"Synthetic call {i}: " + " ".join(words[:6]),
                    "text": " ".join(words)})
    return out


def make_items(records: list[dict], n: int) -> list[Item]:
    items = []
    for i in range(n):
        r = records[i % len(records)]
        items.append(Item(id=f"bench:{i}", kind="call", source="bench",
                          url=f"https://bench.example.test/{i}", title=r["title"][:500] or "untitled",
                          text=r["text"][:20000], first_seen="2026-05-01T08:00:00+00:00"))
    return items


def _drain(bus, topic: str, group: str, handler, batch_size: int) -> tuple[float, int]:
    """Run the real consumer loop until idle; time until the last batch was handled."""
    consumer = bus.consumer([topic], group=group)
    last = [0.0]

    def timed(batch):
        handler(batch)
        last[0] = time.perf_counter()

    t0 = time.perf_counter()
    stats = run_consumer(consumer, bus, group, timed, until_idle=True, poll_timeout=2.0,
                         stop=threading.Event(), batch_size=batch_size)
    consumer.close()
    return (last[0] or time.perf_counter()) - t0, stats.records


def run_pair(name: str, bus_url: str, index_url: str, items: list[Item], tagger) -> dict:
    bus = open_bus(bus_url)
    index = open_index(index_url)
    index.ensure()
    run = uuid.uuid4().hex[:6]
    try:
        t0 = time.perf_counter()
        for item in items:
            bus.publish(ITEMS_RAW, item.id, dumps_event(Event(type="new", item=item)))
        bus.flush(timeout=60)
        t_publish = time.perf_counter() - t0
        t_tag, n_tag = _drain(bus, ITEMS_RAW, f"bench-tagger-{run}", TaggerHandler(bus, tagger),
                              BATCH_SIZES["tagger"])
        t_idx, n_idx = _drain(bus, ITEMS_TAGGED, f"bench-indexer-{run}", IndexerHandler(index, bus),
                              BATCH_SIZES["indexer"])
        indexed = index.count()
        total = t_publish + t_tag + t_idx
        n = len(items)
        return {
            "bus": bus_url.split("?")[0], "index": index_url.split("?")[0],
            "records": {"tagged": n_tag, "indexed_events": n_idx, "index_count": indexed},
            "seconds": {"publish": round(t_publish, 3), "tagger": round(t_tag, 3),
                        "indexer": round(t_idx, 3), "end_to_end": round(total, 3)},
            "items_per_s": {"publish": round(n / t_publish, 1), "tagger": round(n / t_tag, 1),
                            "indexer": round(n / t_idx, 1), "end_to_end": round(n / total, 1)},
            "ok": n_tag == n and n_idx == n and indexed == n,
        }
    finally:
        if hasattr(bus, "delete_topics"):
            bus.delete_topics([ITEMS_RAW, ITEMS_TAGGED, "euradar.dead"])
        if hasattr(index, "drop"):
            index.drop()
        bus.close()
        index.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="items to push through (default 2000)")
    parser.add_argument("--kafka", help="host:port of a Kafka broker for the distributed pair")
    parser.add_argument("--es", help="http://host:port of Elasticsearch for the distributed pair")
    parser.add_argument("--es-refresh", default="wait_for", choices=("wait_for", "true"),
                        help="bulk refresh policy of the Elasticsearch index (default wait_for)")
    parser.add_argument("--corpus", default="/work/shared/corpus")
    parser.add_argument("--labels", default="/work/shared/labels/dev.jsonl")
    parser.add_argument("--synthetic", action="store_true", help="generated texts, not the corpus")
    opts = parser.parse_args()

    if opts.synthetic:
        records, source = synthetic_records(opts.n), "synthetic (generated word lists)"
    else:
        records = corpus_records(Path(opts.corpus), Path(opts.labels))
        source = f"{opts.corpus} (+ {opts.labels}): {len(records)} texts cycled to {opts.n} items"
    items = make_items(records, opts.n)

    from euradar.nlp import get_tagger

    tagger = get_tagger()
    as_records = [{"id": it.id, "title": it.title, "text": it.text, "lang": it.lang} for it in items]
    for r in as_records:  # warm-up: pipeline built, caches filled, as in a long-running tagger
        tagger.analyse(r)
    t0 = time.perf_counter()
    for r in as_records:
        tagger.analyse(r)
    t_alone = time.perf_counter() - t0
    alone = opts.n / t_alone

    results: dict = {
        "items": opts.n, "texts": source, "machine": f"{platform.machine()} {platform.processor()}",
        "tagger_alone": {"seconds": round(t_alone, 3), "items_per_s": round(alone, 1)},
        "pairs": {},
    }
    with tempfile.TemporaryDirectory(prefix="euradar-bench-") as tmp:
        pairs = [("embedded", f"sqlite:///{tmp}/bus.db", f"sqlite:///{tmp}/index.db")]
        if opts.kafka or opts.es:
            run = uuid.uuid4().hex[:8]
            bus_url = (f"kafka://{opts.kafka}?topic_prefix=bench{run}." if opts.kafka
                       else f"sqlite:///{tmp}/bus2.db")
            index_url = (f"{opts.es.rstrip('/')}?prefix=bench-{run}&refresh={opts.es_refresh}"
                         if opts.es else f"sqlite:///{tmp}/index2.db")
            name = "+".join(n for n, on in (("kafka", opts.kafka), ("elasticsearch", opts.es)) if on)
            pairs.append((name, bus_url, index_url))
        for name, bus_url, index_url in pairs:
            r = run_pair(name, bus_url, index_url, items, tagger)
            r["e2e_vs_tagger_alone"] = round(r["items_per_s"]["end_to_end"] / alone, 3)
            results["pairs"][name] = r
    print(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
