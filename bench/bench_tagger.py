"""Benchmark the theme tagger against the bare spaCy tokenizer on the same texts.

Texts: /work/shared/corpus (F&T JSON titles/descriptions, RSS items, TED titles; extracted
roughly by walking the JSON/XML for text-like fields) plus labels/dev.jsonl.
Prints JSON: items/s and words/s for both, the speed ratio, and peak memory.
Usage: python bench/bench_tagger.py [--corpus DIR] [--labels FILE] [--repeat N] [--rounds N]
"""
from __future__ import annotations

import argparse
import html
import json
import re
import resource
import sys
import time
import tracemalloc
import xml.etree.ElementTree as ET
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import spacy  # noqa: E402

from euradar.nlp import get_tagger  # noqa: E402

TEXT_KEYS = {"title", "description", "descriptionbyte", "summary", "callTitle", "identifier", "text", "TI", "notice-title"}
_TAG_RE = re.compile(r"<[^>]+>")


def _clean(value: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(_TAG_RE.sub(" ", value))).strip()


def _walk_json(node, out: list[dict]) -> None:
    if isinstance(node, dict):
        title, body = "", []
        for key, value in node.items():
            if key.lower() in {k.lower() for k in TEXT_KEYS}:
                if isinstance(value, str) and len(value) > 3:
                    (body.append(_clean(value)) if title else None) if key.lower() != "title" else None
                    if key.lower() == "title":
                        title = _clean(value)
                elif isinstance(value, dict):  # TED multilingual {"eng": "...", "fin": [...]}
                    for lang_value in value.values():
                        texts = lang_value if isinstance(lang_value, list) else [lang_value]
                        body.extend(_clean(t) for t in texts if isinstance(t, str))
            _walk_json(value, out) if isinstance(value, (dict, list)) else None
        if title or body:
            out.append({"title": title, "text": " ".join(body)})
    elif isinstance(node, list):
        for item in node:
            _walk_json(item, out)


def corpus_records(corpus: Path, labels: Path) -> list[dict]:
    """Roughly extracted {"id", "title", "text"} records from the corpus and the labels file."""
    records: list[dict] = []
    for path in sorted(corpus.rglob("*.json")):
        try:
            _walk_json(json.loads(path.read_text(encoding="utf-8")), records)
        except (json.JSONDecodeError, UnicodeDecodeError):
            records.append({"title": path.name, "text": _clean(path.read_text(encoding="utf-8", errors="replace"))[:20000]})
    for path in sorted(corpus.rglob("*.xml")):
        for item in ET.parse(path).getroot().iter("item"):
            records.append({"title": _clean(item.findtext("title") or ""), "text": _clean(item.findtext("description") or "")})
    if labels.exists():
        for line in labels.read_text(encoding="utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                records.append({"title": item.get("title", ""), "text": item.get("text", "")})
    return [dict(r, id=str(i)) for i, r in enumerate(records) if (r["title"] + r["text"]).strip()]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", default="/work/shared/corpus")
    parser.add_argument("--labels", default="/work/shared/labels/dev.jsonl")
    parser.add_argument("--repeat", type=int, default=3, help="copies of the texts per run")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds; the best is kept")
    options = parser.parse_args()
    records = corpus_records(Path(options.corpus), Path(options.labels)) * options.repeat
    texts = [f"{r['title']}\n{r['text']}" for r in records]
    words = sum(len(t.split()) for t in texts)

    bare = spacy.blank("xx")
    list(bare.pipe(texts[:50]))  # warm-up
    tagger = get_tagger()
    tagger.tag(records[:50])  # warm-up: build pipeline, fill caches for the first items
    # Alternate the two runs and keep each one's best time: the machine is shared, and
    # alternating exposes both to the same background load.
    bare_seconds = tagger_seconds = float("inf")
    cold_seconds = 0.0
    for round_number in range(options.rounds):
        start = time.perf_counter()
        for _ in bare.pipe(texts, batch_size=64):
            pass
        bare_seconds = min(bare_seconds, time.perf_counter() - start)
        start = time.perf_counter()
        tagger.tag(records)
        elapsed = time.perf_counter() - start
        if round_number == 0:  # word analyses (Voikko, simplemma) not yet cached for most words
            cold_seconds = elapsed
        tagger_seconds = min(tagger_seconds, elapsed)
    # Memory in a separate pass: tracemalloc slows Python several times and would skew timing.
    tracemalloc.start()
    tagger.tag(records)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    result = {
        "items": len(records), "words": words,
        "tokenizer": {"seconds": round(bare_seconds, 3), "items_per_s": round(len(records) / bare_seconds, 1),
                      "words_per_s": round(words / bare_seconds)},
        "tagger": {"seconds": round(tagger_seconds, 3), "items_per_s": round(len(records) / tagger_seconds, 1),
                   "words_per_s": round(words / tagger_seconds)},
        "speed_ratio_tagger_vs_tokenizer": round(bare_seconds / tagger_seconds, 3),
        "first_round_cold_cache": {"seconds": round(cold_seconds, 3),
                                   "speed_ratio_vs_tokenizer": round(bare_seconds / cold_seconds, 3)},
        "tagger_peak_traced_mb": round(peak / 1e6, 1),
        "process_max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
