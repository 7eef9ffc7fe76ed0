"""A SIGTERM that arrives while a long-running command is still starting.

``python -m euradar run`` takes seconds to import, connect and load its dictionaries before it
installs the handler that stops it cleanly. A SIGTERM in that window (an orchestrator stopping
a container that is just starting) used to kill it with the default action: exit status -15
and nothing said. :func:`catch` is installed first thing instead; the command honours the
request once it is up (``euradar run``/``consume``) or exits at once with 143 (anything else).
"""
from __future__ import annotations

import signal
import threading

REQUESTED = threading.Event()


def _remember(signum: int, _frame: object) -> None:
    REQUESTED.set()


def catch() -> None:
    """Remember a SIGTERM from now on, instead of dying of it."""
    signal.signal(signal.SIGTERM, _remember)


def release() -> bool:
    """For commands that stop no service: SIGTERM kills again; True if one came meanwhile."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    return REQUESTED.is_set()
