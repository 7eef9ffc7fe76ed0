"""Profiles: validation, the YAML file with line-numbered errors, preview, operators, CLI."""

from __future__ import annotations

import argparse
import json
from datetime import date

import pytest

from euradar.alerts.matching import match, preview
from euradar.alerts.operators import OperatorAlerter
from euradar.alerts.subscription_file import SubscriptionFileError, dump, parse_subscriptions, sync
from euradar.core.subscriptions import Subscription, SubscriptionError
from euradar.core.topics import OPERATOR
from tests.alerts.conftest import TODAY, make_item, make_sub

GOOD = """\
defaults:
  lang: fi
  organisation: Rovaniemi
subscriptions:
  - id: rovaniemi-energy
    name: Rovaniemi energy
    email: kehitys@rovaniemi.fi
    themes: [T3]
    keywords: 'hydrogen OR "wind power" NOT offshore'
    eligibility: [local authority]
    frequency: weekly
  - name: Ops
    email: ops@lapinliitto.fi
    organisation: operators
"""


def test_yaml_file_loads_and_syncs(store):
    subs = parse_subscriptions(GOOD, "subs.yaml")
    assert [s.lang for s in subs] == ["fi", "fi"]
    assert subs[1].id.startswith("y") and subs[1].is_operator
    report = sync(store, subs)
    assert len(report.created) == 2
    assert sync(store, parse_subscriptions(GOOD)).unchanged == [s.id for s in subs]
    again = parse_subscriptions(dump(store.list_subscriptions()))
    assert {s.id for s in again} == {s.id for s in subs}


def test_yaml_errors_name_file_line_and_field():
    bad = GOOD.replace("themes: [T3]", "themes: [T3, energy]").replace(
        "email: ops@lapinliitto.fi", "email: ops@lapinliitto.fi\n    colour: red")
    with pytest.raises(SubscriptionFileError) as err:
        parse_subscriptions(bad + "  - email: not-an-email\n", "subs.yaml")
    problems = err.value.problems
    assert problems[0] == ("subs.yaml line 8: subscription 'rovaniemi-energy', themes: "
                           "'energy' is not a theme id like T3")
    assert problems[1].startswith("subs.yaml line 14: subscription 'y")
    assert problems[1].endswith("colour: unknown field (known: active, deadline_horizon_days, "
                                "eligibility, email, frequency, geography, id, keywords, kinds, "
                                "lang, min_budget, name, organisation, programmes, reminders, "
                                "themes, webhook_url)")
    assert problems[2].startswith("subs.yaml line 16: subscription")
    assert "email: 'not-an-email' is not an email address" in problems[2]
    with pytest.raises(SubscriptionFileError, match="line 3: not valid YAML"):
        parse_subscriptions("subscriptions:\n  - id: [x\n  y: 1\n", "s.yaml")


def test_unknown_field_and_keyword_errors_point_at_their_line():
    text = "subscriptions:\n  - email: a@b.fi\n    keywords: '(hydrogen'\n"
    with pytest.raises(SubscriptionFileError, match=r"line 3: .*keywords: this \( is never closed"):
        parse_subscriptions(text, "s.yaml")
    with pytest.raises(SubscriptionError) as err:
        Subscription.from_dict({"email": "a@b.fi", "colour": "red"})
    assert err.value.field == "colour"


def test_match_explains_and_normalizes_labels():
    sub = make_sub(eligibility=["local authority"], min_budget=1_000_000,
                   keywords='hydrogen NOT "nuclear fusion"')
    reasons = match(sub, make_item(1))
    assert "eligible: local_authorities" in reasons
    assert "budget at least 1 000 000 EUR" in reasons
    assert match(sub, make_item(2, budget=500_000.0)) == []
    assert match(sub, make_item(3, text="nuclear fusion and hydrogen")) == []


def test_preview_finds_matches_of_the_last_days(index):
    index.upsert([make_item(n, first_seen=f"2026-02-{n:02d}T08:00:00+00:00")
                  for n in range(1, 29)] +
                 [make_item(99, title="Tourism in Inari", text="snow", themes=[{"id": "T5"}],
                            first_seen="2026-03-01T08:00:00+00:00")])
    result = preview(make_sub(), index, days=14, today=date(2026, 3, 1))
    assert [i.id for i, _ in result] == [f"ft:CALL-{n:03d}" for n in range(28, 14, -1)]
    assert all(reasons for _, reasons in result)


def test_operators_get_source_health_mails(store, bus, mailer, smtp_server):
    store.save_subscription(make_sub(id="ops", email="ops@lapinliitto.fi",
                                     organisation="operators"))
    event = {"source": "ft_portal", "kind": "silent", "message": "no items for 3 days",
             "at": "2026-03-09T06:00:00+00:00"}
    bus.publish(OPERATOR, "ft_portal", json.dumps(event).encode())
    bus.publish(OPERATOR, "x", b"not json")
    alerter = OperatorAlerter(store, mailer, ["extra@lapinliitto.fi"])
    consumer = bus.consumer([OPERATOR], "alerter-operator")
    assert alerter.poll_once(consumer) == 2
    assert sorted(m["To"] for m in smtp_server.messages) == ["extra@lapinliitto.fi",
                                                              "ops@lapinliitto.fi"]
    assert "no items for 3 days" in smtp_server.messages[0].get_body(("plain",)).get_content()
    consumer.rewind()
    assert alerter.handle([m for m in bus.read_topic(OPERATOR)]) == 0  # once per operator


def test_cli_commands_registered_and_runnable(tmp_path, store, index, capsys):
    from euradar.alerts.links import Links
    from euradar.cli.alerts import add_arguments

    class Runtime:
        def __init__(self):
            self.store, self.index, self.notifier = store, index, None
            self.links = Links("http://127.0.0.1:8765", b"k" * 32)
            self.closed = False

        def close(self):
            self.closed = True

    parser = argparse.ArgumentParser(prog="euradar")
    add_arguments(parser.add_subparsers(dest="command"), lambda args: Runtime())
    path = tmp_path / "subs.yaml"
    path.write_text(GOOD, encoding="utf-8")
    args = parser.parse_args(["subscriptions-file", "load", str(path)])
    assert args.func(args) == 0
    assert "2 valid subscription(s); created 2" in capsys.readouterr().out

    index.upsert([make_item(1, first_seen="2026-03-05T08:00:00+00:00")])
    args = parser.parse_args(["preview", "rovaniemi-energy", "--days", "7", "--today",
                              "2026-03-09", "--json"])
    assert args.func(args) == 0
    assert json.loads(capsys.readouterr().out)["rovaniemi-energy"][0]["id"] == "ft:CALL-001"

    out = tmp_path / "preview.html"
    args = parser.parse_args(["digest", "--preview", "kehitys@rovaniemi.fi", "--out", str(out),
                              "--today", TODAY.isoformat()])
    assert args.func(args) == 0
    assert "Hydrogen valleys in the Arctic, topic 1" in out.read_text(encoding="utf-8")
