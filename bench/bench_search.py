"""Search latency (p50, p95) on 50,000 and 250,000 SYNTHETIC items, for the embedded index and,
with --es, Elasticsearch, in one run.

The items are generated from a fixed seed (--seed): titles and texts drawn from an English and
Finnish funding vocabulary, real programme names, themes T1..T8, eligibility groups, one to three
deadlines around today, first-seen dates over two years. They are not real calls; they only give
the index realistic sizes, term frequencies and facet cardinalities.

Each query of a fixed mix (words, Finnish inflections, OR, NOT, phrases, prefixes, field
filters, URL filters, facets, every sort, a deep page) runs after a warm-up; the latency is what
``index.search`` takes, as the API calls it (matching, ordering, facets, loading the page's
items and highlighting them). Each backend indexes the first size, is measured, grows to the
next size and is measured again. Prints JSON on stdout and a p50/p95 table on stderr. Usage:
    python bench/bench_search.py [--sizes 50000,250000] [--rounds 10] [--es http://127.0.0.1:9200]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from euradar.core.models import Item  # noqa: E402
from euradar.core.ports import Query  # noqa: E402

BATCH = 1000
EN = ("circular economy recycling hydrogen wind power energy storage battery minerals mining "
      "forest bioeconomy food rural tourism arctic winter testing cold climate safety security "
      "design culture creative cluster innovation digital skills SMEs municipalities research "
      "infrastructure transport logistics climate adaptation biodiversity water health data "
      "artificial intelligence cooperation cross-border regions youth education training "
      "proposals should develop pilot demonstrate scale up partnership network capacity").split()
FI = ("kiertotalous kierrätys vety tuulivoima energia akku mineraali kaivos metsä biotalous "
      "ruoka maaseutu matkailu arktinen talvitestaus testaus kylmä ilmasto turvallisuus muotoilu "
      "kulttuuri klusteri innovaatio digitalisaatio osaaminen yritykset kunnat tutkimus "
      "liikenne logistiikka vesi terveys yhteistyö rajat ylittävä nuoret koulutus "
      "hankkeen tavoitteena kehittää pilotoida rahoitus").split()
PROGRAMMES = ("HORIZON", "LIFE", "DIGITAL", "CEF", "ERASMUS", "INTERREG", "JTF", "ERDF", "SMP",
              "CERV", "EDF", "EU4H")
ELIGIBILITY = ("local_authorities", "smes", "research_organisations", "ngos")
SOURCES = ("ft_grants", "ft_tenders", "ted_fi", "ec_presscorner", "interreg_aurora",
           "lapinliitto", "business_finland")


def synthetic_items(n: int, seed: int, today: date) -> list[Item]:
    rnd = random.Random(seed)
    items = []
    for i in range(n):
        lang = rnd.choices(("en", "fi"), (0.75, 0.25))[0]
        words = EN if lang == "en" else FI
        kind = rnd.choices(("call", "tender", "news"), (0.5, 0.3, 0.2))[0]
        deadlines = sorted((today + timedelta(days=rnd.randint(-400, 400))).isoformat()
                           for _ in range(rnd.randint(1, 3))) if kind != "news" else []
        status = None if kind == "news" else (
            "closed" if deadlines[-1] < today.isoformat() else rnd.choice(("open", "forthcoming")))
        themes = rnd.sample([f"T{k}" for k in range(1, 9)], rnd.randint(0, 3))
        items.append(Item(
            id=f"synthetic:{i}", kind=kind, source=rnd.choice(SOURCES),
            url=f"https://example.org/synthetic/{i}",
            title=" ".join(rnd.choices(words, k=rnd.randint(5, 12))).capitalize(),
            text=" ".join(rnd.choices(words, k=rnd.randint(40, 160))), lang=lang,
            programme=rnd.choice(PROGRAMMES) if kind != "news" else None,
            deadlines=deadlines, status=status,
            budget=float(rnd.randint(1, 400) * 50_000) if kind == "call" else None,
            eligibility=rnd.sample(ELIGIBILITY, rnd.randint(0, 2)),
            first_seen=(today - timedelta(days=rnd.randint(0, 730))).isoformat() + "T06:00:00Z",
            themes=[{"id": t, "score": round(rnd.random(), 2), "evidence": []} for t in themes]))
    return items


def query_mix(today: date) -> dict[str, Query]:
    """One query per type an analyst uses: words, the query language, filters, facets, every
    sort and a deep page. Every query but one counts all seven facets."""
    soon = (today + timedelta(days=60)).isoformat()
    return {
        "text_common": Query(text="energy"),
        "text_two_words": Query(text="hydrogen logistics"),
        "text_finnish_inflected": Query(text="talvitestauksen"),
        "text_or": Query(text="hydrogen OR batteries"),
        "text_not": Query(text="energy NOT wind"),
        "text_phrase": Query(text='"circular economy"'),
        "text_prefix": Query(text="kierto*"),
        "text_fields_in_query": Query(text="forest theme:T2 status:open"),
        "text_phrase_and_filters": Query(text="circular economy", kinds=("call",),
                                         statuses=("open",), themes=("T1",)),
        "filters_only": Query(themes=("T3", "T4"), eligibility=("local_authorities",),
                              programmes=("HORIZON", "INTERREG")),
        "deadline_window_sorted": Query(deadline_from=today.isoformat(), deadline_to=soon,
                                        sort="deadline"),
        "first_seen_sorted": Query(sort="first_seen", langs=("fi",)),
        "match_all_facets": Query(),
        "deep_page": Query(text="energy", page=40, size=20),
        "no_facets_text": Query(text="forest bioeconomy", facets=False),
    }


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)  # stdout stays pure JSON


def fill(index, items: list[Item]) -> float:
    started = time.perf_counter()
    for start in range(0, len(items), BATCH):
        index.upsert(items[start:start + BATCH])  # batched: one transaction / bulk per 1000
        if (start // BATCH) % 25 == 24:
            progress(f"  indexed {start + BATCH} items, {time.perf_counter() - started:.0f} s")
    return time.perf_counter() - started


def measure(index, queries: dict[str, Query], rounds: int) -> dict:
    for name, query in queries.items():  # warm-up: caches, prepared statements, ES query cache
        t0 = time.perf_counter()
        index.search(query)
        progress(f"  warm-up {name}: {(time.perf_counter() - t0) * 1000:.0f} ms")
    per_query: dict[str, list[float]] = {name: [] for name in queries}
    totals: dict[str, int] = {}
    for _ in range(rounds):
        for name, query in queries.items():
            t0 = time.perf_counter()
            page = index.search(query)
            per_query[name].append((time.perf_counter() - t0) * 1000)
            totals[name] = page.total
    every = sorted(ms for values in per_query.values() for ms in values)
    return {
        "searches": len(every),
        "p50_ms": round(percentile(every, 50), 1),
        "p95_ms": round(percentile(every, 95), 1),
        "per_query": {name: {"p50_ms": round(percentile(sorted(v), 50), 1),
                             "p95_ms": round(percentile(sorted(v), 95), 1),
                             "hits": totals[name]} for name, v in per_query.items()},
    }


def percentile(sorted_values: list[float], pct: float) -> float:
    if len(sorted_values) == 1:
        return sorted_values[0]
    return statistics.quantiles(sorted_values, n=100, method="inclusive")[int(pct) - 1]


def bench_backend(name: str, index, items: list[Item], sizes: list[int], rounds: int,
                  today: date) -> list[dict]:
    """Index the first ``sizes[0]`` items and measure, then grow the same index to each next
    size and measure again (the smaller set is a prefix of the larger one)."""
    index.ensure()
    results = []
    done, seconds = 0, 0.0
    for size in sizes:
        progress(f"{name}: indexing items {done}..{size}")
        seconds += fill(index, items[done:size])
        done = size
        result = {"backend": name, "items": index.count(), "index_seconds": round(seconds, 1),
                  "items_per_second": round(size / seconds)}
        load_before = os.getloadavg()[0]
        result.update(measure(index, query_mix(today), rounds))
        # Latency on 2 shared cores depends on what else runs: the 1-minute load average
        # before and after the measurement goes with the figures.
        result["load_average"] = [round(load_before, 1), round(os.getloadavg()[0], 1)]
        progress(f"{name} @ {size}: p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, "
                 f"load average {result['load_average']}")
        results.append(result)
    return results


def summary(report: dict) -> str:
    """A table of the JSON for a terminal (stderr): p50/p95 per query type, per backend/size."""
    cols = [f"{r['backend'][:7]}@{r['items'] // 1000}k" for r in report["results"]]
    lines = ["query type".ljust(26) + "".join(c.rjust(16) for c in cols)]
    names = list(report["results"][0]["per_query"]) if report["results"] else []
    for name in names:
        cells = [f"{r['per_query'][name]['p50_ms']:.0f}/{r['per_query'][name]['p95_ms']:.0f}"
                 for r in report["results"]]
        lines.append(name.ljust(26) + "".join(c.rjust(16) for c in cells))
    lines.append("ALL (p50/p95 ms)".ljust(26) + "".join(
        f"{r['p50_ms']:.0f}/{r['p95_ms']:.0f}".rjust(16) for r in report["results"]))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="50000,250000",
                    help="comma-separated index sizes, measured in turn on one growing index")
    ap.add_argument("--seed", type=int, default=20260312)
    ap.add_argument("--rounds", type=int, default=10, help="times each query of the mix runs")
    ap.add_argument("--es", metavar="URL", help="also bench Elasticsearch at this URL")
    ap.add_argument("--index-path", help="embedded index file (default: a temporary file)")
    ap.add_argument("--skip-embedded", action="store_true",
                    help="only Elasticsearch (to re-measure it alone)")
    args = ap.parse_args(argv)
    sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})

    today = date(2026, 3, 12)  # fixed, so the same seed gives the same statuses and hits
    t0 = time.perf_counter()
    items = synthetic_items(sizes[-1], args.seed, today)
    report: dict = {"data": "synthetic", "seed": args.seed, "sizes": sizes,
                    "generate_seconds": round(time.perf_counter() - t0, 1), "results": []}

    from euradar.infra.index.embedded import EmbeddedIndex

    with tempfile.TemporaryDirectory() as tmp:
        path = args.index_path or f"{tmp}/bench-index.db"
        index = None if args.skip_embedded else EmbeddedIndex(f"sqlite:///{path}")
        try:
            if index is not None:
                report["results"] += bench_backend("embedded", index, items, sizes,
                                                   args.rounds, today)
        finally:
            if index is not None:
                index.close()
    if args.es:
        from euradar.infra.index.elasticsearch import ElasticsearchIndex

        sep = "&" if "?" in args.es else "?"
        # A prefix of its own, so the bench never touches a real installation's items.
        index = ElasticsearchIndex(f"{args.es}{sep}prefix=euradar-bench-{uuid.uuid4().hex[:8]}")
        try:
            report["results"] += bench_backend("elasticsearch", index, items, sizes,
                                               args.rounds, today)
        finally:
            _drop_es_index(index)
            index.close()
    progress(summary(report))
    print(json.dumps(report, indent=2))
    return 0


def _drop_es_index(index) -> None:
    try:
        index.client.indices.delete(index=index.index_name, ignore_unavailable=True)
    except Exception as exc:  # noqa: BLE001 - cleanup is best effort; say so and go on
        print(f"note: could not delete bench index {index.index_name}: {exc}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
