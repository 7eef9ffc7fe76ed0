"""The always-on drills on both backend pairs (embedded SQLite, and Kafka + Elasticsearch),
each with exact counts: published = indexed + dead-lettered, alerts exactly once.

(a) malformed events of every kind in the raw topic: each dead-lettered with its reason, no
    role restarts, every good event after them indexed and alerted once;
(b) SMTP down across the digest time: the process stays up, the job is retried, the digest
    is delivered once when SMTP is back;
(d) a role killed by an injected error: restarted with backoff, counted in /metrics, /readyz
    says so while it waits, nothing lost;
(e) SIGTERM in the middle of the work: exit 0 in bounded time; after a restart nothing is
    lost and nothing alerted twice.
(c), Elasticsearch stopped under ``euradar run``, is tests/services/test_run_outage.py.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client import REGISTRY

from euradar.consumers.runner import Handler
from euradar.core.models import Item
from euradar.core.subscriptions import Subscription
from euradar.runtime import ROLES, Runtime
from tests.core.test_schema import MALFORMED
from tests.e2e.always_on import PAIRS, Background, make_pair, raw_event, raw_item
from tests.services.support import wait_until
from tests.support.smtp import SmtpServer

pytestmark = pytest.mark.timeout(600)
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(params=PAIRS)
def pair(request, tmp_path):
    yield from make_pair(request, tmp_path, request.param)


def subscribe(rt: Runtime, frequency: str = "immediate") -> None:
    rt.store.save_subscription(Subscription.from_dict(
        {"id": "drill", "name": "drill", "email": "kehitys@rovaniemi.fi", "themes": ["T3"],
         "frequency": frequency, "lang": "en"}))


def counter(name: str, labels: dict[str, str]) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def safe(call, default=-1):
    try:
        return call()
    except Exception:
        return default


def test_malformed_events_are_dead_lettered_and_good_ones_indexed(pair):
    rt = pair.runtime()
    subscribe(rt)
    good_before = [(f"ao:{pair.run}:{n}", raw_event(raw_item(pair.run, n))) for n in range(20)]
    bad = [(f"bad-{i}", raw) for i, (_, raw, _) in enumerate(MALFORMED)]
    good_after = [(f"ao:{pair.run}:{n}", raw_event(raw_item(pair.run, n))) for n in range(20, 40)]
    pair.publish(rt, good_before + bad + good_after)
    published = len(good_before) + len(bad) + len(good_after)

    service = Background(rt.run_roles, ROLES)
    try:
        assert wait_until(lambda: safe(rt.index.count) == 40 and len(pair.dead(rt)) == len(bad)
                          and sum(pair.outbox_items().values()) == 40, timeout=240), \
            (safe(rt.index.count), len(pair.dead(rt)))
    finally:
        rt.stop()
        service.join(60)
    dead = {d["key"]: d for d in pair.dead(rt)}
    assert set(dead) == {key for key, _ in bad}  # every malformed event, nothing else
    for i, (what, _, field) in enumerate(MALFORMED):
        record = dead[f"bad-{i}"]
        assert record["stage"] == "tagger" and record["reason"], what
        if field:
            assert record["reason"].startswith(f"{field}: "), (what, record["reason"])
    assert published == rt.index.count() + len(dead)  # 60 = 40 + 20
    assert {name: s.restarts for name, s in rt.supervisor.states.items()} == \
        {role: 0 for role in ROLES}  # no role crashed
    alerts = pair.outbox_items()
    assert sorted(alerts) == list(range(40)) and set(alerts.values()) == {1}
    rt.close()


class FlakyIndexer(Runtime):
    """A runtime whose indexer fails while ``armed`` calls are left (an injected bug)."""

    armed = 0

    def handler(self, role: str) -> tuple[str, Handler]:
        topic, real = super().handler(role)
        if role != "indexer":
            return topic, real

        def flaky(events):  # type: ignore[no-untyped-def]
            if type(self).armed > 0:
                type(self).armed -= 1
                raise RuntimeError("injected fault in the indexer")
            real(events)

        return topic, flaky


def test_role_killed_by_injected_error_is_restarted_counted_and_loses_nothing(pair):
    FlakyIndexer.armed = 4
    rt = FlakyIndexer.open(pair.settings(record_attempts=10))
    subscribe(rt)
    pair.publish(rt, [(f"ao:{pair.run}:{n}", raw_event(raw_item(pair.run, n))) for n in range(30)])
    before = counter("euradar_restarts_total", {"task": "indexer"})
    service = Background(rt.run_roles, ROLES)
    try:
        # /readyz turns non-ready while the indexer waits to be restarted (well within 30 s)
        # (the indexer is listed only once the supervisor has started it: the tagger's pipeline,
        # with its dictionaries, is built first and takes a few seconds)
        assert wait_until(lambda: not rt.health.readiness()[0] and
                          rt.health.readiness()[1]["roles"].get("indexer", {}).get("problem"), 30, 0.1)
        assert wait_until(lambda: safe(rt.index.count) == 30, timeout=180)
        assert wait_until(lambda: rt.health.readiness()[0], timeout=30), rt.health.readiness()
    finally:
        rt.stop()
        service.join(60)
    restarts = rt.supervisor.states["indexer"].restarts
    assert 1 <= restarts <= 4 and FlakyIndexer.armed == 0
    assert counter("euradar_restarts_total", {"task": "indexer"}) - before == restarts
    assert 'euradar_restarts_total{task="indexer"}' in rt.health.metrics_text().decode()
    assert pair.dead(rt) == [] and rt.index.count() == 30  # nothing lost
    alerts = pair.outbox_items()
    assert sorted(alerts) == list(range(30)) and set(alerts.values()) == {1}
    rt.close()


def tagged(run: str, n: int, first_seen: str) -> Item:
    item = raw_item(run, n)
    item.first_seen = first_seen
    item.themes = [{"id": "T3", "score": 0.9, "evidence": []}]
    return item


def test_smtp_down_across_the_digest_time_delivers_it_once_when_back(pair):
    smtp = SmtpServer()  # its port is chosen, the server not started: SMTP is down
    rt = Runtime.open(pair.settings(notifier_url=smtp.url, smtp_allow_plaintext=True,
                                    restart_backoff_max=2.0))
    subscribe(rt, frequency="daily")
    yesterday = (datetime.now(UTC) - timedelta(days=1)).replace(hour=9).isoformat()
    rt.index.upsert([tagged(pair.run, n, yesterday) for n in range(5)])
    failed_before = counter("euradar_job_runs_total", {"job": "daily-digests", "outcome": "failed"})
    service = Background(rt.run_forever, None, 1.0, False)  # scheduler only
    try:
        assert wait_until(lambda: counter("euradar_job_runs_total", {
            "job": "daily-digests", "outcome": "failed"}) - failed_before >= 2, timeout=60)
        assert service.thread.is_alive() and service.error is None  # the process stays up
        assert rt.health.readiness()[1]["dependencies"]["notifier"] != "ok"
        smtp.start()  # SMTP is back
        try:
            assert wait_until(lambda: len(smtp.messages) == 1, timeout=60)
            time.sleep(3)  # several more scheduler ticks: still one digest
            assert len(smtp.messages) == 1
        finally:
            smtp.stop()
    finally:
        rt.stop()
        service.join(60)
    body = smtp.messages[0].get_body(preferencelist=("plain",)).get_content()
    assert sum(f"/{pair.run}/item-{n}" in body for n in range(5)) == 5
    assert len(rt.store.digest_log("kehitys@rovaniemi.fi")) == 1
    rt.close()


def _run_process(pair, log_name: str) -> tuple[subprocess.Popen, object]:
    log = open(pair.tmp / f"{log_name}.log", "wb")
    env = {**os.environ, **pair.env, "PYTHONPATH": REPO, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "euradar", "run", "--no-serve"], cwd=REPO,
                            env=env, stdout=log, stderr=subprocess.STDOUT)
    return proc, log


def test_sigterm_mid_work_exits_0_and_a_restart_loses_and_repeats_nothing(pair):
    n_items = 200
    rt = pair.runtime()
    subscribe(rt)
    pair.publish(rt, [(f"ao:{pair.run}:{n}", raw_event(raw_item(pair.run, n)))
                      for n in range(n_items)])
    proc, log = _run_process(pair, "first")
    try:
        assert wait_until(lambda: safe(rt.index.count, 0) > 0 or proc.poll() is not None, 240)
        proc.send_signal(signal.SIGTERM)
        t0 = time.monotonic()
        rc = proc.wait(timeout=60)
        stopped_in = time.monotonic() - t0
    finally:
        if proc.poll() is None:
            proc.kill()
        log.close()
    output = (pair.tmp / "first.log").read_text(errors="replace")
    assert rc == 0, output[-3000:]
    assert stopped_in < 40, f"took {stopped_in:.1f}s to stop"  # shutdown_seconds (20) + closing
    assert "SIGTERM received" in output
    indexed_at_stop = rt.index.count()

    proc, log = _run_process(pair, "second")
    second = pair.tmp / "second.log"
    try:
        # Up first: when the first run finished everything before it stopped, the items are all
        # there at once and a SIGTERM would otherwise land while the second is still importing.
        assert wait_until(lambda: "euradar running" in second.read_text(errors="replace"), 240)
        assert wait_until(lambda: safe(rt.index.count) == n_items and
                          sum(pair.outbox_items().values()) >= n_items, 300), \
            (safe(rt.index.count), second.read_text(errors="replace")[-3000:])
        proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGUSR1)  # every thread's stack into the log
            time.sleep(2)
            pytest.fail("no exit 60 s after SIGTERM:\n" + second.read_text(errors="replace")[-6000:])
        assert rc == 0, second.read_text(errors="replace")[-3000:]
    finally:
        if proc.poll() is None:
            proc.kill()
        log.close()
    assert indexed_at_stop <= n_items
    assert rt.index.count() == n_items and pair.dead(rt) == []  # nothing lost
    alerts = pair.outbox_items()
    twice = sorted(n for n, c in alerts.items() if c > 1)
    assert sorted(alerts) == list(range(n_items)) and twice == [], (
        twice, [r for r in rt.store.alert_log() if r["item_id"] in
                {f"ao:{pair.run}:{n}" for n in twice}])  # once each
    rt.close()


def test_embedded_index_locked_for_longer_than_its_timeout_catches_up(tmp_path, request):
    """Drill (c) on the embedded pair: another process holds the index database's write lock
    past SQLite's 30 s busy timeout (our stand-in for an Elasticsearch outage): the indexer
    backs off without committing, nothing is lost, the index catches up."""
    import sqlite3

    pair = next(make_pair(request, tmp_path, "embedded"))
    rt = pair.runtime()
    subscribe(rt)
    items = [(f"ao:{pair.run}:{n}", raw_event(raw_item(pair.run, n))) for n in range(80)]
    pair.publish(rt, items[:50])
    service = Background(rt.run_roles, ROLES)
    blocker = sqlite3.connect(str(tmp_path / "index.db"), isolation_level=None)
    try:
        assert wait_until(lambda: safe(rt.index.count) == 50, timeout=120)
        blocker.execute("BEGIN EXCLUSIVE")
        pair.publish(rt, items[50:])
        time.sleep(35)
        assert service.thread.is_alive() and rt.index.count() == 50
        blocker.execute("COMMIT")
        assert wait_until(lambda: safe(rt.index.count) == 80 and
                          sum(pair.outbox_items().values()) == 80, timeout=120)
    finally:
        blocker.close()
        rt.stop()
        service.join(60)
    assert rt.supervisor.states["indexer"].restarts == 0  # a transient outage is no crash
    assert rt.index.count() + len(pair.dead(rt)) == 80 and pair.dead(rt) == []
    alerts = pair.outbox_items()
    assert sorted(alerts) == list(range(80)) and set(alerts.values()) == {1}
    rt.close()
