"""Cost of a re-crawl: requests, bytes and bus events of a first and a second crawl of the
captured corpus served by a local HTTP server, measured in one run.

    python bench/bench_recrawl.py [--shared DIR]

Prints one JSON object. The second crawl should publish zero events; the feed costs a 304
only; the F&T spider skips topic-detail requests for unchanged search records (the POST search
APIs themselves cannot be conditional).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import tempfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from euradar.core.registry import open_bus, open_store  # noqa: E402
from euradar.core.settings import DEFAULT_SOURCES, Settings  # noqa: E402
from euradar.crawlers.run import crawl_all  # noqa: E402
from euradar.crawlers.sources import load_sources  # noqa: E402
from tests.mockserver.server import CorpusServer, file_reply  # noqa: E402

FT = "/search-api/prod/rest/search"
DETAILS = "/info/funding-tenders/opportunities/data/topicDetails/"
TODAY = date(2026, 9, 20)  # fixed, so both crawls and every run derive the same statuses


def serve(corpus: Path) -> CorpusServer:
    server = CorpusServer(corpus).start()
    pages = {"grants": corpus / "ftp_api/sedia_search_scope-horizon-eic_25of31_2026-09-16_claudeproba.json",
             "tenders": corpus / "ftp_api/sedia_tenders_first3of35_2026-09-12_fb_test.json"}
    server.route("POST", FT + "/grants", lambda req: file_reply(pages["grants"], req, validators=False))
    server.route("POST", FT + "/tenders", lambda req: file_reply(pages["tenders"], req, validators=False))
    server.route("POST", "/v3/notices/search", lambda req: file_reply(
        corpus / "ted/ted_v3_search_response_SE_2026-07-01_tender-scan.json", req, validators=False))
    for topic in ("HORIZON-CL6-2026-01-CIRCBIO-07", "SMP-COSME-2024-CLUSTER-01"):
        server.alias(DETAILS + topic.lower() + ".json", corpus / f"ftp_api/topicDetails_{topic}.json")
    server.alias("/rss", corpus / "feeds/ec_presscorner_rss_en_2026-07-27.xml")
    return server


def totals(reports) -> dict:
    keys = ("requests", "bytes", "new", "changed", "unchanged", "not_modified")
    out = {k: sum(getattr(r, k) for r in reports) for k in keys}
    out["events"] = sum(r.events for r in reports)
    out["failed"] = [r.source for r in reports if not r.ok]
    out["per_source"] = {r.source: {"requests": r.requests, "bytes": r.bytes, "events": r.events,
                                    "duration": r.duration} for r in reports}
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    args = parser.parse_args()
    corpus = args.shared / "corpus"
    server = serve(corpus)
    overrides = {"ft_grants": server.url(FT + "/grants?apiKey=SEDIA&text=***"),
                 "ft_tenders": server.url(FT + "/tenders?apiKey=SEDIA&text=***"),
                 "ted_fi": server.url("/v3/notices/search"), "ec_presscorner": server.url("/rss")}
    sources = [dataclasses.replace(s, options={**s.options, "crawl_delay": 0})
               for s in load_sources(DEFAULT_SOURCES, overrides) if s.name in overrides]
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), bus_url=f"sqlite:///{tmp}/bus.db",
                            store_url=f"sqlite:///{tmp}/store.db", http_timeout=10.0)
        bus, store = open_bus(settings.bus_url), open_store(settings.store_url)
        first = totals(crawl_all(sources, settings, bus, store, today=TODAY))
        second = totals(crawl_all(sources, settings, bus, store, today=TODAY))
        bus.close()
        store.close()
    server.stop()

    def ratio(key: str) -> float | None:
        return round(second[key] / first[key], 3) if first[key] else None

    print(json.dumps({"sources": sorted(overrides), "first_crawl": first, "second_crawl": second,
                      "ratios_second_over_first": {k: ratio(k) for k in ("requests", "bytes", "events")}},
                     indent=1))
    return 0 if not first["failed"] and not second["failed"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
