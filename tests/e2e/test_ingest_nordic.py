"""Finnish and Swedish items put in with ``euradar ingest``'s path (ingest_file + the consumer
roles), then found by single words in any of their forms and matched by keyword subscriptions,
on the embedded default and on Kafka + Elasticsearch. The sentences are written for this test."""

from __future__ import annotations

import dataclasses
import json
import uuid

import pytest

from euradar.core.ports import Query
from euradar.core.settings import Settings
from euradar.core.subscriptions import Subscription
from euradar.crawlers.ingest import ingest_file
from euradar.runtime import Runtime
from tests.support.services import service_urls
from tests.support.smtp import SmtpServer, body_text

ITEMS = [
    {"id": "local:vety", "lang": "fi", "kind": "news", "url": "https://example.org/vety",
     "title": "Vedyn tuotanto alkaa Kemissä",
     "text": "Vetytalouden hanke rakentaa elektrolyysilaitoksen. Metsien ja matkailun yhteensovitus "
             "jatkuu Rovaniemellä."},
    {"id": "local:vatgas", "lang": "sv", "kind": "news", "url": "https://example.org/vatgas",
     "title": "Vätgasen lagras i norra Sverige",
     "text": "Beredskapsövningen i Norrbotten samlade kommunerna."},
    {"id": "local:energy", "lang": "en", "kind": "news", "url": "https://example.org/energy",
     "title": "Wind power grows in the north", "text": "New turbines near the coast."},
]


@pytest.fixture
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture(params=[pytest.param("embedded", id="embedded"),
                        pytest.param("services", id="kafka+elasticsearch", marks=pytest.mark.services)])
def settings(request, tmp_path, smtp) -> Settings:
    base = Settings(data_dir=tmp_path, notifier_url=smtp.url, smtp_allow_plaintext=True,
                    alert_batch_seconds=0)
    if request.param == "services":
        kafka, es = service_urls()
        run = uuid.uuid4().hex[:8]
        base = dataclasses.replace(base, bus_url=f"kafka://{kafka}?topic_prefix=ingest{run}.",
                                   index_url=f"{es}?prefix=ingest{run}")
    return base.resolved()


def test_ingested_nordic_items_are_found_by_any_form_and_alerted_by_keyword(settings, smtp, tmp_path):
    path = tmp_path / "items.jsonl"
    path.write_text("\n".join(json.dumps(i, ensure_ascii=False) for i in ITEMS) + "\n", encoding="utf-8")
    rt = Runtime.open(settings)
    try:
        for sub_id, keywords in (("vety", "vety"), ("vatgas", "vätgas"), ("fraasi", '"vety tuotanto"')):
            rt.store.save_subscription(Subscription.from_dict(
                {"id": sub_id, "email": f"{sub_id}@kunta.fi", "lang": "fi", "keywords": keywords}))
        report = ingest_file(path, rt.bus, rt.store)
        assert (report.new, report.dead) == (3, 0)
        rt.drain()

        for word, expected in (("vety", {"local:vety"}), ("vedyn", {"local:vety"}),
                               ("vetytalous", {"local:vety"}), ("metsä", {"local:vety"}),
                               ("matkailu", {"local:vety"}), ("Rovaniemi", {"local:vety"}),
                               ("vätgas", {"local:vatgas"}), ("Sverige", {"local:vatgas"}),
                               ("övning", {"local:vatgas"}), ("kommun", {"local:vatgas"}),
                               ("wind", {"local:energy"})):
            found = {h.item.id for h in rt.index.search(Query(text=word)).hits}
            assert found == expected, word

        mails = smtp.wait_for(3)
        by_recipient: dict[str, list[str]] = {}
        for mail in mails:
            by_recipient.setdefault(mail["To"], []).append(body_text(mail))
        assert set(by_recipient) == {"vety@kunta.fi", "vatgas@kunta.fi", "fraasi@kunta.fi"}
        assert "Vedyn tuotanto" in by_recipient["vety@kunta.fi"][0]
        assert "Vätgasen" in by_recipient["vatgas@kunta.fi"][0]
        assert "Vedyn tuotanto" in by_recipient["fraasi@kunta.fi"][0]
        assert all("Wind power" not in text for texts in by_recipient.values() for text in texts)
    finally:
        rt.close()
