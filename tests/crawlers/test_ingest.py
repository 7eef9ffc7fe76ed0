"""``euradar ingest``: local JSON Lines and RSS/Atom files through the bus like a crawl source.

The JSON Lines records are written here for the test (our own sentences); the feed and the
shipped samples are the real captures (samples/ is built from ../shared/corpus by
tools/make_samples.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from euradar.cli.main import main
from euradar.core.errors import ConfigError
from euradar.crawlers.ingest import default_source_name, detect_format, ingest_file, record_to_item
from tests.crawlers.conftest import CrawlEnv

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "samples"

GOOD = [
    {"id": "local:vety-1", "title": "Vedyn tuotanto käynnistyy Kemissä",
     "text": "Uusi laitos tuottaa vetyä tuulivoimalla.", "lang": "fi", "kind": "news",
     "url": "https://example.org/vety-1"},
    {"id": "local:vatgas-1", "title": "Vätgasen ska produceras i Luleå",
     "text": "Projektet bygger en ny anläggning.", "lang": "sv", "deadline": "2030-03-12",
     "kind": "call"},
    {"id": "local:mixed-1", "title": "Circular economy call", "text": "Recycling of batteries.",
     "deadlines": ["2020-01-31", "2020-02-28"], "kind": "call", "programme": "HORIZON",
     "contact": "eu@example.org"},
]


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_jsonl_items_are_published_and_bad_lines_dead_lettered_with_their_line(tmp_path):
    env = CrawlEnv(tmp_path)
    lines = [json.dumps(GOOD[0], ensure_ascii=False),
             "{not json",                                                   # line 2
             json.dumps({"id": "x", "text": "no title"}),                  # line 3
             "",
             json.dumps(GOOD[1], ensure_ascii=False),                       # line 5
             json.dumps({"id": "y", "title": "T", "kind": "grant"}),       # line 6
             json.dumps({"id": "z", "title": "T", "deadline": "next week"}),  # line 7
             json.dumps(["a", "list"]),                                     # line 8
             json.dumps({**GOOD[0], "title": "Same id again"}, ensure_ascii=False),  # line 9
             json.dumps(GOOD[2])]                                           # line 10
    path = _write(tmp_path / "my-calls.jsonl", lines)

    report = ingest_file(path, env.bus, env.store)

    assert (report.records, report.new, report.dead) == (9, 3, 6)
    assert report.source == "file_my_calls" and report.format == "jsonl"
    items = {e.item.id: e.item for e in env.events()}
    assert set(items) == {"local:vety-1", "local:vatgas-1", "local:mixed-1"}
    vety, vatgas, mixed = items["local:vety-1"], items["local:vatgas-1"], items["local:mixed-1"]
    assert (vety.lang, vety.kind, vety.source, vety.url) == ("fi", "news", "file_my_calls", "https://example.org/vety-1")
    assert vatgas.deadlines == ["2030-03-12"] and vatgas.status == "open"
    assert vatgas.url == path.resolve().as_uri() + "#local:vatgas-1"  # no url: back to its line's file
    assert mixed.status == "closed" and mixed.programme == "HORIZON" and mixed.extra == {"contact": "eu@example.org"}
    assert any("'contact'" in w for w in report.warnings)
    reasons = {d["key"]: d["reason"] for d in env.dead()}
    assert reasons["file_my_calls#line2"].startswith("line 2: invalid JSON")
    assert "title" in reasons["file_my_calls#line3"]
    assert "'kind' must be one of" in reasons["file_my_calls#line6"]
    assert "not a date" in reasons["file_my_calls#line7"]
    assert "JSON object" in reasons["file_my_calls#line8"]
    assert "already on line 1" in reasons["file_my_calls#line9"]
    assert [d["stage"] for d in env.dead()] == ["crawl"] * 6
    assert json.loads(env.dead()[-1]["original"])["title"] == "Same id again"  # nothing is lost


def test_reingest_publishes_only_what_changed(tmp_path):
    env = CrawlEnv(tmp_path)
    path = _write(tmp_path / "items.jsonl", [json.dumps(g, ensure_ascii=False) for g in GOOD])
    assert ingest_file(path, env.bus, env.store).new == 3
    again = ingest_file(path, env.bus, env.store)
    assert (again.new, again.changed, again.unchanged) == (0, 0, 3)
    edited = [dict(GOOD[0], text="Laitos tuottaa vetyä aurinkovoimalla."), GOOD[1], GOOD[2]]
    _write(path, [json.dumps(g, ensure_ascii=False) for g in edited])
    third = ingest_file(path, env.bus, env.store)
    assert (third.new, third.changed, third.unchanged) == (0, 1, 2)
    last = env.events()[-1]
    assert last.type == "changed" and last.item.version == 2 and last.item.id == "local:vety-1"


def test_feed_file_is_ingested_like_the_feed_route(tmp_path):
    env = CrawlEnv(tmp_path)
    report = ingest_file(SAMPLES / "ec_presscorner.xml", env.bus, env.store, source="press")
    assert report.format == "feed" and (report.records, report.new, report.dead) == (20, 20, 0)
    items = [e.item for e in env.events()]
    assert {i.source for i in items} == {"press"} and {i.kind for i in items} == {"news"}
    assert all(i.url.startswith("https://ec.europa.eu/") and i.lang == "en" for i in items)


def test_unreadable_or_broken_files_are_clear_errors(tmp_path):
    env = CrawlEnv(tmp_path)
    with pytest.raises(ConfigError, match="cannot read"):
        ingest_file(tmp_path / "missing.jsonl", env.bus, env.store)
    broken = tmp_path / "broken.xml"
    broken.write_text("<html><body>not a feed</body></html>", encoding="utf-8")
    with pytest.raises(ConfigError, match="not an RSS/Atom feed|HTML page"):
        ingest_file(broken, env.bus, env.store)
    invalid = tmp_path / "bad-bytes.jsonl"
    invalid.write_bytes(b'{"id": "a", "title": "ok"}\n{"id": "b", "title": "\xff\xfe"}\n')
    report = ingest_file(invalid, env.bus, env.store)
    assert (report.new, report.dead) == (1, 1) and "UTF-8" in report.refused[0]


def test_record_validation_and_helpers():
    with pytest.raises(Exception, match="'lang' must be a two-letter code"):
        record_to_item({"id": "a", "title": "t", "lang": "finnish"}, "s", "news", "file:///x")
    with pytest.raises(Exception, match="'url' must be an http"):
        record_to_item({"id": "a", "title": "t", "url": "javascript:alert(1)"}, "s", "news", "file:///x")
    with pytest.raises(Exception, match="'budget' must be a number"):
        record_to_item({"id": "a", "title": "t", "budget": "lots"}, "s", "news", "file:///x")
    item = record_to_item({"id": 42, "title": " <b>Otsikko</b> &amp; muuta ", "text": None}, "s", "call",
                          "file:///x", "fi")
    assert (item.id, item.kind, item.lang, item.text) == ("42", "call", "fi", "")
    assert default_source_name(Path("/tmp/Ålands Lista.v2.jsonl")) == "file_lands_lista_v2"
    assert detect_format(b"\xef\xbb\xbf  <?xml version='1.0'?><rss/>") == "feed"
    assert detect_format(b'{"id": 1}') == "jsonl"


def test_cli_ingest_then_search_finds_finnish_and_swedish_words(tmp_path, capsys):
    data = str(tmp_path / "data")
    path = _write(tmp_path / "items.jsonl", [json.dumps(g, ensure_ascii=False) for g in GOOD] + ["{oops"])
    assert main(["--data-dir", data, "ingest", str(path)]) == 1  # one refused line
    out = capsys.readouterr().out
    assert "3 new" in out and "1 dead-lettered" in out and "refused line 4: invalid JSON" in out
    assert "index holds 3 items" in out
    for word, expected in (("vety", "local:vety-1"), ("vedyn", "local:vety-1"), ("vätgas", "local:vatgas-1"),
                           ("Luleå", "local:vatgas-1"), ("kierrätys", None)):
        assert main(["--data-dir", data, "search", word, "--json"]) == 0
        hits = [h["id"] for h in json.loads(capsys.readouterr().out)["hits"]]
        assert hits == ([expected] if expected else []), word
    assert main(["--data-dir", data, "dead-letters", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["reason"].startswith("line 4:")


def test_cli_ingest_of_the_shipped_samples(tmp_path, capsys):
    data = str(tmp_path / "data")
    for name in ("ted_notices_fi_sv.jsonl", "eu_calls.jsonl", "ec_presscorner.xml"):
        assert main(["--data-dir", data, "ingest", str(SAMPLES / name), "--json"]) == 0
        summary = json.loads(capsys.readouterr().out)
        assert summary["dead_lettered"] == 0 and summary["new"] == summary["records"] > 0
        assert summary["warnings"] == [], name  # corpus_file is provenance, not an unknown field
    assert main(["--data-dir", data, "search", "Sverige", "--lang", "sv", "--json"]) == 0
    swedish = json.loads(capsys.readouterr().out)
    assert swedish["total"] >= 5 and all(h["lang"] == "sv" for h in swedish["hits"])
    assert main(["--data-dir", data, "search", "Ruotsi", "--json"]) == 0  # "Ruotsi" is Finnish
    assert {h["lang"] for h in json.loads(capsys.readouterr().out)["hits"]} == {"fi"}
    assert main(["--data-dir", data, "ingest", str(SAMPLES / "eu_calls.jsonl"), "--publish-only"]) == 0
    assert " 0 new" in capsys.readouterr().out


def test_cli_ingest_of_a_missing_file_exits_2(tmp_path, capsys):
    assert main(["--data-dir", str(tmp_path / "d"), "ingest", str(tmp_path / "nope.jsonl")]) == 2
    assert "cannot read" in capsys.readouterr().err
