"""The scheduler's jobs: missed digests run once when the process is back, a failing job is
retried with backoff and never stops the loop."""

from __future__ import annotations

from datetime import date

from euradar.core.settings import Settings
from euradar.core.subscriptions import Subscription
from euradar.infra.bus.memory import MemoryBus
from euradar.infra.index.embedded import EmbeddedIndex
from euradar.infra.notify.email import OutboxNotifier
from euradar.infra.store.sqlite import SqliteStore
from euradar.runtime import Runtime, is_due
from euradar.service import Scheduler, daily_digest_days, week_start
from tests.e2e.always_on import raw_item


def test_daily_digest_days_catch_up_what_was_missed_and_no_more():
    d = date.fromisoformat
    assert daily_digest_days([], d("2026-05-13")) == [d("2026-05-13")]
    assert daily_digest_days(["2026-05-10", "2026-W19"], d("2026-05-13")) == \
        [d("2026-05-11"), d("2026-05-12"), d("2026-05-13")]
    assert daily_digest_days(["2026-05-13"], d("2026-05-13")) == []
    assert len(daily_digest_days(["2026-01-01"], d("2026-05-13"))) == 7  # bounded look-back
    assert week_start(d("2026-05-13")) == d("2026-05-11")  # a Wednesday -> its Monday


def _runtime(tmp_path) -> Runtime:
    return Runtime(settings=Settings(data_dir=tmp_path, restart_backoff_max=60.0), bus=MemoryBus(),
                   index=EmbeddedIndex("memory://"), store=SqliteStore("memory://"),
                   notifier=OutboxNotifier(f"outbox://{tmp_path}/outbox", "a@b"))


def test_weekly_digest_missed_on_monday_goes_out_once_later_that_week(tmp_path):
    rt = _runtime(tmp_path)
    rt.store.save_subscription(Subscription.from_dict(
        {"id": "w", "name": "w", "email": "eu@kemi.fi", "themes": ["T3"], "frequency": "weekly"}))
    item = raw_item("w", 1)
    item.first_seen = "2026-05-06T09:00:00+00:00"  # in the week before Monday 2026-05-11
    item.themes = [{"id": "T3", "score": 0.9, "evidence": []}]
    rt.index.upsert([item])
    scheduler = Scheduler(rt, is_due)
    scheduler.run_jobs(date(2026, 5, 13))  # down on Monday, back on Wednesday
    scheduler.run_jobs(date(2026, 5, 14))
    log = rt.store.digest_log("eu@kemi.fi")
    assert [(r["period"], r["items"]) for r in log] == [("2026-W20", 1)]
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1


def test_failing_job_is_retried_with_backoff_and_the_others_run(tmp_path):
    rt = _runtime(tmp_path)
    scheduler = Scheduler(rt, is_due)
    calls = []

    def broken(today):
        calls.append(today)
        raise ConnectionError("smtp down")

    scheduler.jobs[1].run = broken
    today = date(2026, 5, 13)
    scheduler.run_jobs(today)
    job = scheduler.jobs[1]
    assert job.failures == 1 and job.done_for is None and job.next_try > 0
    assert all(j.done_for == today for j in scheduler.jobs if j is not job)
    scheduler.run_jobs(today)  # still backing off: not called again yet
    assert len(calls) == 1
    job.next_try = 0
    job.run = lambda today: None
    scheduler.run_jobs(today)
    assert job.done_for == today and job.failures == 0
