"""tools/inner_eval.py --dropout: each development fold is scored without the theme terms that
only its own lines use, and every other term is kept (synthetic lines of our own)."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from euradar.nlp.evaluate import fold_of

TOOL = Path(__file__).resolve().parents[2] / "tools" / "inner_eval.py"


def _tool():
    spec = importlib.util.spec_from_file_location("inner_eval", TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _id_in(fold: int, stem: str) -> str:
    return next(f"{stem}-{n}" for n in range(1000) if fold_of(f"{stem}-{n}") == fold)


def test_dropout_removes_only_terms_of_a_single_fold(tagger, tmp_path, capsys):
    tool = _tool()
    records = [
        # "reindeer herding" occurs only in this fold-0 line; "tourism" in folds 0 and 1
        {"id": _id_in(0, "a"), "lang": "en", "title": "Reindeer herding and tourism",
         "text": "Reindeer herding families work with tourism companies.", "themes": ["T2", "T5"]},
        {"id": _id_in(1, "b"), "lang": "en", "title": "Tourism",
         "text": "Tourism companies plan the winter season.", "themes": ["T5"]},
        {"id": _id_in(2, "c"), "lang": "en", "title": "Budget",
         "text": "The council adopted its budget.", "themes": []},
    ]
    docs = tool._docs(records)
    full = {r["id"]: r for r in tool._analyse(records, docs)}
    dropped = {r["id"]: r for r in tool._dropout_rows(records, docs, None)}
    first = records[0]["id"]
    assert "T2" in full[first]["predicted"] and "T2" not in dropped[first]["predicted"]
    assert "T5" in dropped[first]["predicted"]  # a term used in two folds is kept
    # the documents are left as they were
    assert {r["id"]: r["predicted"] for r in tool._analyse(records, docs)} == {i: r["predicted"] for i, r in full.items()}

    labels = tmp_path / "labels.jsonl"
    labels.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    assert tool.main([str(labels), "--dropout"]) == 0
    assert "without each fold's own-only terms" in capsys.readouterr().out
