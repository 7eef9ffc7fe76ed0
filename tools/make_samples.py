"""Build ``samples/`` (data a new user can ``euradar ingest`` offline) from the real captures in
``../shared/corpus``. Nothing is invented: every title and text is the source's own, converted
with euradar's own parsers into the ingest JSON Lines format.

    python tools/make_samples.py [--corpus ../shared/corpus] [--out samples]

* ``eu_calls.jsonl``: Funding & Tenders topics and tenders (English) from the F&T captures;
* ``ted_notices_fi_sv.jsonl``: every TED notice of the captures twice, with TED's own Finnish
  and Swedish title (and the notice's description in the best language TED has), ids
  ``ted:<number>:fi`` and ``ted:<number>:sv``;
* ``ec_presscorner.xml``: the EC Press Corner RSS capture itself (20 items), byte for byte.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path
from typing import Any

from euradar.core.models import Item
from euradar.crawlers import ft_dump, ft_parse, ted_parse

ROOT = Path(__file__).resolve().parent.parent
FT_SEARCH_FILES = (
    "sedia_search_trimmed_2026-06-11_ai-bid-manager.json",
    "sedia_search_page_apiv2.151_aarhusai.json",
    "sedia_tenders_first3of35_2026-09-12_fb_test.json",
    "sedia_search_scope-horizon-eic_25of31_2026-09-16_claudeproba.json",
)
FT_DUMP_FILES = ("grantsTenders_sample_grantfin.json", "grantsTenders_sample_2026-09-08_funding_radar.json")
TED_FILES = (
    "ted_v3_search_response_SE_2026-07-01_tender-scan.json",
    "ted_v3_notices_SE-cities_first3of1495_2026-10-08_trf.json",
    "ted_v3_search_response_first1of822_2026-09-09_fb_test.json",
)
FEED_FILE = "ec_presscorner_rss_en_2026-07-27.xml"


def to_record(item: Item, origin: str) -> dict[str, Any]:
    """An Item as one ingest line (only the fields ``euradar ingest`` reads, plus provenance)."""
    record: dict[str, Any] = {"id": item.id, "title": item.title, "text": item.text, "lang": item.lang,
                              "url": item.url, "kind": item.kind}
    if item.deadlines:
        record["deadlines"] = item.deadlines
    for key in ("programme", "status", "published", "budget", "currency"):
        if getattr(item, key) is not None:
            record[key] = getattr(item, key)
    if item.call_ids:
        record["call_ids"] = item.call_ids
    record["corpus_file"] = origin  # kept by ingest as an extra field: where the item came from
    return {k: v for k, v in record.items() if v not in (None, "")}


def ft_records(corpus: Path) -> list[dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for name in FT_SEARCH_FILES:
        envelope = json.loads((corpus / "ftp_api" / name).read_text(encoding="utf-8"))
        kept, _ = ft_parse.collapse(ft_parse.records(envelope))
        for result in kept:
            item = ft_parse.record_to_item(result, "ft_grants", "call")
            out.setdefault(item.id, to_record(item, f"ftp_api/{name}"))
    for name in FT_DUMP_FILES:
        for raw in ft_dump.iter_records((corpus / "ftp_api" / name).read_bytes()):
            try:
                item = ft_dump.record_to_item(raw, "ft_dump", "call")
            except Exception:  # the dumps hold deliberately broken records; samples keep good ones
                continue
            out.setdefault(item.id, to_record(item, f"ftp_api/{name}"))
    return list(out.values())


def ted_records(corpus: Path) -> list[dict[str, Any]]:
    out = []
    for name in TED_FILES:
        envelope = json.loads((corpus / "ted" / name).read_text(encoding="utf-8"))
        for notice in ted_parse.notices(envelope):
            for code, lang in (("fin", "fi"), ("swe", "sv")):
                item = ted_parse.notice_to_item(notice, "ted", preferred=(code,))
                if item.lang != lang:
                    continue  # TED has no title in this language for the notice
                record = to_record(item, f"ted/{name}")
                record["id"] = f"{item.id}:{lang}"
                out.append(record)
    return out


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    print(f"wrote {path} ({len(records)} items)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=str(ROOT.parent / "shared" / "corpus"))
    parser.add_argument("--out", default=str(ROOT / "samples"))
    args = parser.parse_args()
    corpus, out = Path(args.corpus), Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    write_jsonl(out / "eu_calls.jsonl", ft_records(corpus))
    write_jsonl(out / "ted_notices_fi_sv.jsonl", ted_records(corpus))
    shutil.copyfile(corpus / "feeds" / FEED_FILE, out / "ec_presscorner.xml")
    print(f"copied feeds/{FEED_FILE} -> {out / 'ec_presscorner.xml'}")


if __name__ == "__main__":
    main()
