"""The euradar command line, run in-process on a temporary data directory."""

from __future__ import annotations

import io
import json

from euradar.cli.main import main
from euradar.core.settings import from_env
from euradar.runtime import Runtime
from tests.contract.sample_items import sample_items


def test_cli_explain_takes_title_and_text(capsys):
    assert main(["explain", "--title", "Vedyn tuotanto ja tuulivoima Lapissa",
                 "Haku on tarkoitettu pk-yrityksille ja kunnille."]) == 0
    out = capsys.readouterr().out
    assert "T3" in out and "ASSIGNED" in out and "tuulivoima" in out


def test_cli_tag_keeps_the_schema_and_order(monkeypatch, capsys):
    lines = [{"id": "a", "title": "Wind power and hydrogen", "text": "Renewable energy grids."},
             {"id": "b", "title": "Court reform", "text": "Judicial cooperation.", "lang": "en"}]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(json.dumps(x) for x in lines) + "\n"))
    assert main(["tag"]) == 0
    out = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [o["id"] for o in out] == ["a", "b"]
    assert set(out[0]) == {"id", "lang", "themes"} and out[1]["themes"] == []
    t3 = out[0]["themes"][0]
    assert t3["id"] == "T3" and 0 < t3["score"] <= 1
    assert set(t3["evidence"][0]) == {"text", "term", "start", "end"}


def test_cli_subscribe_search_and_sources(tmp_path, capsys):
    data = str(tmp_path / "data")
    assert main(["--data-dir", data, "subscribe", "--email", "eu@kemi.fi", "--theme", "T1",
                 "--keywords", 'kiertotalous OR "circular economy"', "--json"]) == 0
    sub = json.loads(capsys.readouterr().out)
    assert sub["themes"] == ["T1"] and sub["email"] == "eu@kemi.fi"
    assert main(["--data-dir", data, "subscribe", "--email", "not-an-email"]) == 2
    assert "email" in capsys.readouterr().err

    rt = Runtime.open(from_env({}, data_dir=tmp_path / "data"))
    rt.index.upsert(sample_items())
    rt.close()
    assert main(["--data-dir", data, "search", "textile", "--theme", "T1", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["total"] == 1 and result["hits"][0]["id"] == "ft:HORIZON-CL6-2026-01-CIRCBIO-07"
    assert main(["--data-dir", data, "search", "--kind", "news"]) == 0
    assert "2 result(s)" in capsys.readouterr().out
    assert main(["--data-dir", data, "sources", "--json"]) == 0
    sources = json.loads(capsys.readouterr().out)
    assert {"ft_grants", "ec_presscorner"} <= {s["name"] for s in sources}


def test_cli_search_speaks_the_query_language_and_helps(tmp_path, capsys):
    data = str(tmp_path / "data")
    assert main(["--data-dir", data, "search", "hydrogen"]) == 0
    out = capsys.readouterr().out
    assert "0 result(s)" in out and "nothing has been crawled yet" in out
    assert "euradar run --once" in out

    rt = Runtime.open(from_env({}, data_dir=tmp_path / "data"))
    rt.index.upsert(sample_items())
    rt.close()
    assert main(["--data-dir", data, "search", "hydrogen", "OR", "textile"]) == 0
    assert "2 result(s)" in capsys.readouterr().out
    assert main(["--data-dir", data, "search", '"wind power" -offshore']) == 0
    assert "0 result(s)" in capsys.readouterr().out
    assert main(["--data-dir", data, "search", "(hydrogen"]) == 2
    err = capsys.readouterr().err
    assert "this ( is never closed" in err and "(hydrogen\n^" in err
    assert main(["--data-dir", data, "search", "textile", "--kind", "news"]) == 0
    out = capsys.readouterr().out
    assert "try without Type: News: 1 result(s)" in out and "euradar search 'textile'" in out


def test_cli_tag_answers_every_good_line_whatever_the_bad_ones_hold(monkeypatch, capsys):
    good = {"id": "a", "title": "Wind power and hydrogen", "text": "Renewable energy grids."}
    huge = {"id": "huge", "title": "Hydrogen", "text": "Renewable hydrogen. " * 260_000}  # 5 MB
    lines = [json.dumps(good).encode(),
             b'{"id": "bad-utf8", "title": "x", "text": "caf\xe9 \xff"}',
             json.dumps(huge).encode(),
             b'{"id": "surrogate", "title": "\\ud800", "text": "x"}',
             b"not json at all",
             json.dumps({**good, "id": "b"}).encode()]
    raw = io.BytesIO(b"\n".join(lines) + b"\n")
    stdin = io.TextIOWrapper(raw, encoding="utf-8")  # .buffer is what `tag` reads
    monkeypatch.setattr("sys.stdin", stdin)
    assert main(["tag"]) == 1  # some lines were broken
    out = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert len(out) == 6  # one answer per input line, in order
    assert [o["id"] for o in out] == ["a", None, "huge", None, None, "b"]
    assert out[0]["themes"] and out[5]["themes"] == out[0]["themes"]
    assert out[2]["truncated"] is True and isinstance(out[2]["themes"], list)
    assert "not valid UTF-8" in out[1]["error"] and "surrogate" in out[3]["error"]
    assert "invalid JSON" in out[4]["error"]


def test_cli_status_reports_dependencies_lag_and_sources(tmp_path, capsys):
    data = str(tmp_path / "data")
    rt = Runtime.open(from_env({}, data_dir=tmp_path / "data"))
    from euradar.core.codec import dumps_event
    from euradar.core.models import Event
    from euradar.core.topics import ITEMS_RAW

    for item in sample_items()[:3]:
        rt.bus.publish(ITEMS_RAW, item.id, dumps_event(Event("new", item)))
    rt.close()
    # no process answers at this URL: the roles are unknown, the rest is read directly
    code = main(["--data-dir", data, "status", "--json", "--url", "http://127.0.0.1:9/readyz"])
    report = json.loads(capsys.readouterr().out)
    assert report["dependencies"] == {"bus": "ok", "index": "ok", "store": "ok", "notifier": "ok"}
    assert report["lag"]["tagger"] == {"euradar.items.raw[0]": 3}
    assert report["process"] is None and report["dead_letters"] == 0
    assert code == 0 and report["ready"] is True
    assert main(["--data-dir", data, "status", "--url", "http://127.0.0.1:9/readyz"]) == 0
    out = capsys.readouterr().out
    assert "READY" in out and "lag tagger" in out and "euradar.items.raw[0]=3" in out
