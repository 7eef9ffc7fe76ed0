"""Freshness: how long from a new F&T call appearing at the source to the alert mail, measured
end to end on the real scheduler (``Runtime.run_forever``), the real Scrapy crawler, the embedded
bus/index/store, the tagger, indexer and alerter, and a real SMTP server (aiosmtpd).

    python bench/bench_freshness.py [--shared DIR] [--period 10] [--window 2]

The local server answers the F&T search API with the records of the real captures
(tests/mockserver/apis.py). After the first (full) crawl has been processed, it starts serving
one more topic: a copy of a captured record given a new identifier, title and modification
stamp (an edit made here, on purpose; no capture shows a topic appearing). A subscription
matches its title. The bench prints:

* ``appearance_to_mail_s``: from the moment the server serves the new call to the moment the
  SMTP server has the alert, with the schedule shrunk to ``--period`` seconds and the
  batching window to ``--window`` seconds;
* ``pipeline_s``: from the start of the poll that found it to the mail (crawl, publish, tag,
  index, alert, batching window), and ``pipeline_without_window_s``;
* the model at the defaults (schedule 15 min, scheduler tick 30 s, batching window 60 s):
  worst case = one idle poll + schedule + tick + pipeline without window + window;
* bytes and requests of an idle poll against those of the full crawl.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import tempfile
import threading
import time
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aiosmtpd.controller import Controller  # noqa: E402

from euradar.core.settings import Settings  # noqa: E402
from euradar.core.subscriptions import Subscription  # noqa: E402
from euradar.crawlers.report import CrawlReport  # noqa: E402
from euradar.runtime import Runtime  # noqa: E402
from tests.mockserver.apis import SediaIndex  # noqa: E402
from tests.mockserver.server import CorpusServer  # noqa: E402
from tests.support.smtp import free_port  # noqa: E402

FT = "/search-api/prod/rest/search"
GRANTS = ("ftp_api/sedia_search_scope-horizon-eic_25of31_2026-09-16_claudeproba.json",
          "ftp_api/sedia_search_page_apiv2.151_aarhusai.json")
NEW_ID = "HORIZON-CL5-2027-02-ARCTIC-99"
NEW_TITLE = "Winter testing of hydrogen vehicles in Arctic conditions"
DEFAULTS = {"schedule_s": 15 * 60, "tick_s": 30.0, "window_s": 60.0}


class Inbox:
    """aiosmtpd handler that notes when each message arrived."""

    def __init__(self) -> None:
        self.messages: list[tuple[float, Any]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd hook name
        msg = message_from_bytes(envelope.content, policy=default_policy)
        with self.lock:
            self.messages.append((time.time(), msg))
        return "250 OK"

    def first_with(self, text: str) -> float | None:
        with self.lock:
            for at, msg in self.messages:
                if text in msg.get_body(preferencelist=("plain",)).get_content():
                    return at
        return None


def new_record(index: SediaIndex) -> dict[str, Any]:
    template = next(r for r in index.records
                    if r["metadata"]["identifier"] == ["HORIZON-EIC-2026-PATHFINDERCHALLENGES-01-01"])
    record = copy.deepcopy(template)
    md = record["metadata"]
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S.000+0000", time.gmtime())
    md["identifier"], md["title"], md["esDA_IngestDate"] = [NEW_ID], [NEW_TITLE], [stamp]
    md["callIdentifier"] = ["HORIZON-CL5-2027-02"]
    md["url"] = [f"https://ec.europa.eu/info/funding-tenders/opportunities/portal/screen/opportunities/topic-details/{NEW_ID}"]
    md["deadlineDate"] = ["2027-03-18T00:00:00.000+0000"]
    record["summary"] = record["content"] = NEW_TITLE
    return record


def wait_until(check, timeout: float, step: float = 0.05) -> Any:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = check()
        if value:
            return value
        time.sleep(step)
    return None


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--period", type=int, default=10, help="shrunk F&T schedule, seconds")
    parser.add_argument("--window", type=float, default=2.0, help="shrunk alert batching window, seconds")
    args = parser.parse_args()
    corpus = args.shared / "corpus"
    index = SediaIndex(*(corpus / f for f in GRANTS))
    server = CorpusServer(corpus).start()
    server.route("POST", FT, index)
    inbox, port = Inbox(), free_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=port)
    smtp.start()
    reports: list[tuple[float, CrawlReport]] = []
    with tempfile.TemporaryDirectory() as tmp:
        sources = Path(tmp) / "sources.toml"
        sources.write_text(
            f'[sources.ft_grants]\nkind = "call"\nroute = "spider"\nspider = "ft_portal"\n'
            f'url = "{server.url(FT)}?apiKey=SEDIA&text=***"\nlang = "en"\nschedule = "{args.period}s"\n'
            '[sources.ft_grants.options]\ntypes = ["1", "2", "8"]\nstatuses = ["31094501", "31094502"]\n'
            'page_size = 100\npoll_page_size = 5\nfull_every = "1d"\ncrawl_delay = 0\n'
            f'details_url = "{server.url("/info/funding-tenders/opportunities/data/topicDetails/{id}.json")}"\n',
            encoding="utf-8")
        # aiosmtpd on loopback offers no STARTTLS: the local-relay exception applies
        settings = Settings(data_dir=Path(tmp), sources_file=sources, notifier_url=f"smtp://127.0.0.1:{port}",
                            smtp_allow_plaintext=True, alert_batch_seconds=args.window,
                            http_timeout=10.0).resolved()
        rt = Runtime.open(settings)
        rt.store.save_subscription(Subscription.from_dict({
            "name": "Development officer", "email": "officer@kunta.example", "keywords": '"winter testing"',
            "frequency": "immediate"}))
        loop = threading.Thread(target=rt.run_forever, kwargs={
            "progress": lambda r: reports.append((time.time(), r)), "tick_seconds": 0.5}, daemon=True)
        loop.start()
        # The first (full) crawl and its processing; then one idle poll to measure its cost.
        full = wait_until(lambda: next((r for _, r in reports if r.mode == "full"), None), 300)
        idle = wait_until(lambda: next((r for _, r in reports if r.mode == "incremental"), None), 300)
        if full is None or idle is None or not full.ok:
            print(json.dumps({"error": "the first crawls did not finish", "reports": [vars(r) for _, r in reports]}))
            return 1
        appeared = time.time()
        index.add(new_record(index))
        mailed = wait_until(lambda: inbox.first_with(NEW_TITLE), 300)
        found = next(((at, r) for at, r in reports if r.new >= 1 and at >= appeared), None)
        rt.stop()
        loop.join(timeout=30)
        rt.close()
    smtp.stop()
    server.stop()
    if mailed is None or found is None:
        print(json.dumps({"error": "no alert mail for the new call", "reports": [vars(r) for _, r in reports]}))
        return 1
    found_at, found_report = found
    poll_started = found_at - found_report.duration
    pipeline = mailed - poll_started
    without_window = max(0.0, pipeline - args.window)
    idle_polls = [r for _, r in reports if r.mode == "incremental" and r.events == 0]
    idle_duration = max(r.duration for r in idle_polls)
    worst = idle_duration + DEFAULTS["schedule_s"] + DEFAULTS["tick_s"] + without_window + DEFAULTS["window_s"]
    print(json.dumps({
        "shrunk": {"schedule_s": args.period, "batch_window_s": args.window, "scheduler_tick_s": 0.5},
        "appearance_to_mail_s": round(mailed - appeared, 2),
        "pipeline_s": round(pipeline, 2),
        "pipeline_without_window_s": round(without_window, 2),
        "poll_that_found_it": {"mode": found_report.mode, "requests": found_report.requests,
                               "bytes": found_report.bytes, "duration_s": found_report.duration},
        "idle_poll": {"requests": idle.requests, "bytes": idle.bytes, "events": idle.events,
                      "duration_s": idle.duration},
        "full_crawl": {"requests": full.requests, "bytes": full.bytes, "events": full.events,
                       "duration_s": full.duration},
        "idle_over_full": {"requests": round(idle.requests / full.requests, 3),
                           "bytes": round(idle.bytes / full.bytes, 3)},
        "model_at_defaults": {
            **DEFAULTS,
            "worst_case_s": round(worst, 1), "worst_case_min": round(worst / 60, 2),
            "mean_case_min": round((idle_duration + DEFAULTS["schedule_s"] / 2 + DEFAULTS["tick_s"] / 2
                                    + without_window + DEFAULTS["window_s"]) / 60, 2),
            "within_20_min": worst <= 20 * 60},
        "mails": len(inbox.messages),
    }, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
