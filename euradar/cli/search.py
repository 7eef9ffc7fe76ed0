"""``euradar search``: the query language on the command line, with the same help on zero
hits as the web page (the filters in force, a theme or English term to try) and a plain word
when the index is still empty."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable

from euradar.core.query_syntax import QuerySyntaxError, parse_query
from euradar.runtime import Runtime
from euradar.web.params import QUERY_HELP, SearchParams
from euradar.web.search_help import LOAD_HINT, search_help


def add_arguments(sp: argparse.ArgumentParser) -> None:
    sp.add_argument("query", nargs="*", default=[],
                    help="the query language: " + QUERY_HELP.replace("%", "%%")
                    + "; quote it as one argument: euradar search '\"wind power\" -offshore'")
    sp.add_argument("--theme", action="append", help="T1..T8 (repeatable)")
    sp.add_argument("--kind", action="append", choices=("call", "tender", "news"))
    sp.add_argument("--status", action="append", choices=("forthcoming", "open", "closed"))
    sp.add_argument("--open", action="store_true", help="only open items")
    sp.add_argument("--programme", action="append", help="e.g. HORIZON (repeatable)")
    sp.add_argument("--lang", action="append", choices=("en", "fi", "sv"))
    sp.add_argument("--sort", default="relevance", choices=("relevance", "deadline", "first_seen"),
                    help="relevance (default): open and forthcoming first, closed last")
    sp.add_argument("--limit", type=int, default=20)
    sp.add_argument("--page", type=int, default=1)


def run(args: argparse.Namespace, open_runtime: Callable[[argparse.Namespace], Runtime]) -> int:
    text = " ".join(args.query)
    try:
        parse_query(text)
    except QuerySyntaxError as exc:
        print(f"euradar: cannot read the query: {exc.message}\n{exc.caret()}\n"
              f"query language: {QUERY_HELP}", file=sys.stderr)
        return 2
    statuses = list(args.status or ()) + (["open"] if args.open else [])
    params = SearchParams(q=text, theme=args.theme or [], kind=args.kind or [], status=statuses,
                          programme=args.programme or [], language=args.lang or [],
                          sort=args.sort, size=max(1, min(args.limit, 100)),
                          page=max(1, args.page))
    rt = open_runtime(args)
    try:
        page = rt.index.search(params.to_query())
        help_ = search_help(rt.index, params) if not page.total else None
    finally:
        rt.close()
    if args.json:
        print(json.dumps({"total": page.total, "facets": page.facets,
                          "hits": [{"score": h.score, "highlights": h.highlights,
                                    **h.item.to_dict()} for h in page.hits],
                          **(help_.as_dict("euradar search") if help_ else {})},
                         indent=2, ensure_ascii=False))
        return 0
    print(f"{page.total} result(s)")
    for h in page.hits:
        it = h.item
        themes = ",".join(it.theme_ids) or "-"
        deadline = it.next_deadline() or "-"
        print(f"- [{it.kind}/{it.status or '?'}] {it.title}\n    {it.url}\n"
              f"    themes {themes}  deadline {deadline[:10]}  source {it.source}  id {it.id}")
    if help_ is not None and help_.index_empty:
        print(f"The index is empty: nothing has been crawled yet. Load items with "
              f"`{LOAD_HINT}` (every enabled source) or `euradar crawl SOURCE`.")
    elif help_ is not None:
        for way in help_.ways_out:
            print(f"  try {way.label}: {way.total} result(s)  ->  {_command(way.params)}")
    return 0


def _command(params: SearchParams) -> str:
    parts = ["euradar search"]
    if params.q:
        parts.append("'" + params.q.replace("'", "'\\''") + "'")
    for flag, values in (("--theme", params.theme), ("--kind", params.kind),
                         ("--status", params.status), ("--programme", params.programme),
                         ("--lang", params.language)):
        parts += [f"{flag} {v}" for v in values]
    return " ".join(parts)
