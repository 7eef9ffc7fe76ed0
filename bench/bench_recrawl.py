"""Cost of a re-crawl: requests, bytes and bus events of a first crawl and of an idle re-crawl
(nothing changed at the sources), measured side by side in one run.

    python bench/bench_recrawl.py [--shared DIR]

Sources: ft_grants and ft_tenders (the F&T search API answering with the records of the real
captures, paged per request: tests/mockserver/apis.py), ted_fi (TED, real captures), the EC
Press Corner feed (real capture), and the six regional sources on their synthetic CMS-shaped
sites (tests/fixtures/sites/, hand-written, each file says so). The first crawl is a full
crawl; the second is what the scheduler does next: incremental polls for F&T and TED (one
small request each), conditional GETs (304) for the feed and the listing pages.

Prints one JSON object; the bar is ``second / first`` bytes <= 0.10 and 0 events.
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
from tests.mockserver.apis import SediaIndex, TedIndex  # noqa: E402
from tests.mockserver.server import CorpusServer  # noqa: E402
from tests.mockserver.sites import start_regional_sites  # noqa: E402

FT = "/search-api/prod/rest/search"
DETAILS = "/info/funding-tenders/opportunities/data/topicDetails/"
TODAY = date(2026, 9, 20)  # fixed, so both crawls and every run derive the same statuses
GRANTS = ("ftp_api/sedia_search_scope-horizon-eic_25of31_2026-09-16_claudeproba.json",
          "ftp_api/sedia_search_page_apiv2.151_aarhusai.json")
TENDERS = ("ftp_api/sedia_tenders_first3of35_2026-09-12_fb_test.json",)
TED = ("ted/ted_v3_search_response_SE_2026-07-01_tender-scan.json",
       "ted/ted_v3_notices_SE-cities_first3of1495_2026-10-08_trf.json",
       "ted/ted_v3_search_response_first1of822_2026-09-09_fb_test.json")


def serve(corpus: Path) -> CorpusServer:
    server = CorpusServer(corpus).start()
    server.route("POST", FT + "/grants", SediaIndex(*(corpus / f for f in GRANTS)))
    server.route("POST", FT + "/tenders", SediaIndex(*(corpus / f for f in TENDERS)))
    server.route("POST", "/v3/notices/search", TedIndex(*(corpus / f for f in TED)))
    for topic in ("HORIZON-CL6-2026-01-CIRCBIO-07", "SMP-COSME-2024-CLUSTER-01"):
        server.alias(DETAILS + topic.lower() + ".json", corpus / f"ftp_api/topicDetails_{topic}.json")
    server.alias("/rss", corpus / "feeds/ec_presscorner_rss_en_2026-07-27.xml")
    return server


def totals(reports) -> dict:
    keys = ("requests", "bytes", "new", "changed", "unchanged", "not_modified")
    out = {k: sum(getattr(r, k) for r in reports) for k in keys}
    out["events"] = sum(r.events for r in reports)
    out["failed"] = {r.source: r.error for r in reports if not r.ok}
    out["per_source"] = {r.source: {"mode": r.mode, "requests": r.requests, "bytes": r.bytes, "events": r.events,
                                    "duration_s": r.duration} for r in reports}
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    args = parser.parse_args()
    corpus = args.shared / "corpus"
    server = serve(corpus)
    overrides, sites = start_regional_sites()
    overrides.update({"ft_grants": server.url(FT + "/grants?apiKey=SEDIA&text=***"),
                      "ft_tenders": server.url(FT + "/tenders?apiKey=SEDIA&text=***"),
                      "ted_fi": server.url("/v3/notices/search"), "ec_presscorner": server.url("/rss")})
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
    for site in sites:
        site.stop()

    def ratio(key: str) -> float | None:
        return round(second[key] / first[key], 3) if first[key] else None

    ratios = {k: ratio(k) for k in ("requests", "bytes", "events")}
    print(json.dumps({"sources": sorted(overrides), "first_crawl": first, "idle_recrawl": second,
                      "ratios_idle_over_first": ratios,
                      "bar": {"bytes_ratio_max": 0.10, "events": 0,
                              "met": bool(ratios["bytes"] is not None and ratios["bytes"] <= 0.10
                                          and second["events"] == 0)}}, indent=1))
    return 0 if not first["failed"] and not second["failed"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
