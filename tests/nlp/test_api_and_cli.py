import io
import json

from euradar.cli.nlp import eval_main, explain_main, tag_main


def test_tag_output_schema_and_offsets(tagger):
    record = {"id": "s1", "title": "Wind power and hydrogen", "text": "Tuulivoima ja vihreä vety Kemissä.", "lang": "fi"}
    (out,) = tagger.tag([record])
    assert set(out) == {"id", "lang", "themes"} and out["id"] == "s1" and out["lang"] == "fi"
    assert out["themes"], "expected T3"
    full = record["title"] + "\n" + record["text"]
    for theme in out["themes"]:
        assert set(theme) == {"id", "score", "evidence"} and 0.0 <= theme["score"] <= 1.0
        for ev in theme["evidence"]:
            assert set(ev) == {"text", "term", "start", "end"}
            assert full[ev["start"]:ev["end"]] == ev["text"]


def test_analyse_has_enrichment_fields(tagger):
    result = tagger.analyse({"id": "a", "title": "t", "text": "HORIZON-CL5-2026-02-D3-01 closes 3 June 2026."})
    for key in ("flags", "call_ids", "eligibility", "geography", "dates", "all_scores"):
        assert key in result
    assert result["call_ids"] == ["HORIZON-CL5-2026-02-D3-01"]
    assert set(result["all_scores"]) == {f"T{i}" for i in range(1, 9)}


def test_tag_main_keeps_order_and_reports_bad_lines():
    lines = [json.dumps({"id": 1, "title": "Sustainable tourism", "text": "Matkailu"}), "{broken", "",
             json.dumps({"id": 3, "title": "x", "text": "y"})]
    stdout, stderr = io.StringIO(), io.StringIO()
    code = tag_main(io.StringIO("\n".join(lines) + "\n"), stdout, stderr)
    outputs = [json.loads(line) for line in stdout.getvalue().splitlines()]
    assert code == 1
    assert [o["id"] for o in outputs] == [1, None, 3]
    assert "line 2" in outputs[1]["error"] and "line 2" in stderr.getvalue()


def test_explain_prints_evidence():
    stdout = io.StringIO()
    assert explain_main(["--title", "Arktinen muotoilu", "Palvelumuotoilun koulutus", "--lang", "fi"], stdout) == 0
    text = stdout.getvalue()
    assert "T7" in text and "ASSIGNED" in text and "muotoilu" in text.lower()


def test_eval_on_tiny_file(tmp_path):
    items = [
        {"id": "1", "lang": "en", "title": "Wind power and hydrogen for industry", "text": "Renewable energy and electrification.", "themes": ["T3"]},
        {"id": "2", "lang": "en", "title": "Asylum statistics", "text": "Annual figures on migration.", "themes": []},
        {"id": "3", "lang": "fi", "title": "Kestävä matkailu Lapissa", "text": "Matkailuyritysten vastuullisuus.", "themes": ["T5"]},
        {"id": "4", "lang": "en", "title": "Court rules", "text": "A judgment on procedure.", "themes": ["T6"]},
    ]
    path = tmp_path / "tiny.jsonl"
    path.write_text("\n".join(json.dumps(i) for i in items), encoding="utf-8")
    stdout = io.StringIO()
    assert eval_main(str(path), stdout, as_json=True) == 0
    report = json.loads(stdout.getvalue())
    assert report["per_theme"]["T3"]["f1"] == 1.0 and report["per_theme"]["T5"]["f1"] == 1.0
    assert report["per_theme"]["T6"]["recall"] == 0.0
    assert report["confusions"][0] == {"missed": "T6", "spurious": "-", "count": 1}
    assert set(report["per_language"]) == {"en", "fi"}
