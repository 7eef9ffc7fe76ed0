"""CLI subcommands for alerts, digests, reminders and subscription files.

The lead's ``euradar/cli.py`` calls ``add_arguments(subparsers, runtime_factory)``; each
command gets an opened Runtime from ``runtime_factory(args)`` and closes it.

    euradar digest --week                  send the weekly digests (once per person and week)
    euradar digest --day                   send the daily digests
    euradar digest --preview EMAIL [--out digest-preview.html]
    euradar subscriptions-file load FILE.yaml [--prune]
    euradar subscriptions-file dump [--out FILE.yaml]
    euradar preview FILE.yaml|SUBSCRIPTION_ID [--days 30]
    euradar reminders                      send the deadline reminders due today
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from euradar.alerts.digest import preview_digest, send_digests
from euradar.alerts.preview import preview_subscription
from euradar.alerts.reminders import send_reminders
from euradar.alerts.subscription_file import dump, load_entries, load_file, sync
from euradar.alerts.wording import reason_lines
from euradar.core.errors import ConfigError
from euradar.runtime import Runtime


def _today(args: argparse.Namespace) -> date | None:
    return date.fromisoformat(args.today) if getattr(args, "today", None) else None


Body = Callable[["Runtime", argparse.Namespace], int]


def _with_runtime(factory: Callable[[argparse.Namespace], Runtime],
                  body: Body) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        runtime = factory(args)
        try:
            return body(runtime, args)
        finally:
            runtime.close()
    return run


def cmd_digest(rt: Runtime, args: argparse.Namespace) -> int:
    frequency = "daily" if args.day else "weekly"
    if args.preview:
        notification = preview_digest(args.preview, rt.store, rt.index, frequency, _today(args),
                                      links=rt.links)
        out = Path(args.out)
        out.write_text(notification.html or "", encoding="utf-8")
        print(f"wrote {frequency} digest preview for {args.preview} to {out} "
              f"({notification.subject}; the digest about to be sent next)")
        return 0
    if not (args.week or args.day):
        raise ConfigError("say --week, --day or --preview EMAIL")
    sent = send_digests(rt.store, rt.index, rt.notifier, frequency, _today(args), links=rt.links)
    for email, n in sent:
        print(f"sent {frequency} digest to {email}: {n} item(s)")
    print(f"{len(sent)} digest(s) sent" + ("" if sent else
          " (none due: already sent for this period, or nothing matched)"))
    return 0


def cmd_subscriptions_file(rt: Runtime, args: argparse.Namespace) -> int:
    if args.action == "dump":
        text = dump(rt.store.list_subscriptions())
        if args.out:
            Path(args.out).write_text(text, encoding="utf-8")
            print(f"wrote {args.out}")
        else:
            print(text, end="")
        return 0
    if not args.file:
        raise ConfigError("subscriptions-file load needs the YAML file")
    subs = load_entries(args.file)
    report = sync(rt.store, subs, prune=args.prune)
    print(f"{args.file}: {len(subs)} valid subscription(s); created {len(report.created)}, "
          f"updated {len(report.updated)}, unchanged {len(report.unchanged)}, "
          f"deleted {len(report.deleted)}")
    if report.not_in_file:
        print(f"kept {len(report.not_in_file)} stored subscription(s) not in the file "
              f"(--prune deletes them): {', '.join(report.not_in_file)}")
    return 0


def cmd_preview(rt: Runtime, args: argparse.Namespace) -> int:
    target = Path(args.target)
    if target.suffix in (".yaml", ".yml") or target.exists():
        subs = load_file(target)
    else:
        sub = rt.store.get_subscription(args.target)
        if sub is None:
            raise ConfigError(f"no subscription {args.target!r} and no such file")
        subs = [sub]
    result: dict[str, list[dict[str, Any]]] = {}
    for sub in subs:
        matched = preview_subscription(sub, rt.index, args.days, _today(args))
        result[sub.id] = [{"id": m.item.id, "title": m.item.title, "url": m.item.url,
                           "first_seen": m.item.first_seen, "deadline": m.item.next_deadline(),
                           "status": m.item.status, "alerted": m.alerted,
                           "reasons": reason_lines(m.reasons, sub.lang),
                           "why": m.reasons.to_dict()} for m in matched.matches]
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return 0
    for sub in subs:
        rows = result[sub.id]
        print(f"{sub.id} ({sub.name}): {len(rows)} match(es) in the last {args.days} days")
        for r in rows:
            note = "" if r["alerted"] else " (closed when first seen: not mailed)"
            print(f"  - {r['title']}\n      {r['url']}\n      first seen "
                  f"{(r['first_seen'] or '-')[:10]}, deadline {(r['deadline'] or '-')[:10]}, "
                  f"status {r['status'] or '-'}{note}\n      why: {'; '.join(r['reasons'])}")
    return 0


def cmd_reminders(rt: Runtime, args: argparse.Namespace) -> int:
    sent = send_reminders(rt.store, rt.index, rt.notifier, rt.webhook, _today(args),
                          links=rt.links)
    print(f"{sent} reminder message(s) sent")
    return 0


def add_arguments(subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
                  runtime_factory: Callable[[argparse.Namespace], Runtime]) -> None:
    """Register ``digest``, ``subscriptions-file``, ``preview`` and ``reminders``."""
    def add(name: str, body: Body, help: str) -> argparse.ArgumentParser:
        sp: argparse.ArgumentParser = subparsers.add_parser(name, help=help, description=help)
        sp.set_defaults(func=_with_runtime(runtime_factory, body))
        sp.add_argument("--today", help=argparse.SUPPRESS)  # tests and replays: YYYY-MM-DD
        return sp

    sp = add("digest", cmd_digest, "send the weekly (or daily) digests, or preview one")
    mode = sp.add_mutually_exclusive_group()
    mode.add_argument("--week", action="store_true", help="send the weekly digests")
    mode.add_argument("--day", action="store_true", help="send the daily digests")
    sp.add_argument("--preview", metavar="EMAIL", help="write this person's digest HTML to --out")
    sp.add_argument("--out", default="digest-preview.html", help="preview file")
    sp = add("subscriptions-file", cmd_subscriptions_file,
             "validate and sync subscriptions from a YAML file, or dump them")
    sp.add_argument("action", choices=("load", "dump"))
    sp.add_argument("file", nargs="?", help="the YAML file (load)")
    sp.add_argument("--prune", action="store_true", help="delete stored subscriptions not in the file")
    sp.add_argument("--out", help="dump to this file instead of stdout")
    sp = add("preview", cmd_preview, "what a subscription (file or id) would have matched lately")
    sp.add_argument("target", help="a subscriptions YAML file or a subscription id")
    sp.add_argument("--days", type=int, default=30)
    sp.add_argument("--json", action="store_true", help="machine-readable output")
    add("reminders", cmd_reminders, "send the deadline reminders due now")
