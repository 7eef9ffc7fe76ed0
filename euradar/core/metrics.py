"""Process metrics in Prometheus form (prometheus_client), incremented where things happen.

Counters live in the default registry, next to the process collector (resident memory, CPU,
open files). Gauges that are cheaper to compute when scraped than to keep up to date (consumer
lag, source health) are collected at scrape time by :mod:`euradar.health`.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge

ITEMS_PUBLISHED = Counter("euradar_items_published", "Item events published by the crawlers "
                          "(new or changed versions)", ["source"])
ITEMS_PROCESSED = Counter("euradar_items_processed", "Records handled and committed by a "
                          "consumer role (tagged, indexed, matched for alerts)", ["role"])
ALERTS_SENT = Counter("euradar_alerts_sent", "Alert messages (batched per recipient) delivered")
DIGESTS_SENT = Counter("euradar_digests_sent", "Digest mails delivered", ["frequency"])
DEAD_LETTERS = Counter("euradar_dead_letters", "Records put on the dead-letter topic", ["stage"])
RESTARTS = Counter("euradar_restarts", "Restarts of a supervised role or job after a failure",
                   ["task"])
TASK_UP = Gauge("euradar_task_up", "1 while a supervised role or job is running, 0 while it "
                "waits to be restarted", ["task"])
JOB_RUNS = Counter("euradar_job_runs", "Runs of a scheduled job by outcome", ["job", "outcome"])
TEXT_TRUNCATED = Counter("euradar_text_truncated", "Item texts cut to the tagger's limit")
