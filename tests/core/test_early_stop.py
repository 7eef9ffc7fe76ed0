"""SIGTERM while a service is still starting (imports, connections, dictionaries: seconds)."""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from euradar.infra.sqlite_util import retry_locked

REPO = Path(__file__).resolve().parents[2]


def _catches_sigterm(pid: int) -> bool:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("SigCgt:"):
            return bool(int(line.split()[1], 16) & (1 << (signal.SIGTERM - 1)))
    return False


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")
def test_sigterm_while_starting_stops_cleanly_once_up(tmp_path):
    """It used to die of the default action (exit -15) before its handler was installed."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for key in [k for k in env if k.startswith("EURADAR_")]:
        del env[key]
    proc = subprocess.Popen([sys.executable, "-m", "euradar", "--data-dir", str(tmp_path / "d"),
                             "run", "--no-serve"], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while not _catches_sigterm(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.005)
        proc.send_signal(signal.SIGTERM)  # as soon as anything catches it: still importing
        out, _ = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    text = out.decode(errors="replace")
    assert proc.returncode == 0, text[-3000:]
    assert "SIGTERM received while starting" in text, text[-3000:]


def test_a_locked_database_is_tried_again_and_other_errors_are_not():
    calls: list[int] = []

    def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise sqlite3.OperationalError("database is locked")
        return "ok"

    assert retry_locked(flaky) == "ok" and len(calls) == 3

    def broken() -> None:
        calls.append(1)
        raise sqlite3.OperationalError("no such table: items")

    calls.clear()
    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        retry_locked(broken)
    assert len(calls) == 1
