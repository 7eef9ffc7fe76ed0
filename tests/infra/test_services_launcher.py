"""Quick checks of infra/services.sh that need no download and start no service.

Each test points EURADAR_SERVICES_DIR at a fresh temp dir, so the real cache/state
(and any services another test session has running) is never touched.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "infra" / "services.sh"


def run(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "EURADAR_ES_DIR"}
    env["EURADAR_SERVICES_DIR"] = str(tmp_path / "services")
    return subprocess.run(
        ["bash", str(SCRIPT), *args],
        capture_output=True,
        text=True,
        timeout=30,
        env=env,
        cwd=REPO,
    )


def test_script_syntax_is_valid() -> None:
    res = subprocess.run(["bash", "-n", str(SCRIPT)], capture_output=True, text=True, timeout=30)
    assert res.returncode == 0, res.stderr


def test_status_reports_both_services(tmp_path: Path) -> None:
    res = run("status", tmp_path=tmp_path)
    # 0 = all running, 3 = at least one stopped (LSB convention); nothing else is acceptable
    assert res.returncode in (0, 3), res.stderr
    assert "kafka:" in res.stdout
    assert "elasticsearch:" in res.stdout
    # nothing can be running from a brand-new services dir
    assert "kafka: stopped" in res.stdout
    assert "elasticsearch: stopped" in res.stdout
    assert res.returncode == 3


@pytest.mark.parametrize("target,present,absent", [("kafka", "kafka:", "elasticsearch:"),
                                                   ("elasticsearch", "elasticsearch:", "kafka:"),
                                                   ("es", "elasticsearch:", "kafka:")])
def test_status_single_service(tmp_path: Path, target: str, present: str, absent: str) -> None:
    res = run("status", target, tmp_path=tmp_path)
    assert res.returncode == 3, res.stderr
    assert present in res.stdout
    assert absent not in res.stdout


def test_status_honours_port_env(tmp_path: Path) -> None:
    env_ports = {"EURADAR_KAFKA_PORT": "29092", "EURADAR_ES_PORT": "29200"}
    env = {k: v for k, v in os.environ.items() if k != "EURADAR_ES_DIR"}
    env.update(EURADAR_SERVICES_DIR=str(tmp_path / "s"), **env_ports)
    res = subprocess.run(["bash", str(SCRIPT), "status"], capture_output=True, text=True, timeout=30, env=env)
    assert "29092" in res.stdout
    assert "29200" in res.stdout


@pytest.mark.parametrize("args", [("bogus",), ("",), ("start", "zookeeper"), ("start", "--wipe")])
def test_bad_invocation_exits_nonzero_with_usage(tmp_path: Path, args: tuple[str, ...]) -> None:
    res = run(*args, tmp_path=tmp_path)
    assert res.returncode == 2, (res.stdout, res.stderr)
    assert "usage:" in res.stderr


def test_no_arguments_prints_usage(tmp_path: Path) -> None:
    res = run(tmp_path=tmp_path)
    assert res.returncode == 2
    assert "usage:" in res.stderr


def test_help_exits_zero(tmp_path: Path) -> None:
    res = run("--help", tmp_path=tmp_path)
    assert res.returncode == 0
    assert "fetch" in res.stderr and "status" in res.stderr


def test_stop_when_nothing_runs_is_a_clean_noop(tmp_path: Path) -> None:
    res = run("stop", tmp_path=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "kafka is not running" in res.stdout
    assert "elasticsearch is not running" in res.stdout
