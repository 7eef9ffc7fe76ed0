"""A SIGKILLed alerter on Kafka loses no alert and repeats none.

N tagged events on a private topic namespace, K subscriptions that all match them, a real SMTP
server (aiosmtpd) that is slow to accept MAIL FROM. The alerter (``euradar consume alerter``,
a separate process) is killed with SIGKILL while it is inside an SMTP conversation after some
mails went out, i.e. in the middle of a bus batch that is not committed. A second alerter
process takes over from the group's committed offsets. Every (recipient, item) pair must have
been mailed exactly once.
"""

from __future__ import annotations

import uuid

import pytest

from euradar.core.subscriptions import Subscription
from euradar.core.topics import ITEMS_TAGGED
from tests.services.support import CliProcess, SlowSmtpServer, event_bytes, tagged_item, wait_until

pytestmark = [pytest.mark.services, pytest.mark.timeout(420)]

N_ITEMS = 200  # > 3 bus batches of 64
N_SUBS = 4
KILL_AFTER = 6  # mails delivered before the kill (each bus batch sends one per recipient)


def test_sigkilled_alerter_loses_nothing_and_sends_no_duplicate(kafka_bootstrap, tmp_path):
    from euradar.infra.bus.kafka import KafkaBus
    from euradar.infra.store.sqlite import SqliteStore

    run = uuid.uuid4().hex[:8]
    bus_url = f"kafka://{kafka_bootstrap}?topic_prefix=svc{run}."
    store = SqliteStore(f"sqlite:///{tmp_path}/store.db")
    recipients = [f"user{k}-{run}@example.test" for k in range(N_SUBS)]
    for k, addr in enumerate(recipients):
        store.save_subscription(Subscription.from_dict(
            {"id": f"sub-{run}-{k}", "name": f"svc {k}", "email": addr, "themes": ["T3"],
             "frequency": "immediate"}))
    store.close()

    bus = KafkaBus(bus_url)
    for n in range(N_ITEMS):
        item = tagged_item(run, n)
        bus.publish(ITEMS_TAGGED, item.id, event_bytes(item))
    bus.flush()

    smtp = SlowSmtpServer(delay=0.25).start()
    env = {"EURADAR_BUS": bus_url, "EURADAR_STORE": f"sqlite:///{tmp_path}/store.db",
           "EURADAR_INDEX": f"sqlite:///{tmp_path}/index.db", "EURADAR_NOTIFIER": smtp.url,
           "EURADAR_SMTP_ALLOW_PLAINTEXT": "1", "EURADAR_ALERT_BATCH_SECONDS": "0"}
    expected = {(r, n) for r in recipients for n in range(N_ITEMS)}
    first = second = None
    try:
        first = CliProcess("alerter", tmp_path, env, "alerter-1")
        killed_mid_send = wait_until(
            lambda: smtp.count() >= KILL_AFTER and smtp.sink.waiting.is_set(), timeout=120,
            interval=0.01)
        assert first.alive(), f"alerter exited early:\n{first.output()}"
        assert killed_mid_send, f"alerter never got {KILL_AFTER} mails out:\n{first.output()}"
        first.kill9()
        before = smtp.deliveries(run)
        assert 0 < len(before) < len(expected), "the kill was not in the middle of the run"
        assert max(before.values()) == 1

        second = CliProcess("alerter", tmp_path, env, "alerter-2")
        complete = wait_until(lambda: set(smtp.deliveries(run)) >= expected, timeout=180,
                              interval=0.5)
        assert complete, (f"only {len(smtp.deliveries(run))}/{len(expected)} alerts after "
                          f"restart:\n{second.output()[-3000:]}")
        # Give a duplicate the chance to show up before judging.
        wait_until(lambda: False, timeout=4)
        assert second.stop() == 0, second.output()[-3000:]
    finally:
        for p in (first, second):
            if p is not None:
                p.stop()
        smtp.stop()

    seen = smtp.deliveries(run)
    assert set(seen) == expected, f"missing: {sorted(expected - set(seen))[:10]}"
    dupes = {k: v for k, v in seen.items() if v != 1}
    assert not dupes, f"duplicate alerts: {sorted(dupes.items())[:10]}"

    # Everything the alerter consumed is committed: the group has no lag left.
    consumer = bus.consumer([ITEMS_TAGGED], group="alerter")
    try:
        assert consumer.lag() == 0
    finally:
        consumer.close()
        bus.delete_topics([ITEMS_TAGGED, "euradar.dead"])
        bus.close()
