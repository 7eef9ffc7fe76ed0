"""``euradar status``: what ``/readyz`` and ``/metrics`` say, for an operator at a terminal."""

from __future__ import annotations

import json
from typing import Any

import httpx

from euradar.runtime import Runtime


def status_main(rt: Runtime, url: str | None, as_json: bool = False) -> int:
    """What /readyz and /metrics say, for an operator at a terminal: dependencies, lag per
    group and partition, dead letters, sources; roles and restarts of a running process."""
    try:
        ready, report = rt.health.readiness()
        lag = rt.health.lag()
        report["lag"] = {g: {f"{t}[{p}]": n for (t, p), n in sorted(parts.items())}
                         for g, parts in lag.items()}
        report["dead_letters"] = rt.health.dead_letters()
        report["sources"] = {s["name"]: {k: s[k] for k in ("last_success", "last_attempt",
                                                          "consecutive_failures", "last_error")}
                             for s in rt.health.sources()}
    finally:
        rt.close()
    running = _running_process(url or f"{rt.settings.public_url}/readyz")
    report["process"] = running
    if running and isinstance(running.get("roles"), dict):
        report["roles"] = running["roles"]
        ready = ready and bool(running.get("ready"))
    report["ready"] = ready
    if as_json:
        print(json.dumps(report, ensure_ascii=False, indent=2, default=str))
        return 0 if ready else 1
    print(f"euradar status: {'READY' if ready else 'NOT READY'}")
    for name, state in report["dependencies"].items():
        print(f"  {name:<9} {state}")
    if not running:
        print("  process   no running euradar answered at "
              f"{url or rt.settings.public_url + '/readyz'} (roles unknown)")
    for name, info in report.get("roles", {}).items():
        print(f"  role {name:<10} {info['status']:<8} restarts {info['restarts']}  lag "
              f"{info.get('lag', '-')}" + (f"  PROBLEM: {info['problem']}" if info.get("problem")
                                           else ""))
    for group, parts in report["lag"].items():
        print(f"  lag {group:<17} " + (", ".join(f"{k}={v}" for k, v in parts.items()) or "-"))
    print(f"  dead letters {report['dead_letters']}")
    for name, src in report["sources"].items():
        print(f"  source {name:<22} last success {src['last_success'] or 'never'}"
              + (f", {src['consecutive_failures']} failure(s) in a row: {src['last_error']}"
                 if src["consecutive_failures"] else ""))
    for problem in report["problems"]:
        print(f"  PROBLEM: {problem}")
    return 0 if ready else 1


def _running_process(url: str) -> dict[str, Any] | None:
    """The /readyz report of a running euradar, or None when none answers."""
    try:
        response = httpx.get(url, timeout=5.0)
        data = response.json()
        return data if isinstance(data, dict) else None
    except (httpx.HTTPError, ValueError):
        return None
