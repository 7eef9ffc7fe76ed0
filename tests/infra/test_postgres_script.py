"""infra/postgres.sh: a throwaway PostgreSQL cluster on 127.0.0.1, created, started, reached with
its generated password, stopped and wiped; clear errors for wrong use."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.support.smtp import free_port

SCRIPT = Path(__file__).resolve().parents[2] / "infra" / "postgres.sh"


def _run(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(SCRIPT), *args], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **env})


def test_usage_and_missing_cluster_are_clear_errors(tmp_path):
    env = {"EURADAR_PG_DIR": str(tmp_path / "none")}
    usage = _run(env=env)
    assert usage.returncode == 2 and "start" in usage.stderr
    missing = _run("url", env=env)
    assert missing.returncode == 1 and "no cluster" in missing.stderr


def _have_postgres() -> bool:
    return any(Path("/usr/lib/postgresql").glob("*/bin/initdb")) if Path("/usr/lib/postgresql").exists() else False


@pytest.mark.services
def test_start_url_stop_wipe_on_a_port_of_its_own():
    if not _have_postgres():
        if os.environ.get("EURADAR_REQUIRE_SERVICES") == "1":
            pytest.fail("PostgreSQL binaries missing (test.sh installs Debian's postgresql)")
        pytest.skip("PostgreSQL binaries missing: bash infra/postgres.sh install")
    import psycopg

    port = free_port()
    cluster = Path(f"/var/tmp/euradar-pg-test-{port}")
    env = {"EURADAR_PG_PORT": str(port), "EURADAR_PG_DIR": str(cluster)}
    try:
        started = _run("start", env=env)
        assert started.returncode == 0, started.stdout + started.stderr
        assert "***" in started.stdout  # the password is never printed by start
        url = _run("url", env=env).stdout.strip()
        assert url.startswith("postgresql://euradar:") and url.endswith(f"@127.0.0.1:{port}/euradar")
        with psycopg.connect(url, connect_timeout=10) as conn:
            assert conn.execute("SHOW listen_addresses").fetchone()[0] == "127.0.0.1"
        wrong = url.replace("postgresql://euradar:", "postgresql://euradar:x", 1)
        with pytest.raises(psycopg.OperationalError):
            psycopg.connect(wrong, connect_timeout=10)  # password authentication is on
        assert _run("start", env=env).returncode == 0  # idempotent: already running
        assert _run("status", env=env).returncode == 0
    finally:
        stopped = _run("stop", "--wipe", env=env)
    assert stopped.returncode == 0, stopped.stderr
    assert _run("status", env=env).returncode == 3
    assert not cluster.exists()
