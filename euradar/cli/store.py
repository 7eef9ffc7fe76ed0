"""``euradar migrate``: bring the store's schema up to date (or show what is pending).

The store applies pending migrations itself when a process opens it; this command is for doing
it on purpose, first, with an owner's credentials, and for seeing where a store stands:

    euradar migrate              apply what is pending, print the schema version
    euradar migrate --status     only show the version and what is pending
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable

from euradar.core.registry import migrate_store
from euradar.core.settings import Settings


def cmd_migrate(settings: Settings, args: argparse.Namespace) -> int:
    report = migrate_store(settings.store_url, apply=not args.status)
    if args.json:
        print(json.dumps({"dialect": report.dialect, "before": report.before,
                          "after": report.after, "latest": report.latest,
                          "applied": report.applied, "pending": report.pending}))
        return 0
    for name in report.applied:
        print(f"applied {name}")
    state = ("up to date" if not report.pending else
             f"{len(report.pending)} pending: {', '.join(report.pending)}")
    print(f"{report.dialect} store at schema version {report.after} of {report.latest}: {state}")
    return 0


def add_arguments(subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
                  settings_factory: Callable[[argparse.Namespace], Settings]) -> None:
    """Register ``migrate``."""
    help_text = "apply the store's pending schema migrations (EURADAR_STORE)"
    sp = subparsers.add_parser("migrate", help=help_text, description=help_text)
    sp.add_argument("--status", action="store_true", help="only show the version and what is pending")
    sp.add_argument("--json", action="store_true", help="machine-readable output")
    sp.set_defaults(func=lambda args: cmd_migrate(settings_factory(args), args))
