"""``euradar ingest FILE``: local JSON Lines items or an RSS/Atom file into the pipeline.

The items are published on the bus exactly like a crawl source's (see
:mod:`euradar.crawlers.ingest`), then, unless ``--publish-only``, the tagger, indexer and
alerter roles run until the bus is drained, so ``euradar search`` finds them right away on the
embedded default. Where the roles run as their own processes (``euradar consume ROLE``, docker
compose), ``--publish-only`` leaves the work to them.

Exit status: 0 when every record became an item, 1 when some were refused (dead-lettered with
their line number; the others are published), 2 when the file cannot be read at all.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import Any

from euradar.core.models import KINDS
from euradar.crawlers.ingest import ingest_file
from euradar.runtime import Runtime


def cmd_ingest(args: argparse.Namespace, runtime_factory: Callable[[argparse.Namespace], Runtime]) -> int:
    rt = runtime_factory(args)
    try:
        report = ingest_file(args.file, rt.bus, rt.store, source=args.source, kind=args.kind, lang=args.lang)
        drained: dict[str, int] = {}
        if not args.publish_only and report.published:
            if not args.json:
                print("tagging, indexing and alerting ...", flush=True)
            drained = rt.drain()
        summary: dict[str, Any] = {
            "file": report.path, "format": report.format, "source": report.source,
            "records": report.records, "new": report.new, "changed": report.changed,
            "unchanged": report.unchanged, "dead_lettered": report.dead, "refused": report.refused,
            "warnings": report.warnings, "processed": drained,
            "indexed_total": rt.index.count() if drained else None,
        }
    finally:
        rt.close()
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        print(f"{report.path} ({report.format}): {report.records} record(s) -> {report.new} new, "
              f"{report.changed} changed, {report.unchanged} unchanged, {report.dead} dead-lettered"
              f"  [source {report.source}]")
        for reason in report.refused[:20]:
            print(f"  refused {reason}")
        if len(report.refused) > 20:
            print(f"  ... and {len(report.refused) - 20} more (euradar dead-letters)")
        for warning in report.warnings:
            print(f"  warning: {warning}")
        if drained:
            print(f"done: {drained.get('tagger', 0)} events tagged, index holds "
                  f"{summary['indexed_total']} items")
        elif args.publish_only and report.published:
            print("published only: the consumer roles (euradar consume ...) will tag and index them")
    return 1 if report.refused else 0


def add_arguments(subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
                  runtime_factory: Callable[[argparse.Namespace], Runtime]) -> None:
    """Register ``ingest``."""
    help_text = "publish items from a JSON Lines or RSS/Atom file through the bus, like a crawl"
    sp = subparsers.add_parser("ingest", help=help_text, description=help_text + (
        '. JSON Lines: one {"id", "title", "text", "lang"?, "url"?, "kind"?, "deadline"?} per line.'))
    sp.set_defaults(func=lambda args: cmd_ingest(args, runtime_factory))
    sp.add_argument("file", help="a .jsonl file of items, or an RSS/Atom feed file")
    sp.add_argument("--source", help="source name for these items (default: file_<file name>)")
    sp.add_argument("--kind", default="news", choices=KINDS, help="kind of items that do not say (default news)")
    sp.add_argument("--lang", choices=("en", "fi", "sv"), help="language of items that do not say")
    sp.add_argument("--publish-only", action="store_true",
                    help="only publish; consumer roles running elsewhere tag, index and alert")
    sp.add_argument("--json", action="store_true", help="machine-readable output")
