"""tools/compare_taggers.py: an earlier commit's tagger runs from its own worktree beside today's
(synthetic lines of our own; the earlier commit here is HEAD, so both must agree)."""
from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOOL = ROOT / "tools" / "compare_taggers.py"

LINES = [
    ("c1", "en", "Reindeer herding and wild berries", "Herders and berry pickers in the villages.", ["T2"]),
    ("c2", "en", "New ski resort opens", "More international tourists visit the resort.", ["T5"]),
    ("c3", "fi", "Tuulivoimapuisto Simoon", "Sähkö siirretään kantaverkkoon.", ["T3"]),
    ("c4", "sv", "Gruvbolaget provborrar", "Fyndigheten av järnmalm är större än väntat.", ["T1"]),
    ("c5", "en", "Court annuls a fine", "The General Court annulled the fine.", []),
    ("c6", "fi", "Pelastuslaitos harjoitteli", "Valmiusharjoitus Rovaniemellä.", ["T6"]),
]


def _tool():
    spec = importlib.util.spec_from_file_location("compare_taggers", TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(shutil.which("git") is None or not (ROOT / ".git").exists(), reason="needs a git checkout")
def test_the_earlier_tagger_runs_from_its_worktree_and_is_scored_per_slice(tmp_path, capsys):
    labels = tmp_path / "labels.jsonl"
    labels.write_text("".join(json.dumps({"id": i, "lang": lang, "title": title, "text": text, "themes": themes}) + "\n"
                              for i, lang, title, text, themes in LINES), encoding="utf-8")
    before = subprocess.run(["git", "-C", str(ROOT), "worktree", "list"], capture_output=True, text=True).stdout
    assert _tool().main([str(labels), "--rev", "HEAD", "--added-from", "4"]) == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines()[1:]]
    by_slice: dict[str, dict[str, list[str]]] = {}
    for row in rows:
        tagger = "today" if "today" in row else "HEAD"
        slice_name = " ".join(row[:row.index(tagger)])
        by_slice.setdefault(slice_name, {})[tagger] = row[row.index(tagger) + 1:]
    assert set(by_slice) == {"whole file", "lines 1-3", "lines 4+", "held-out", "held-out, lines 1-3",
                             "held-out, lines 4+"}
    assert by_slice["whole file"]["today"][:2] == ["1.000", "(6)"]  # our own easy lines, all right
    assert all(figures["HEAD"] == figures["today"] for figures in by_slice.values())  # same code, same figures
    after = subprocess.run(["git", "-C", str(ROOT), "worktree", "list"], capture_output=True, text=True).stdout
    assert after == before  # the temporary worktree is gone
