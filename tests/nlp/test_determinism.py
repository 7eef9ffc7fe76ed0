"""The same text gets the same themes and evidence in every process (no dependence on the
string hash seed, which changes per process unless PYTHONHASHSEED is fixed)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TEXTS = [
    {"id": "fi", "title": "Talvitestauksen ja rengastestauksen ympäristöt",
     "text": "Kaivosalan sivuvirrat, kiertotalous ja vedyn tuotanto tuulivoimalla Lapissa. "
             "Matkailuyritykset ja kunnat voivat hakea rahoitusta."},
    {"id": "en", "title": "Cold-climate test beds for automated driving and battery raw materials",
     "text": "Pilot lines, living labs and industrial symbiosis; cluster organisations support SMEs "
             "in the Arctic. Data mining is not mining. Cluster 4 is a programme part."},
    {"id": "sv", "title": "Hållbar turism och förnybar energi i Norrbotten",
     "text": "Vätgas, vindkraft och cirkulär ekonomi; kulturarv och samisk kultur."},
]


def _tag(seed: str) -> list[dict]:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    lines = "\n".join(json.dumps(t, ensure_ascii=False) for t in TEXTS) + "\n"
    out = subprocess.run([sys.executable, "-m", "euradar", "tag"], input=lines, capture_output=True,
                         text=True, env=env, cwd=REPO, check=True, timeout=120)
    return [json.loads(line) for line in out.stdout.splitlines()]


def test_tagging_does_not_depend_on_the_hash_seed():
    first = _tag("1")
    assert any(r["themes"] for r in first)
    for seed in ("2", "3", "4"):
        assert _tag(seed) == first, f"PYTHONHASHSEED={seed} changed the tags"
