"""Benchmark: 1 vs 2 tagger processes in one consumer group on the same Kafka topic.

For each setting (1 process, then 2, alternated ``--repeat`` times), on a fresh topic
namespace with ``--partitions`` partitions (items keyed by id, as the crawler publishes them):

1. start the tagger processes (``euradar consume tagger``, as deployed) and wait until the
   group is Stable with every process in it, so start-up and joining are not timed;
1b. warm-up: publish ``--warmup`` items (other ids, the same texts) and wait until they are
   tagged, so each process has loaded its dictionaries and filled its per-word analysis
   caches as a long-running tagger has; without it the 2-process run pays the cold caches
   twice (each process meets every word anew) and the ratio measures start-up, not scale;
2. publish N ``new`` events to ``items.raw`` (real corpus texts, cycled, unique ids);
3. time from the first publish until ``items.tagged`` holds N records (``items_per_s``), and
   the rate after the publisher finished (``steady_items_per_s``: the publisher runs on the
   same 2 cores and competes with the taggers while it publishes).

Prints JSON: both rates per run, the CPU seconds each tagger process used, the load average,
and ``ratio_2_vs_1`` (median steady rate of the 2-process runs / of the 1-process runs; the
end-to-end ratio beside it). The machine is shared (2 cores): the load average before each
run says how much else ran.

Usage: python bench/bench_scale.py --kafka 127.0.0.1:9092 [--n 6000] [--repeat 2]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.procs import KafkaProbe, Role, make_items, records, wait_until  # noqa: E402
from euradar.core.codec import dumps_event  # noqa: E402
from euradar.core.models import Event  # noqa: E402
from euradar.core.topics import ITEMS_RAW, ITEMS_TAGGED  # noqa: E402
from euradar.infra.bus.kafka import KafkaBus  # noqa: E402


def one_run(kafka: str, processes: int, payloads: list[tuple[str, bytes]], partitions: int,
            tmp: Path, warmup: list[tuple[str, bytes]]) -> dict:
    prefix = f"scale{uuid.uuid4().hex[:8]}."
    bus_url = f"kafka://{kafka}?topic_prefix={prefix}&partitions={partitions}"
    bus = KafkaBus(bus_url)
    bus.ensure_topics([ITEMS_RAW, ITEMS_TAGGED])
    probe = KafkaProbe(kafka)
    data = tmp / prefix.rstrip(".")
    data.mkdir()
    env = {"EURADAR_BUS": bus_url}
    taggers = [Role(f"tagger-{k}", ["consume", "tagger"], env, data) for k in range(processes)]
    try:
        joined = wait_until(lambda: probe.group(prefix + "tagger") == ("Stable", processes), 180, 0.25)
        if not joined:
            raise SystemExit("tagger group did not become stable:\n" + taggers[0].tail())
        for key, value in warmup:
            bus.publish(ITEMS_RAW, key, value)
        bus.flush(timeout=60)
        w = len(warmup)
        if not wait_until(lambda: probe.size(prefix + ITEMS_TAGGED) >= w, 900, 0.1):
            raise SystemExit("warm-up items not tagged:\n" + taggers[0].tail())
        load = os.getloadavg()[0]
        cpu0 = [t.cpu_seconds() for t in taggers]
        t0 = time.perf_counter()
        for key, value in payloads:
            bus.publish(ITEMS_RAW, key, value)
        bus.flush(timeout=60)
        t_published = time.perf_counter() - t0
        tagged_then = probe.size(prefix + ITEMS_TAGGED) - w
        n = len(payloads)
        done = wait_until(lambda: probe.size(prefix + ITEMS_TAGGED) >= w + n, 900, 0.05)
        seconds = time.perf_counter() - t0
        if not done:
            raise SystemExit(f"only {probe.size(prefix + ITEMS_TAGGED) - w}/{n} tagged:\n"
                             + taggers[0].tail())
        cpu = [round(t.cpu_seconds() - c, 2) for t, c in zip(taggers, cpu0, strict=True)]
        steady = (n - tagged_then) / (seconds - t_published)
        return {"processes": processes, "seconds": round(seconds, 3),
                "items_per_s": round(n / seconds, 1), "publish_seconds": round(t_published, 3),
                "steady_items_per_s": round(steady, 1), "tagged_while_publishing": tagged_then,
                "tagger_cpu_seconds": cpu, "loadavg_1m_before": round(load, 2)}
    finally:
        for t in taggers:
            t.stop()
        probe.close()
        bus.delete_topics([ITEMS_RAW, ITEMS_TAGGED, "euradar.dead"])
        bus.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kafka", required=True, help="host:port of a Kafka broker")
    parser.add_argument("--n", type=int, default=6000, help="items per run (default 6000)")
    parser.add_argument("--repeat", type=int, default=2, help="1-vs-2 pairs (default 2)")
    parser.add_argument("--partitions", type=int, default=6)
    parser.add_argument("--warmup", type=int, default=1000,
                        help="items tagged before timing starts (default 1000; 0 = cold start)")
    parser.add_argument("--corpus", default="/work/shared/corpus")
    parser.add_argument("--labels", default="/work/shared/labels/dev.jsonl")
    parser.add_argument("--synthetic", action="store_true", help="generated texts, not the corpus")
    opts = parser.parse_args()

    texts, source = records(Path(opts.corpus), Path(opts.labels), opts.n if opts.synthetic else 0)
    payloads = [(it.id, dumps_event(Event(type="new", item=it))) for it in make_items(texts, opts.n)]
    warmup = [(it.id, dumps_event(Event(type="new", item=it)))
              for it in make_items(texts, opts.warmup, prefix="warmup")]
    runs = []
    with tempfile.TemporaryDirectory(prefix="euradar-scale-") as tmp:
        for _ in range(opts.repeat):
            for processes in (1, 2):
                runs.append(one_run(opts.kafka, processes, payloads, opts.partitions, Path(tmp), warmup))
                print(json.dumps(runs[-1]), file=sys.stderr, flush=True)
    def median(key: str, p: int) -> float:
        return statistics.median(r[key] for r in runs if r["processes"] == p)

    steady = {p: median("steady_items_per_s", p) for p in (1, 2)}
    overall = {p: median("items_per_s", p) for p in (1, 2)}
    print(json.dumps({
        "items": opts.n, "warmup_items": opts.warmup, "texts": source, "partitions": opts.partitions, "cores": os.cpu_count(),
        "runs": runs, "steady_items_per_s_median": steady, "items_per_s_median": overall,
        "ratio_2_vs_1": round(steady[2] / steady[1], 3),
        "ratio_2_vs_1_first_publish_to_last_tagged": round(overall[2] / overall[1], 3),
    }, indent=2))


if __name__ == "__main__":
    main()
