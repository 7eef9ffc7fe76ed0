"""``euradar sources`` (each source with its health) and ``euradar sources check [NAME]``
(fetch each source once, now, and say what works).

    euradar sources                 one line per source: on/off, kind, how it is crawled, health
    euradar sources check           check every enabled source now (a dry run: nothing stored)
    euradar sources check NAME      check one source, enabled or not
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable

from euradar.core.errors import ConfigError
from euradar.core.ports import SourceState
from euradar.core.registry import open_store
from euradar.core.settings import Settings
from euradar.crawlers.check import CheckResult, check_sources
from euradar.crawlers.report import CHECKED_FIELDS
from euradar.crawlers.sources import SourceConfig, find_source, load_sources

_FIELD_NAMES = {"deadlines": "deadline", "opening_date": "opening", "published": "date"}


def how(source: SourceConfig) -> str:
    return source.spider if source.route == "spider" and source.spider else source.route


def health_line(source: SourceConfig, state: SourceState) -> str:
    """One line a user can act on: on/off (and why off), last success, errors and what to fix."""
    flag = "on " if source.enabled else "off"
    head = f"[{flag}] {source.name:<20} {source.kind:<6} {how(source):<9} every {source.schedule:<4}"
    if not source.enabled:
        return f"{head} off: {source.disabled_reason}"
    if not state.last_attempt:
        return f"{head} never crawled (try `euradar sources check {source.name}`)"
    status = "OK  " if state.consecutive_failures == 0 else f"FAILING x{state.consecutive_failures}"
    line = (f"{head} {status} last success {state.last_success or 'never'}, "
            f"last run {state.last_item_count} items, {state.items_seen} seen, {state.error_count} errors")
    if state.cursor:
        line += f", polls newer than {state.cursor[:19]}"
    if state.consecutive_failures and state.last_error:
        line += f"\n       last error: {state.last_error}"
    return line


def cmd_sources(args: argparse.Namespace, settings: Settings) -> int:
    sources = load_sources(settings.sources_file, settings.source_overrides)
    store = open_store(settings.store_url)
    try:
        rows = [(s, store.source_state(s.name)) for s in sources]
    finally:
        store.close()
    if args.json:
        print(json.dumps([{"name": s.name, "kind": s.kind, "route": s.route, "spider": s.spider, "url": s.url,
                           "enabled": s.enabled, "disabled_reason": s.disabled_reason,
                           "schedule": s.schedule, **vars(st)} for s, st in rows],
                         ensure_ascii=False, indent=2, default=str))
        return 0
    for s, st in rows:
        print(health_line(s, st))
    return 0


def _fields(result: CheckResult) -> str:
    if not result.items:
        return "-"
    return ", ".join(f"{_FIELD_NAMES.get(k, k)} {result.fields.get(k, 0)}/{result.items}"
                     for k in CHECKED_FIELDS if result.fields.get(k) or k in ("title", "text", "deadlines"))


def render(result: CheckResult) -> str:
    """The check of one source, as a user reads it."""
    state = "ok  " if result.ok else "FAIL"
    off = "" if result.enabled else f" (disabled: {result.disabled_reason})"
    lines = [f"{state} {result.source:<20} {result.kind:<6} {result.route:<9} {result.url}{off}"]
    if result.reachable is False:
        lines.append(f"       {result.error}")
        return "\n".join(lines)
    lines.append(f"       reachable, {result.robots}; {result.items} item(s) in {result.duration:.1f}s")
    if result.items:
        lines.append(f"       fields: {_fields(result)}")
        for sample in result.samples:
            deadline = f"  (deadline {sample['deadline'][:10]})" if sample.get("deadline") else ""
            lines.append(f"       - {sample['title'][:100]}{deadline}")
    if result.error:
        lines.append(f"       error: {result.error}")
    for warning in result.warnings[:5]:
        lines.append(f"       warning: {warning}")
    return "\n".join(lines)


def cmd_check(args: argparse.Namespace, settings: Settings) -> int:
    sources = load_sources(settings.sources_file, settings.source_overrides)
    chosen = [find_source(sources, args.name)] if args.name else [s for s in sources if s.enabled or args.all]
    if not chosen:
        raise ConfigError("no enabled source to check")
    progress: Callable[[CheckResult], None] | None = None if args.json else (lambda r: print(render(r), flush=True))
    if not args.json:
        print(f"checking {len(chosen)} source(s) once, now (a dry run: nothing is stored or published)",
              flush=True)
    results = check_sources(chosen, settings, progress=progress)
    ok = sum(r.ok for r in results)
    if args.json:
        print(json.dumps([r.to_dict() for r in results], ensure_ascii=False, indent=2))
    else:
        unreachable = [r for r in results if r.reachable is False]
        print(f"{ok}/{len(results)} source(s) ok", end="")
        if unreachable and len(unreachable) == len(results):
            print("; none could be reached: this machine looks offline (or behind a proxy that is not "
                  "configured). Run the check again with internet access.")
        elif unreachable:
            print(f"; unreachable: {', '.join(r.source for r in unreachable)}")
        else:
            print()
    return 0 if ok == len(results) else 1


def add_arguments(subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
                  settings_factory: Callable[[argparse.Namespace], Settings]) -> None:
    """Register ``sources`` with its ``check`` action."""
    help_text = "each source with its health; `sources check [NAME]` fetches them once, now"
    sp = subparsers.add_parser("sources", help=help_text, description=help_text)
    sp.add_argument("--json", action="store_true", help="machine-readable output")
    sp.add_argument("action", nargs="?", metavar="check", help="check: fetch each source once, now")
    sp.add_argument("name", nargs="?", help="with check: only this source (even when disabled)")
    sp.add_argument("--all", action="store_true", help="with check: disabled sources too")

    def run(args: argparse.Namespace) -> int:
        settings = settings_factory(args)
        if args.action == "check":
            return cmd_check(args, settings)
        if args.action is not None:
            raise ConfigError(f"unknown action {args.action!r}; did you mean "
                              f"`euradar sources check {args.name or args.action}`?")
        return cmd_sources(args, settings)

    sp.set_defaults(func=run)
