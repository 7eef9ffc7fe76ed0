"""``euradar``: the command line. Settings are read once here and passed down.

Human-friendly output by default; ``--json`` where a script would want it.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from euradar.cli.alerts import add_arguments as add_alert_commands
from euradar.cli.ingest import add_arguments as add_ingest_command
from euradar.cli.nlp import eval_main, explain_main, tag_main
from euradar.cli.search import add_arguments as add_search_arguments
from euradar.cli.search import run as run_search
from euradar.cli.sources import add_arguments as add_source_commands
from euradar.cli.status import status_main
from euradar.cli.store import add_arguments as add_store_commands
from euradar.core import early_stop
from euradar.core.errors import ConfigError, EuradarError
from euradar.core.redact import redact_service_url
from euradar.core.settings import Settings, from_env
from euradar.core.subscriptions import Subscription
from euradar.core.topics import DEAD_LETTER
from euradar.runtime import Runtime


def _settings(args: argparse.Namespace) -> Settings:
    return from_env(data_dir=Path(args.data_dir) if args.data_dir else None)


def _runtime(args: argparse.Namespace) -> Runtime:
    return Runtime.open(_settings(args))


def _print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def _report_line(report: Any) -> None:
    """Progress line per crawled source; unreachable sources are said plainly."""
    r = report
    if getattr(r, "ok", False):
        print(f"  ok    {r.source:<22} {r.items_seen:>4} items  {r.new:>3} new  {r.changed:>3} "
              f"changed  {r.dead:>2} dead-lettered  ({r.duration:.1f}s)", flush=True)
    else:
        print(f"  FAIL  {r.source:<22} {r.error}", flush=True)


def cmd_run(args: argparse.Namespace) -> int:
    rt = _runtime(args)
    server = None
    if not args.no_serve and not args.once:
        from euradar.web.server import start_background

        try:
            server = start_background(rt)
        except RuntimeError as exc:
            rt.close()
            raise ConfigError(f"{exc}; or run with --no-serve") from exc
        print(f"euradar web UI and API on {rt.settings.public_url}", flush=True)
    try:
        if args.once:
            print(f"euradar: one cycle on bus={redact_service_url(rt.settings.bus_url)} "
                  f"index={redact_service_url(rt.settings.index_url)}", flush=True)
            print("crawling sources:", flush=True)
            reports = rt.crawl(args.source or None, progress=_report_line)
            print("tagging, indexing and alerting ...", flush=True)
            drained = rt.drain()
            failed = [r for r in reports if not r.ok]
            failed_names = [r.source for r in failed]
            summary = {"sources": len(reports), "failed_sources": failed_names,
                       "processed": drained, "indexed_total": rt.index.count()}
            if args.json:
                _print_json(summary)
            else:
                print(f"done: {len(reports) - len(failed)}/{len(reports)} sources ok, "
                      f"{drained['tagger']} events tagged, index holds {summary['indexed_total']} "
                      f"items" + (f"; unreachable or failing: {', '.join(failed_names)}"
                                  if failed else ""))
            return 0
        _stop_on_signals(rt)
        print("euradar running; Ctrl-C stops", flush=True)
        rt.run_forever(progress=_report_line, consumers=not args.crawl_only)
        return 0
    finally:
        if server is not None:
            server.stop()
        rt.close()


def cmd_crawl(args: argparse.Namespace) -> int:
    rt = _runtime(args)
    try:
        reports = rt.crawl([args.source], progress=None if args.json else _report_line)
        if not reports:
            raise ConfigError(f"no source named {args.source!r}; see `euradar sources`")
        if args.json:
            _print_json([vars(r) for r in reports])
        return 0 if all(r.ok for r in reports) else 1
    finally:
        rt.close()


def _stop_on_signals(rt: Runtime) -> None:
    """SIGTERM and SIGINT (Ctrl-C) ask for a clean stop: the batch in hand is finished or left
    uncommitted, then the process exits 0 (within Settings.shutdown_seconds)."""
    def stop(signum: int, _frame: object) -> None:
        print(f"euradar: {signal.Signals(signum).name} received, stopping", file=sys.stderr,
              flush=True)
        rt.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if early_stop.REQUESTED.is_set():  # asked while starting (euradar/__main__.py)
        print("euradar: SIGTERM received while starting, stopping", file=sys.stderr, flush=True)
        rt.stop()


# Each role's own health port unless EURADAR_HEALTH_PORT or --health-port says otherwise, so
# three roles on one host do not collide.
HEALTH_PORTS = {"tagger": 8771, "indexer": 8772, "alerter": 8773}


def cmd_consume(args: argparse.Namespace) -> int:
    rt = _runtime(args)
    if args.until_idle:
        try:
            stats = rt.consume(args.role, until_idle=True)
            print(json.dumps({"role": args.role, "records": stats.records, "dead": stats.dead}))
            return 0
        finally:
            rt.close()
    port = args.health_port if args.health_port is not None else rt.settings.health_port
    chosen = port is not None
    port = HEALTH_PORTS[args.role] if port is None else port
    server = None
    try:
        if port:
            from euradar.health import HealthServer

            try:
                server = HealthServer(rt.health, rt.settings.web_host, port).start()
            except OSError as exc:
                where = f"health port {rt.settings.web_host}:{port}: {exc.strerror}"
                if chosen:
                    raise ConfigError(f"{where} (set --health-port or EURADAR_HEALTH_PORT; "
                                      "0 turns it off)") from exc
                # the default port is taken (another role on this host): run without it
                print(f"euradar {args.role}: {where}; no /healthz, /readyz, /metrics (set "
                      "--health-port or EURADAR_HEALTH_PORT)", file=sys.stderr, flush=True)
        if server is not None:
            print(f"euradar {args.role}: /healthz /readyz /metrics on "
                  f"http://{rt.settings.web_host}:{server.port}", flush=True)
        _stop_on_signals(rt)
        rt.run_roles((args.role,))
        return 0
    finally:
        if server is not None:
            server.stop()
        rt.close()


def cmd_status(args: argparse.Namespace) -> int:
    return status_main(_runtime(args), args.url, as_json=args.json)


def cmd_search(args: argparse.Namespace) -> int:
    return run_search(args, _runtime)


SUBSCRIBE_FLAGS = {  # subscription field -> argparse destination
    "email": "email", "webhook_url": "webhook", "name": "name", "organisation": "organisation",
    "lang": "lang", "themes": "theme", "keywords": "keywords", "kinds": "kind",
    "programmes": "programme", "eligibility": "eligibility", "geography": "geography",
    "min_budget": "min_budget", "deadline_horizon_days": "deadline_horizon",
    "frequency": "frequency", "reminders": "reminders", "active": "active",
}


def _reminder_days(text: str) -> list[int]:
    if text.strip().lower() in ("", "none", "off"):
        return []
    try:
        return [int(part) for part in text.replace(" ", "").split(",") if part]
    except ValueError as exc:
        raise ConfigError(f"--reminders: {text!r} is not a list of days like 21,7,1") from exc


def subscribe_changes(args: argparse.Namespace) -> dict[str, Any]:
    """Only the fields given on the command line (``--clear FIELD`` resets one)."""
    changes: dict[str, Any] = {}
    for field, dest in SUBSCRIBE_FLAGS.items():
        value = getattr(args, dest, None)
        if value is not None:
            changes[field] = _reminder_days(value) if field == "reminders" else value
    for field in args.clear or []:
        changes[field] = None
    return changes


def cmd_subscribe(args: argparse.Namespace) -> int:
    """New subscription, or with ``--id`` of an existing one: change only what is given."""
    changes = subscribe_changes(args)
    rt = _runtime(args)
    try:
        existing = rt.store.get_subscription(args.id) if args.id else None
        if existing is not None:
            sub = existing.updated(changes)
        else:
            sub = Subscription.from_dict({k: v for k, v in changes.items() if v is not None}
                                         | ({"id": args.id} if args.id else {}))
        rt.store.save_subscription(sub)
    finally:
        rt.close()
    if args.json:
        _print_json(sub.to_dict())
    else:
        verb = "updated" if existing is not None else "saved"
        print(f"{verb} subscription {sub.id} for {sub.email or sub.webhook_url}")
    return 0


def cmd_subscriptions(args: argparse.Namespace) -> int:
    rt = _runtime(args)
    try:
        subs = rt.store.list_subscriptions()
    finally:
        rt.close()
    if args.json:
        _print_json([s.to_dict() for s in subs])
        return 0
    if not subs:
        print("no subscriptions; add one with `euradar subscribe --email ...`")
    for s in subs:
        print(f"{s.id}  {s.email or s.webhook_url}  themes={','.join(s.themes) or '-'}  "
              f"keywords={s.keywords or '-'}  kinds={','.join(s.kinds) or '-'}  {s.frequency}")
    return 0


def cmd_unsubscribe(args: argparse.Namespace) -> int:
    rt = _runtime(args)
    try:
        gone = rt.store.delete_subscription(args.id)
    finally:
        rt.close()
    print("deleted" if gone else f"no subscription {args.id}")
    return 0 if gone else 1


def cmd_serve(args: argparse.Namespace) -> int:
    from euradar.web.server import serve

    rt = _runtime(args)
    try:
        print(f"euradar web UI and API on {rt.settings.public_url} (Ctrl-C stops)", flush=True)
        serve(rt)
        return 0
    finally:
        rt.close()


def cmd_dead_letters(args: argparse.Namespace) -> int:
    rt = _runtime(args)
    try:
        if not hasattr(rt.bus, "read_topic"):
            raise ConfigError("this bus cannot list a topic; use your Kafka tools on "
                              f"{DEAD_LETTER}")
        records = [json.loads(m.value) for m in rt.bus.read_topic(DEAD_LETTER, args.limit)]
    finally:
        rt.close()
    if args.json:
        _print_json(records)
    else:
        for r in records:
            print(f"[{r.get('stage')}] {r.get('source') or ''} {r.get('key')}: {r.get('reason')}")
        print(f"{len(records)} dead-lettered record(s)")
    return 0


def cmd_tag(args: argparse.Namespace) -> int:
    # bytes: each line is decoded on its own, so bad bytes cost only their line
    return tag_main(getattr(sys.stdin, "buffer", sys.stdin), sys.stdout)


def cmd_explain(args: argparse.Namespace) -> int:
    argv = [args.text] if args.text is not None else []
    for flag in ("title", "lang", "jsonl", "id"):
        if getattr(args, flag):
            argv += [f"--{flag}", getattr(args, flag)]
    return explain_main(argv)


def cmd_eval(args: argparse.Namespace) -> int:
    return eval_main(args.labels, sys.stdout, as_json=args.json)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="euradar",
        description="euradar: a radar of EU funding calls, tenders and EU-network news for Lapland")
    p.add_argument("--data-dir", help="where data lives (default ./euradar-data or $EURADAR_DATA_DIR)")
    p.add_argument("-v", "--verbose", action="store_true", help="log more")
    sub = p.add_subparsers(dest="command", required=True)

    def add(name: str, func: Callable[[argparse.Namespace], int], help: str,
            json_flag: bool = True) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=help, description=help)
        sp.set_defaults(func=func)
        if json_flag:
            sp.add_argument("--json", action="store_true", help="machine-readable output")
        return sp

    sp = add("run", cmd_run, "the main job: crawl on schedule, tag, index, alert (and serve the web UI)")
    sp.add_argument("--once", action="store_true", help="one cycle over every enabled source, then exit")
    sp.add_argument("--no-serve", action="store_true", help="do not start the web UI and API")
    sp.add_argument("--crawl-only", action="store_true",
                    help="only the scheduler: consumer roles run elsewhere (euradar consume ROLE)")
    sp.add_argument("--source", action="append", help="only this source (repeatable)")
    sp = add("crawl", cmd_crawl, "crawl one source now and publish what is new or changed")
    sp.add_argument("source")
    sp = add("consume", cmd_consume, "run one consumer role (tagger, indexer, alerter)", json_flag=False)
    sp.add_argument("role", choices=("tagger", "indexer", "alerter"))
    sp.add_argument("--until-idle", action="store_true", help="exit when nothing is left to consume")
    sp.add_argument("--health-port", type=int,
                    help="port of /healthz, /readyz, /metrics (default: tagger 8771, indexer "
                         "8772, alerter 8773, or EURADAR_HEALTH_PORT; 0 = none)")
    sp = add("status", cmd_status, "health of the installation: dependencies, roles, lag, "
             "dead letters, sources (exit 1 when not ready)")
    sp.add_argument("--url", help="the /readyz of the running process (default: the web UI's)")
    sp = add("search", cmd_search, "search the index (the query language of the web search box)")
    add_search_arguments(sp)
    sp = add("subscribe", cmd_subscribe, "add a subscription, or change one (--id): only the "
             "options given change, everything else is kept")
    sp.add_argument("--id", help="update this subscription (created if it does not exist)")
    sp.add_argument("--email", help="where alerts go (an email and/or --webhook is needed)")
    sp.add_argument("--webhook", help="webhook URL that receives signed JSON")
    sp.add_argument("--name")
    sp.add_argument("--organisation")
    sp.add_argument("--lang", choices=("fi", "en", "sv"), help="language of the messages")
    sp.add_argument("--theme", action="append", help="T1..T8 (repeatable)")
    sp.add_argument("--keywords", help='e.g. \'hydrogen OR "wind power" NOT offshore\'')
    sp.add_argument("--kind", action="append", choices=("call", "tender", "news"))
    sp.add_argument("--programme", action="append", help="e.g. HORIZON (repeatable)")
    sp.add_argument("--eligibility", action="append", help="e.g. local_authorities (repeatable)")
    sp.add_argument("--geography", action="append", help="e.g. Lapland (repeatable)")
    sp.add_argument("--min-budget", type=float, dest="min_budget")
    sp.add_argument("--deadline-horizon", type=int, dest="deadline_horizon",
                    help="only deadlines within this many days")
    sp.add_argument("--frequency", choices=("immediate", "daily", "weekly"))
    sp.add_argument("--reminders", help="days before a deadline, e.g. 21,7,1 (none: off)")
    state = sp.add_mutually_exclusive_group()
    state.add_argument("--pause", dest="active", action="store_false", default=None)
    state.add_argument("--resume", dest="active", action="store_true", default=None)
    sp.add_argument("--clear", action="append", choices=sorted(SUBSCRIBE_FLAGS),
                    help="reset this field to its default (repeatable)")
    add("subscriptions", cmd_subscriptions, "list subscriptions")
    sp = add("unsubscribe", cmd_unsubscribe, "delete a subscription", json_flag=False)
    sp.add_argument("id")
    add_source_commands(sub, _settings)
    add("serve", cmd_serve, "serve the web UI and HTTP API (127.0.0.1 by default)", json_flag=False)
    sp = add("dead-letters", cmd_dead_letters, "records refused, with the reason")
    sp.add_argument("--limit", type=int, default=200)
    add("tag", cmd_tag, "tag JSONL from stdin ({id,title,text,lang?}) to JSONL on stdout", json_flag=False)
    sp = add("explain", cmd_explain, "why a text gets each theme (a text, a JSONL file, or stdin)",
             json_flag=False)
    sp.add_argument("text", nargs="?", help="body text")
    sp.add_argument("--title", default="")
    sp.add_argument("--lang", choices=("en", "fi", "sv"))
    sp.add_argument("--jsonl", help="JSONL file of records {id, title, text, lang?}")
    sp.add_argument("--id", help="only this record of --jsonl")
    sp = add("eval", cmd_eval, "precision/recall/F1 of the tagger on a labelled JSONL file")
    sp.add_argument("labels")

    add_alert_commands(sub, _runtime)
    add_ingest_command(sub, _runtime)
    add_store_commands(sub, _settings)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not args.verbose and args.command in ("run", "crawl"):
        # The per-source progress lines already say what failed and why; the crawler's own
        # log lines (retries, the same failure again) are for -v.
        logging.getLogger("euradar.crawlers").setLevel(logging.CRITICAL)
    service = args.command in ("run", "consume") and not (
        getattr(args, "once", False) or getattr(args, "until_idle", False))
    if not service and early_stop.release():
        return 128 + signal.SIGTERM  # stopped while starting; nothing was done
    try:
        return int(args.func(args) or 0)
    except EuradarError as exc:
        print(f"euradar: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
