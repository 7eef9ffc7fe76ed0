"""Two alerter processes on one consumer group and one PostgreSQL store: every alert exactly once,
even when one of them is SIGKILLed in the middle of sending a batch.

Both alerters (``euradar consume alerter``, separate processes) join the group first; then N
tagged events arrive on a private topic namespace with 4 partitions (2 per alerter), matching
K subscriptions; mail goes to a real SMTP server (aiosmtpd) that is slow to accept MAIL FROM;
the store is a fresh PostgreSQL database. Both alerters park alerts for the same recipients in
the shared batching window at the same time, and each flushes any recipient's batch under the
store's recipient lock. Once some mails went out, the alerter that is inside an SMTP conversation at
that moment (found by its socket) is killed with SIGKILL. The survivor takes over its
partitions after the group's session timeout and flushes what the dead one had parked. Every
(recipient, item) pair must arrive exactly once; the ledger says sent for each; nothing stays
parked; the group has no lag left.
"""

from __future__ import annotations

import uuid

import pytest

from euradar.core.subscriptions import Subscription
from euradar.core.topics import ITEMS_TAGGED
from tests.services.support import (
    CliProcess,
    SlowSmtpServer,
    event_bytes,
    group_state,
    pid_with_local_port,
    tagged_item,
    wait_until,
)
from tests.support.postgres import fresh_database

pytestmark = [pytest.mark.services, pytest.mark.timeout(480)]

N_ITEMS = 1600  # 4 bus batches of 200 per alerter
N_SUBS = 4
KILL_AFTER = 6  # mails delivered before the kill


def test_two_alerters_share_the_ledger_and_survive_a_sigkill(kafka_bootstrap, postgres_url,
                                                             tmp_path):
    from euradar.infra.bus.kafka import KafkaBus
    from euradar.infra.store.postgres import PostgresStore

    run = uuid.uuid4().hex[:8]
    bus_url = f"kafka://{kafka_bootstrap}?topic_prefix=svc2a{run}.&partitions=4"
    with fresh_database(postgres_url, "alerters") as store_url:
        store = PostgresStore(store_url)
        recipients = [f"user{k}-{run}@example.test" for k in range(N_SUBS)]
        for k, addr in enumerate(recipients):
            store.save_subscription(Subscription.from_dict(
                {"id": f"sub-{run}-{k}", "name": f"svc {k}", "email": addr, "themes": ["T3"],
                 "frequency": "immediate"}))

        bus = KafkaBus(bus_url)
        bus.ensure_topics([ITEMS_TAGGED])
        smtp = SlowSmtpServer(delay=0.25).start()
        env = {"EURADAR_BUS": bus_url, "EURADAR_STORE": store_url,
               "EURADAR_INDEX": f"sqlite:///{tmp_path}/index.db", "EURADAR_NOTIFIER": smtp.url,
               "EURADAR_ALERT_BATCH_SECONDS": "0", "EURADAR_SMTP_ALLOW_PLAINTEXT": "1"}
        expected = {(r, n) for r in recipients for n in range(N_ITEMS)}
        alerters: list[CliProcess] = []
        try:
            alerters = [CliProcess("alerter", tmp_path, env, f"alerter-{k}") for k in (1, 2)]
            pids = [p.pid for p in alerters]
            # Both members joined and own partitions before the first event: they work at once.
            group = f"svc2a{run}.alerter"  # the group carries the installation's topic prefix
            assert wait_until(lambda: group_state(kafka_bootstrap, group) == ("Stable", 2),
                              timeout=120, interval=0.5), \
                "\n".join(p.output()[-2000:] for p in alerters)
            for n in range(N_ITEMS):
                item = tagged_item(run, n)
                bus.publish(ITEMS_TAGGED, item.id, event_bytes(item))
            bus.flush()
            victim: list[int] = []

            def one_is_mid_send() -> bool:
                if smtp.count() < KILL_AFTER:
                    return False
                with smtp.sink.lock:
                    ports = list(smtp.sink.waiting_peers)
                for port in ports:
                    pid = pid_with_local_port(port, pids)
                    if pid is not None:
                        victim.append(pid)
                        return True
                return False

            assert wait_until(one_is_mid_send, timeout=180, interval=0.01), \
                "no alerter was caught inside an SMTP conversation:\n" + \
                "\n".join(p.output()[-2000:] for p in alerters)
            killed = next(p for p in alerters if p.pid == victim[0])
            survivor = next(p for p in alerters if p.pid != victim[0])
            assert killed.alive() and survivor.alive()
            killed.kill9()
            before = smtp.deliveries(run)
            assert 0 < len(before) < len(expected), "the kill was not in the middle of the run"
            assert max(before.values()) == 1

            complete = wait_until(lambda: set(smtp.deliveries(run)) >= expected, timeout=240,
                                  interval=0.5)
            assert complete, (f"only {len(smtp.deliveries(run))}/{len(expected)} alerts after "
                              f"the kill:\n{survivor.output()[-3000:]}")
            wait_until(lambda: False, timeout=4)  # give a duplicate the chance to show up
            assert survivor.stop() == 0, survivor.output()[-3000:]
        finally:
            for p in alerters:
                p.stop()
            smtp.stop()

        seen = smtp.deliveries(run)
        assert set(seen) == expected, f"missing: {sorted(expected - set(seen))[:10]}"
        dupes = {k: v for k, v in seen.items() if v != 1}
        assert not dupes, f"duplicate alerts: {sorted(dupes.items())[:10]}"
        ledger = store.alert_log()
        assert len(ledger) == len(expected) and all(r["sent_at"] for r in ledger)
        assert store.pending_alerts() == []
        store.close()

        consumer = bus.consumer([ITEMS_TAGGED], group="alerter")
        try:
            assert consumer.lag() == 0
        finally:
            consumer.close()
            bus.delete_topics([ITEMS_TAGGED, "euradar.dead"])
            bus.close()
